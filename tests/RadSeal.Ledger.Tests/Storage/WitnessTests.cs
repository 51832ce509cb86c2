using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Storage;
using RadSeal.Ledger.Tests.Support;

namespace RadSeal.Ledger.Tests.Storage;

/// <summary>The witness cosigns only checkpoints that extend what it cosigned before; a forked log is refused.</summary>
public sealed class WitnessTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static Task<TransparencyLog> Open(string path) =>
        TransparencyLog.OpenAsync(new SqliteLogStore(path), new LogOptions { Origin = "radseal.test/ledger" });

    private static Task<AppendReceipt[]> Append(TransparencyLog log, int from, int count) =>
        Task.WhenAll(Enumerable.Range(from, count).Select(i => log.AppendAsync(Submissions.For(i))));

    [Fact]
    public async Task Consistent_checkpoints_are_cosigned_and_a_fork_or_rollback_is_refused()
    {
        using var witnessKey = NoteSigner.Generate("witness.radseal.test/w1", NoteKeyType.CosignatureV1);
        var original = _dir.File("log.db");
        await using var log = await Open(original);
        var witness = new Witness(witnessKey, log.PublicKey);

        await Append(log, 0, 100);
        var (cosigned100, seen100) = witness.Cosign(log.Checkpoint.Format(), null, []);
        // Anyone holding both keys can check the cosigned checkpoint.
        Assert.Equal(2, Note.Parse(cosigned100.Format()).Open([log.PublicKey, witnessKey.Verifier]).Count);

        // Copy the log at size 100 (same signing key), then let the two copies diverge.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var forkPath = _dir.File("fork.db");
        await using (var copy = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={original}"))
        {
            await copy.OpenAsync();
            await using var vacuum = copy.CreateCommand();
            vacuum.CommandText = $"VACUUM INTO '{forkPath}'";
            await vacuum.ExecuteNonQueryAsync();
        }
        await using var fork = await Open(forkPath);
        Assert.Equal(log.PublicKey.ToString(), fork.PublicKey.ToString());

        await Append(log, 100, 50);
        var proof = await log.ProveConsistencyAsync(100, 150);
        var (_, seen150) = witness.Cosign(log.Checkpoint.Format(), seen100, proof);
        Assert.Equal(150, seen150.Size);

        // Same size, different root: the shortest fork.
        await Append(fork, 1000, 50);
        Assert.Equal(150, fork.Checkpoint.Checkpoint.Size);
        var sameSize = Assert.Throws<WitnessRefusedException>(() => witness.Cosign(fork.Checkpoint.Format(), seen150, []));
        Assert.Equal(WitnessRefusal.Fork, sameSize.Reason);

        // The fork grows on: its own proof from 150 links its own history, not the one the witness saw.
        await Append(fork, 2000, 10);
        var forkProof = await fork.ProveConsistencyAsync(150, 160);
        var refused = Assert.Throws<WitnessRefusedException>(() => witness.Cosign(fork.Checkpoint.Format(), seen150, forkProof));
        Assert.Equal(WitnessRefusal.Fork, refused.Reason);
        // The fork is consistent with size 100 (that is how it was made), yet not with what the witness saw at 150.
        var fromHundred = await fork.ProveConsistencyAsync(100, 160);
        Assert.True(Proofs.VerifyConsistency(100, 160, seen100.Root, fork.Checkpoint.Checkpoint.Root, fromHundred).IsValid);

        var rollback = Assert.Throws<WitnessRefusedException>(() => witness.Cosign(cosigned100.Format(), seen150, []));
        Assert.Equal(WitnessRefusal.Rollback, rollback.Reason);
    }

    [Fact]
    public async Task Checkpoints_not_signed_by_the_log_are_refused()
    {
        using var witnessKey = NoteSigner.Generate("witness.radseal.test/w1", NoteKeyType.CosignatureV1);
        await using var log = await Open(_dir.File("a.db"));
        await using var other = await Open(_dir.File("b.db"));
        await Append(other, 0, 3);
        var witness = new Witness(witnessKey, log.PublicKey);
        var e = Assert.Throws<WitnessRefusedException>(() => witness.Cosign(other.Checkpoint.Format(), null, []));
        Assert.Equal(WitnessRefusal.NotSignedByLog, e.Reason);
    }

    public void Dispose() => _dir.Dispose();
}
