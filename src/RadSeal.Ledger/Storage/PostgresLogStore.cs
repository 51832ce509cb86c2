using Npgsql;
using NpgsqlTypes;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Storage;

/// <summary>
/// The store for a site that outgrows one machine: PostgreSQL through Npgsql, same tables and contract as SQLite. A
/// batch is one transaction sent as array parameters (unnest), so a batch of thousands is a handful of round trips;
/// the commit returns after PostgreSQL has flushed its WAL (synchronous_commit on, the default), which is when the
/// caller is acknowledged.
/// </summary>
public sealed class PostgresLogStore : ILogStore
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>A store in the database of <paramref name="connectionString"/> (an Npgsql connection string).</summary>
    public PostgresLogStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc/>
    public async Task<StoredLogState> OpenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            // Two processes creating the schema at once would collide in the catalogue: serialise on an advisory lock.
            await using var create = new NpgsqlCommand("""
                SELECT pg_advisory_xact_lock(5962);
                CREATE TABLE IF NOT EXISTS settings (name text PRIMARY KEY, value text NOT NULL);
                CREATE TABLE IF NOT EXISTS log_state (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, checkpoint text);
                INSERT INTO log_state (id, size, checkpoint) VALUES (1, 0, NULL) ON CONFLICT (id) DO NOTHING;
                CREATE TABLE IF NOT EXISTS entries (idx bigint PRIMARY KEY, leaf_hash bytea NOT NULL, data bytea NOT NULL);
                CREATE INDEX IF NOT EXISTS entries_by_leaf ON entries (leaf_hash);
                CREATE TABLE IF NOT EXISTS nodes (level int NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
                CREATE TABLE IF NOT EXISTS checkpoints (size bigint PRIMARY KEY, note text NOT NULL);
                """, connection, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return await ReadStateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<StoredLogState> ReadStateAsync(CancellationToken cancellationToken = default)
    {
        await using var read = _dataSource.CreateCommand("SELECT size, checkpoint FROM log_state WHERE id = 1");
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new StoredLogState(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <inheritdoc/>
    public async Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT value FROM settings WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc/>
    public async Task<string> InitSettingAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        await using var insert = _dataSource.CreateCommand("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING");
        insert.Parameters.Add(new NpgsqlParameter { Value = name });
        insert.Parameters.Add(new NpgsqlParameter { Value = value });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (await GetSettingAsync(name, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async Task AppendBatchAsync(LogBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var size = new NpgsqlCommand("SELECT size FROM log_state WHERE id = 1 FOR UPDATE", connection, transaction))
        {
            var committed = (long)(await size.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (committed != batch.FirstIndex)
            {
                throw new ConcurrentAppendException(batch.FirstIndex, committed);
            }
        }
        var count = batch.Entries.Count;
        var indexes = new long[count];
        var leaves = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            indexes[i] = batch.FirstIndex + i;
            leaves[i] = batch.LeafHashes[i].ToArray();
        }
        var levels = batch.Nodes.Select(n => n.Id.Level).ToArray();
        var nodeIndexes = batch.Nodes.Select(n => n.Id.Index).ToArray();
        var hashes = batch.Nodes.Select(n => n.Hash.ToArray()).ToArray();
        var write = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("INSERT INTO entries (idx, leaf_hash, data) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])",
                    Array(indexes, NpgsqlDbType.Bigint), Array(leaves, NpgsqlDbType.Bytea), Array(batch.Entries.ToArray(), NpgsqlDbType.Bytea)),
                Command("INSERT INTO nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])",
                    Array(levels, NpgsqlDbType.Integer), Array(nodeIndexes, NpgsqlDbType.Bigint), Array(hashes, NpgsqlDbType.Bytea)),
                Command("INSERT INTO checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO UPDATE SET note = excluded.note",
                    new NpgsqlParameter { Value = batch.NewSize }, new NpgsqlParameter { Value = batch.Checkpoint }),
                Command("UPDATE log_state SET size = $1, checkpoint = $2 WHERE id = 1",
                    new NpgsqlParameter { Value = batch.NewSize }, new NpgsqlParameter { Value = batch.Checkpoint }),
            },
        };
        await using (write)
        {
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType elementType) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | elementType };

    /// <inheritdoc/>
    public async Task<Hash[]> ReadHashesAsync(IReadOnlyList<NodeId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var result = new Hash[ids.Count];
        if (ids.Count == 0)
        {
            return result;
        }
        var found = new Dictionary<NodeId, Hash>(ids.Count);
        var leafIndexes = ids.Where(i => i.Level == 0).Select(i => i.Index).ToArray();
        var inner = ids.Where(i => i.Level > 0).ToArray();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command("SELECT 0, idx, leaf_hash FROM entries WHERE idx = ANY($1)", Array(leafIndexes, NpgsqlDbType.Bigint)),
                Command("SELECT n.level, n.idx, n.hash FROM nodes n JOIN unnest($1::int[], $2::bigint[]) AS q (level, idx) ON n.level = q.level AND n.idx = q.idx",
                    Array(inner.Select(i => i.Level).ToArray(), NpgsqlDbType.Integer), Array(inner.Select(i => i.Index).ToArray(), NpgsqlDbType.Bigint)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = new NodeId(reader.GetInt32(0), reader.GetInt64(1));
                found[id] = ToHash(reader.GetValue(2), id);
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        for (var i = 0; i < ids.Count; i++)
        {
            result[i] = found.TryGetValue(ids[i], out var h) ? h : throw new LogIntegrityException($"Node {ids[i]} is missing from the store.");
        }
        return result;
    }

    private static Hash ToHash(object? value, NodeId id) =>
        value is byte[] { Length: Hash.Size } bytes
            ? Hash.FromBytes(bytes)
            : throw new LogIntegrityException($"Node {id} is not 32 bytes in the store.");

    /// <inheritdoc/>
    public async Task<Hash[]> ReadHashRangeAsync(int level, long start, int count, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(level == 0
            ? "SELECT idx, leaf_hash FROM entries WHERE idx >= $2 AND idx < $3 AND $1 = 0 ORDER BY idx"
            : "SELECT idx, hash FROM nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx");
        command.Parameters.Add(new NpgsqlParameter { Value = level });
        command.Parameters.Add(new NpgsqlParameter { Value = start });
        command.Parameters.Add(new NpgsqlParameter { Value = start + count });
        var result = new Hash[count];
        var n = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = new NodeId(level, reader.GetInt64(0));
            if (id.Index != start + n)
            {
                break;
            }
            result[n++] = ToHash(reader.GetValue(1), id);
        }
        return n == count ? result : throw new LogIntegrityException($"Node ({level},{start + n}) is missing from the store.");
    }

    /// <inheritdoc/>
    public async Task<byte[][]> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT idx, data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx");
        command.Parameters.Add(new NpgsqlParameter { Value = start });
        command.Parameters.Add(new NpgsqlParameter { Value = start + count });
        var result = new byte[count][];
        var n = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetInt64(0) != start + n)
            {
                break;
            }
            result[n++] = (byte[])reader.GetValue(1);
        }
        return n == count ? result : throw new LogIntegrityException($"Entry {start + n} is missing from the store.");
    }

    /// <inheritdoc/>
    public async Task<long?> FindLeafAsync(Hash leafHash, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT MIN(idx) FROM entries WHERE leaf_hash = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = leafHash.ToArray() });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long index ? index : null;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
