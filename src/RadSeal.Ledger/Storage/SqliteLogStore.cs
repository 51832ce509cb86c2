using Microsoft.Data.Sqlite;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Storage;

/// <summary>
/// The default store: one SQLite file in WAL mode with synchronous=FULL, so a committed batch survives a power cut or a
/// kill -9, and readers (proofs, tiles) never wait for the writer. Level-0 hashes live beside their entries; interior
/// nodes in a WITHOUT ROWID table keyed by (level, index), so a tile is one range scan.
/// </summary>
public sealed class SqliteLogStore : ILogStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;

    /// <summary>A store in the file at <paramref name="path"/> (created if absent).</summary>
    public SqliteLogStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public async Task<StoredLogState> OpenAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        _writer ??= await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(_writer, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS log_state (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, checkpoint TEXT);
            INSERT OR IGNORE INTO log_state (id, size, checkpoint) VALUES (1, 0, NULL);
            CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, data BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS entries_by_leaf ON entries (leaf_hash);
            CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
            """, cancellationToken).ConfigureAwait(false);
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT size, checkpoint FROM log_state WHERE id = 1";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new StoredLogState(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <inheritdoc/>
    public async Task<StoredLogState> ReadStateAsync(CancellationToken cancellationToken = default)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT size, checkpoint FROM log_state WHERE id = 1";
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new StoredLogState(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>A pooled read connection: WAL readers need no settings, and a proof should not pay for them.</summary>
    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // FULL: the WAL is fsynced at every commit, so an acknowledged batch is on disk before the caller hears of it.
        await ExecuteAsync(connection, "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000; PRAGMA cache_size = -65536;", cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private SqliteConnection Writer => _writer ?? throw new InvalidOperationException("Call OpenAsync first.");

    /// <inheritdoc/>
    public async Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken = default)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM settings WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc/>
    public async Task<string> InitSettingAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = Writer.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO settings (name, value) VALUES ($name, $value); SELECT value FROM settings WHERE name = $name;";
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$value", value);
            return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task AppendBatchAsync(LogBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = Writer.BeginTransaction(deferred: false);
            using (var size = Writer.CreateCommand())
            {
                size.Transaction = transaction;
                size.CommandText = "SELECT size FROM log_state WHERE id = 1";
                var committed = (long)(await size.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                if (committed != batch.FirstIndex)
                {
                    throw new ConcurrentAppendException(batch.FirstIndex, committed);
                }
            }
            using (var insert = Writer.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO entries (idx, leaf_hash, data) VALUES ($idx, $leaf, $data)";
                var idx = insert.Parameters.Add("$idx", SqliteType.Integer);
                var leaf = insert.Parameters.Add("$leaf", SqliteType.Blob);
                var data = insert.Parameters.Add("$data", SqliteType.Blob);
                insert.Prepare();
                for (var i = 0; i < batch.Entries.Count; i++)
                {
                    idx.Value = batch.FirstIndex + i;
                    leaf.Value = batch.LeafHashes[i].ToArray();
                    data.Value = batch.Entries[i];
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            using (var insert = Writer.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO nodes (level, idx, hash) VALUES ($level, $idx, $hash)";
                var level = insert.Parameters.Add("$level", SqliteType.Integer);
                var idx = insert.Parameters.Add("$idx", SqliteType.Integer);
                var hash = insert.Parameters.Add("$hash", SqliteType.Blob);
                insert.Prepare();
                foreach (var (id, h) in batch.Nodes)
                {
                    level.Value = id.Level;
                    idx.Value = id.Index;
                    hash.Value = h.ToArray();
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            using (var state = Writer.CreateCommand())
            {
                state.Transaction = transaction;
                state.CommandText = """
                    INSERT OR REPLACE INTO checkpoints (size, note) VALUES ($size, $note);
                    UPDATE log_state SET size = $size, checkpoint = $note WHERE id = 1;
                    """;
                state.Parameters.AddWithValue("$size", batch.NewSize);
                state.Parameters.AddWithValue("$note", batch.Checkpoint);
                await state.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<Hash[]> ReadHashesAsync(IReadOnlyList<NodeId> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var result = new Hash[ids.Count];
        if (ids.Count == 0)
        {
            return result;
        }
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var leafQuery = connection.CreateCommand();
        leafQuery.CommandText = "SELECT leaf_hash FROM entries WHERE idx = $idx";
        var leafIdx = leafQuery.Parameters.Add("$idx", SqliteType.Integer);
        using var nodeQuery = connection.CreateCommand();
        nodeQuery.CommandText = "SELECT hash FROM nodes WHERE level = $level AND idx = $idx";
        var nodeLevel = nodeQuery.Parameters.Add("$level", SqliteType.Integer);
        var nodeIdx = nodeQuery.Parameters.Add("$idx", SqliteType.Integer);
        leafQuery.Prepare();
        nodeQuery.Prepare();
        for (var i = 0; i < ids.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = ids[i];
            object? value;
            if (id.Level == 0)
            {
                leafIdx.Value = id.Index;
                value = leafQuery.ExecuteScalar();
            }
            else
            {
                nodeLevel.Value = id.Level;
                nodeIdx.Value = id.Index;
                value = nodeQuery.ExecuteScalar();
            }
            result[i] = ToHash(value, id);
        }
        return result;
    }

    private static Hash ToHash(object? value, NodeId id) =>
        value is byte[] { Length: Hash.Size } bytes
            ? Hash.FromBytes(bytes)
            : throw new LogIntegrityException($"Node {id} is missing from the store or is not 32 bytes.");

    /// <inheritdoc/>
    public async Task<Hash[]> ReadHashRangeAsync(int level, long start, int count, CancellationToken cancellationToken = default)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = level == 0
            ? "SELECT idx, leaf_hash FROM entries WHERE idx >= $start AND idx < $end ORDER BY idx"
            : "SELECT idx, hash FROM nodes WHERE level = $level AND idx >= $start AND idx < $end ORDER BY idx";
        command.Parameters.AddWithValue("$level", level);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", start + count);
        var result = new Hash[count];
        var n = 0;
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = new NodeId(level, reader.GetInt64(0));
            if (id.Index != start + n)
            {
                throw new LogIntegrityException($"Node ({level},{start + n}) is missing from the store.");
            }
            result[n++] = ToHash(reader.GetValue(1), id);
        }
        return n == count ? result : throw new LogIntegrityException($"Node ({level},{start + n}) is missing from the store.");
    }

    /// <inheritdoc/>
    public async Task<byte[][]> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT idx, data FROM entries WHERE idx >= $start AND idx < $end ORDER BY idx";
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", start + count);
        var result = new byte[count][];
        var n = 0;
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetInt64(0) != start + n)
            {
                throw new LogIntegrityException($"Entry {start + n} is missing from the store.");
            }
            result[n++] = (byte[])reader.GetValue(1);
        }
        return n == count ? result : throw new LogIntegrityException($"Entry {start + n} is missing from the store.");
    }

    /// <inheritdoc/>
    public async Task<long?> FindLeafAsync(Hash leafHash, CancellationToken cancellationToken = default)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(idx) FROM entries WHERE leaf_hash = $leaf";
        command.Parameters.AddWithValue("$leaf", leafHash.ToArray());
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long index ? index : null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }
        _writeLock.Dispose();
    }
}
