using Microsoft.Data.Sqlite;
using Npgsql;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;
using RadSeal.Ledger.Tests.Support;
using RadSeal.Ledger.Tiles;

namespace RadSeal.Ledger.Tests.Storage;

/// <summary>
/// The store contract, run unchanged against SQLite and against a real PostgreSQL: sequencing, durability across
/// reopen, proofs, tiles, a second writer, and tampering underneath the log.
/// </summary>
public abstract class LogContractTests
{
    /// <summary>A fresh, empty store location (a --db value).</summary>
    protected abstract Task<string> NewDbAsync();

    protected abstract Task TamperNodeAsync(string db, NodeId id, Hash value);

    protected abstract Task TamperEntryAsync(string db, long index, byte[] data);

    protected static EntrySubmission Submission(int i) => Submissions.For(i);

    protected static async Task<TransparencyLog> OpenLogAsync(string db, int maxBatch = 4096) =>
        await TransparencyLog.OpenAsync(LogStores.Open(db), new LogOptions { Origin = "radseal.test/ledger", MaxBatchSize = maxBatch });

    protected static async Task<AppendReceipt[]> AppendAsync(TransparencyLog log, int from, int count) =>
        await Task.WhenAll(Enumerable.Range(from, count).Select(i => log.AppendAsync(Submission(i))));

    private static async Task CloseAsync(TransparencyLog log)
    {
        var store = log.Store;
        await log.DisposeAsync();
        await store.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_appends_get_distinct_indexes_and_verifiable_proofs()
    {
        var log = await OpenLogAsync(await NewDbAsync(), maxBatch: 64);
        try
        {
            var receipts = await AppendAsync(log, 0, 500);
            Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), receipts.Select(r => r.Index).Order());
            var head = log.Checkpoint.Checkpoint;
            Assert.Equal(500, head.Size);
            foreach (var r in receipts.Where(r => r.Index % 7 == 0))
            {
                var proof = await log.ProveInclusionAsync(r.Index, head.Size);
                Assert.Equal(r.LeafHash, proof.LeafHash);
                Assert.True(Proofs.VerifyInclusion(r.Index, head.Size, r.LeafHash, proof.Hashes, head.Root).IsValid);
                Assert.Equal(r.LeafHash, LogEntry.Decode(r.Entry).LeafHash());
                // The checkpoint handed back with the receipt covers the entry and is a prefix of the latest.
                var earlier = r.Checkpoint.Checkpoint;
                Assert.True(earlier.Size > r.Index);
                var consistency = await log.ProveConsistencyAsync(earlier.Size, head.Size);
                Assert.True(Proofs.VerifyConsistency(earlier.Size, head.Size, earlier.Root, head.Root, consistency).IsValid);
            }
        }
        finally
        {
            await CloseAsync(log);
        }
    }

    [Fact]
    public async Task A_reopened_log_keeps_its_key_history_and_goes_on()
    {
        var db = await NewDbAsync();
        var log = await OpenLogAsync(db);
        var first = await AppendAsync(log, 0, 300);
        var checkpoint = log.Checkpoint;
        var key = log.PublicKey.ToString();
        await CloseAsync(log);

        log = await OpenLogAsync(db);
        try
        {
            Assert.Equal(key, log.PublicKey.ToString());
            Assert.Equal(checkpoint.Format(), log.Checkpoint.Format());
            await AppendAsync(log, 300, 10);
            var head = log.Checkpoint.Checkpoint;
            Assert.Equal(310, head.Size);
            var proof = await log.ProveConsistencyAsync(300, 310);
            Assert.True(Proofs.VerifyConsistency(300, 310, checkpoint.Checkpoint.Root, head.Root, proof).IsValid);
            var found = await log.ProveInclusionAsync(first[123].LeafHash, head.Size);
            Assert.NotNull(found);
            Assert.Equal(first[123].Index, found.Index);
            Assert.Null(await log.ProveInclusionAsync(Hash.Sha256("never logged"u8), head.Size));
        }
        finally
        {
            await CloseAsync(log);
        }
    }

    [Fact]
    public async Task Tiles_follow_the_layout_and_an_auditor_recomputes_the_checkpoint_from_them()
    {
        var log = await OpenLogAsync(await NewDbAsync(), maxBatch: 100);
        try
        {
            await AppendAsync(log, 0, 600);
            Assert.NotNull(await log.ReadTileAsync(TilePath.Hashes(0, 1)));
            Assert.Null(await log.ReadTileAsync(TilePath.Hashes(0, 2)));
            Assert.Equal(88 * 32, (await log.ReadTileAsync(TilePath.Hashes(0, 2, 88)))!.Length);
            Assert.Null(await log.ReadTileAsync(TilePath.Hashes(0, 2, 89)));
            Assert.Equal(2 * 32, (await log.ReadTileAsync(TilePath.Hashes(1, 0, 2)))!.Length);
            Assert.Equal(88, EntryBundle.Decode((await log.ReadTileAsync(TilePath.Entries(2, 88)))!).Count);
            var report = await LogAuditor.AuditAsync((t, ct) => log.ReadTileAsync(t, ct), log.Checkpoint.Checkpoint);
            Assert.True(report.IsConsistent, string.Join("; ", report.Problems));
            Assert.Equal(600, report.EntriesChecked);
        }
        finally
        {
            await CloseAsync(log);
        }
    }

    [Fact]
    public async Task A_second_writer_on_the_same_store_is_detected_and_nothing_is_lost()
    {
        var db = await NewDbAsync();
        var a = await OpenLogAsync(db, maxBatch: 16);
        var b = await OpenLogAsync(db, maxBatch: 16);
        try
        {
            var both = await Task.WhenAll(AppendAsync(a, 0, 100), AppendAsync(b, 100, 100));
            var receipts = both.SelectMany(r => r).ToArray();
            Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), receipts.Select(r => r.Index).Order());
            var head = receipts.Select(r => r.Checkpoint.Checkpoint).MaxBy(c => c.Size)!;
            Assert.Equal(200, head.Size);
            await using var reader = await OpenLogAsync(db);
            Assert.Equal(head, reader.Checkpoint.Checkpoint);
            foreach (var r in receipts)
            {
                var proof = await reader.ProveInclusionAsync(r.LeafHash, head.Size);
                Assert.NotNull(proof);
                Assert.True(Proofs.VerifyInclusion(r.Index, head.Size, r.LeafHash, proof.Hashes, head.Root).IsValid);
            }
        }
        finally
        {
            await CloseAsync(a);
            await CloseAsync(b);
        }
    }

    [Fact]
    public async Task A_batch_that_does_not_start_at_the_committed_size_is_refused()
    {
        var store = LogStores.Open(await NewDbAsync());
        try
        {
            await store.OpenAsync();
            var batch = new LogBatch(5, [new byte[] { 1 }], [Hash.Sha256([1])], [], 6, "x\n");
            await Assert.ThrowsAsync<ConcurrentAppendException>(() => store.AppendBatchAsync(batch));
            Assert.Equal(0, (await store.OpenAsync()).Size);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_altered_interior_node_makes_the_next_proofs_fail()
    {
        var db = await NewDbAsync();
        var log = await OpenLogAsync(db);
        try
        {
            var receipts = await AppendAsync(log, 0, 600);
            var head = log.Checkpoint.Checkpoint;
            var node = new NodeId(1, 2); // leaves 4 and 5
            Assert.Contains(node, Proofs.PlanInclusion(6, head.Size).Nodes);
            Assert.Contains(node, Proofs.PlanConsistency(6, head.Size).Nodes);
            var root6 = (await log.ProveConsistencyAsync(6, 6)).Length == 0 ? RootOfPrefix(receipts, 6) : default;
            await TamperNodeAsync(db, node, Hash.Sha256("forged"u8));

            var leaf6 = receipts.Single(r => r.Index == 6);
            var inclusion = await log.ProveInclusionAsync(6, head.Size);
            Assert.False(Proofs.VerifyInclusion(6, head.Size, leaf6.LeafHash, inclusion.Hashes, head.Root).IsValid);
            var consistency = await log.ProveConsistencyAsync(6, head.Size);
            Assert.False(Proofs.VerifyConsistency(6, head.Size, root6, head.Root, consistency).IsValid);
            // Proofs that do not touch the node still hold: the damage is caught exactly where it is used.
            var far = await log.ProveInclusionAsync(400, head.Size);
            Assert.True(Proofs.VerifyInclusion(400, head.Size, receipts.Single(r => r.Index == 400).LeafHash, far.Hashes, head.Root).IsValid);
        }
        finally
        {
            await CloseAsync(log);
        }
    }

    private static Hash RootOfPrefix(AppendReceipt[] receipts, int size)
    {
        var range = new CompactRange();
        foreach (var r in receipts.OrderBy(r => r.Index).Take(size))
        {
            range.Append(r.LeafHash);
        }
        return range.Root();
    }

    [Fact]
    public async Task An_altered_leaf_hash_or_entry_is_caught_by_proofs_and_by_the_audit()
    {
        var db = await NewDbAsync();
        var log = await OpenLogAsync(db);
        try
        {
            var receipts = await AppendAsync(log, 0, 300);
            var head = log.Checkpoint.Checkpoint;
            await TamperNodeAsync(db, new NodeId(0, 8), Hash.Sha256("forged leaf"u8));
            var proof9 = await log.ProveInclusionAsync(9, head.Size);
            Assert.False(Proofs.VerifyInclusion(9, head.Size, receipts.Single(r => r.Index == 9).LeafHash, proof9.Hashes, head.Root).IsValid);
            var audit = await LogAuditor.AuditAsync((t, ct) => log.ReadTileAsync(t, ct), head);
            Assert.False(audit.IsConsistent);
            Assert.Contains(audit.Problems, p => p.Contains("entry 8 ", StringComparison.Ordinal));

            var entry = (byte[])receipts.Single(r => r.Index == 20).Entry.Clone();
            entry[^1] ^= 1; // move the integration time by a millisecond
            await TamperEntryAsync(db, 20, entry);
            audit = await LogAuditor.AuditAsync((t, ct) => log.ReadTileAsync(t, ct), head);
            Assert.Contains(audit.Problems, p => p.Contains("entry 20 ", StringComparison.Ordinal));
        }
        finally
        {
            await CloseAsync(log);
        }
    }

    [Fact]
    public async Task An_audited_tree_extends_to_the_grown_log_from_the_new_entries_alone()
    {
        var db = await NewDbAsync();
        var log = await OpenLogAsync(db, maxBatch: 100);
        try
        {
            TileSource tiles = (t, ct) => log.ReadTileAsync(t, ct);
            await AppendAsync(log, 0, 300); // the second level-0 tile is partial (44 of 256)
            var first = log.Checkpoint.Checkpoint;
            var (audit, tree) = await LogAuditor.AuditTreeAsync(tiles, first);
            Assert.True(audit.IsConsistent);
            Assert.NotNull(tree);
            Assert.Equal(first.Root, tree.Root());

            var receipts = await AppendAsync(log, 300, 310);
            var grown = log.Checkpoint.Checkpoint;
            var visited = new List<long>();
            var (extension, extended) = await LogAuditor.ExtendAsync(tiles, tree, grown, visitEntry: (i, _) => visited.Add(i));
            Assert.True(extension.IsConsistent, string.Join("; ", extension.Problems));
            Assert.Equal(grown.Root, extended!.Root());
            Assert.Equal(Enumerable.Range(300, 310).Select(i => (long)i), visited); // the new entries, and only those
            Assert.Equal(310, extension.EntriesChecked);
            Assert.Equal(300, tree.Size); // the verified range given in is left as it was

            // Going back is not growing: a checkpoint smaller than what was verified is refused.
            var (back, _) = await LogAuditor.ExtendAsync(tiles, extended, first);
            Assert.Contains(back.Problems, p => p.Contains("not append-only", StringComparison.Ordinal));

            // An entry changed among the new ones: the extension does not verify (the old range cannot hide it).
            var entry = (byte[])receipts.Single(r => r.Index == 450).Entry.Clone();
            entry[^1] ^= 1;
            await TamperEntryAsync(db, 450, entry);
            var (tampered, none) = await LogAuditor.ExtendAsync(tiles, tree, grown);
            Assert.False(tampered.IsConsistent);
            Assert.Null(none);
        }
        finally
        {
            await CloseAsync(log);
        }
    }

    [Fact]
    public async Task A_log_whose_stored_edge_was_altered_refuses_to_open()
    {
        var db = await NewDbAsync();
        var log = await OpenLogAsync(db);
        await AppendAsync(log, 0, 600);
        await CloseAsync(log);
        // 600 = 512 + 64 + 16 + 8: the edge is (9,0), (6,8), (4,36), (3,74).
        Assert.Contains(new NodeId(6, 8), CompactRange.FrontierNodes(600));
        await TamperNodeAsync(db, new NodeId(6, 8), Hash.Sha256("forged"u8));
        var e = await Assert.ThrowsAsync<LogIntegrityException>(() => OpenLogAsync(db));
        Assert.Contains("does not match the signed checkpoint", e.Message, StringComparison.Ordinal);
    }
}

public sealed class SqliteLogContractTests : LogContractTests, IDisposable
{
    private readonly TempDir _dir = new();
    private int _n;

    protected override Task<string> NewDbAsync() => Task.FromResult(_dir.File($"log{Interlocked.Increment(ref _n)}.db"));

    private static async Task ExecAsync(string db, string sql, params (string, object)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={db}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    protected override Task TamperNodeAsync(string db, NodeId id, Hash value) => id.Level == 0
        ? ExecAsync(db, "UPDATE entries SET leaf_hash = $h WHERE idx = $i", ("$h", value.ToArray()), ("$i", id.Index))
        : ExecAsync(db, "UPDATE nodes SET hash = $h WHERE level = $l AND idx = $i", ("$h", value.ToArray()), ("$l", id.Level), ("$i", id.Index));

    protected override Task TamperEntryAsync(string db, long index, byte[] data) =>
        ExecAsync(db, "UPDATE entries SET data = $d WHERE idx = $i", ("$d", data), ("$i", index));

    public void Dispose() => _dir.Dispose();
}

[Collection("postgres")]
public sealed class PostgresLogContractTests(PostgresCluster cluster) : LogContractTests
{
    protected override async Task<string> NewDbAsync() => "pg:" + await cluster.NewDatabaseAsync();

    private static async Task ExecAsync(string db, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(db[3..]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    protected override Task TamperNodeAsync(string db, NodeId id, Hash value) => id.Level == 0
        ? ExecAsync(db, "UPDATE entries SET leaf_hash = $1 WHERE idx = $2", value.ToArray(), id.Index)
        : ExecAsync(db, "UPDATE nodes SET hash = $1 WHERE level = $2 AND idx = $3", value.ToArray(), id.Level, id.Index);

    protected override Task TamperEntryAsync(string db, long index, byte[] data) =>
        ExecAsync(db, "UPDATE entries SET data = $1 WHERE idx = $2", data, index);
}
