using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Storage;

/// <summary>
/// One sequenced batch, committed as a unit: the entries from <see cref="FirstIndex"/> on, the perfect interior nodes
/// they complete (level 1 and up; level 0 is the entries' leaf hashes) and the checkpoint that covers them.
/// </summary>
public sealed record LogBatch(
    long FirstIndex,
    IReadOnlyList<byte[]> Entries,
    IReadOnlyList<Hash> LeafHashes,
    IReadOnlyList<(NodeId Id, Hash Hash)> Nodes,
    long NewSize,
    string Checkpoint);

/// <summary>What a store holds when opened.</summary>
public sealed record StoredLogState(long Size, string? Checkpoint);

/// <summary>
/// Where a log keeps its entries, hashes, checkpoints and settings. One interface, batched both ways: appends commit a
/// whole batch atomically and durably (the call returns only after the commit is on disk), and reads take lists or
/// ranges so a proof or a tile is one round trip. SQLite (default) and PostgreSQL implement it.
/// </summary>
public interface ILogStore : IAsyncDisposable
{
    /// <summary>Creates the schema if needed and reads the committed tree size and latest checkpoint.</summary>
    Task<StoredLogState> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>The committed tree size and latest checkpoint (cheap: one row).</summary>
    Task<StoredLogState> ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>A setting, or null.</summary>
    Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Stores a setting unless one exists; returns the value in force (the existing one wins).</summary>
    Task<string> InitSettingAsync(string name, string value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits a batch. Fails with <see cref="ConcurrentAppendException"/> (and changes nothing) when the committed size
    /// is not <see cref="LogBatch.FirstIndex"/>, i.e. another writer appended since this one last read the state.
    /// </summary>
    Task AppendBatchAsync(LogBatch batch, CancellationToken cancellationToken = default);

    /// <summary>The hashes of the given perfect nodes, in order. Missing nodes are a <see cref="LogIntegrityException"/>.</summary>
    Task<Hash[]> ReadHashesAsync(IReadOnlyList<NodeId> ids, CancellationToken cancellationToken = default);

    /// <summary>The hashes of <paramref name="count"/> consecutive nodes of one level from <paramref name="start"/>.</summary>
    Task<Hash[]> ReadHashRangeAsync(int level, long start, int count, CancellationToken cancellationToken = default);

    /// <summary><paramref name="count"/> consecutive entries from <paramref name="start"/>.</summary>
    Task<byte[][]> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default);

    /// <summary>The lowest index whose leaf hash is <paramref name="leafHash"/>, or null.</summary>
    Task<long?> FindLeafAsync(Hash leafHash, CancellationToken cancellationToken = default);
}

/// <summary>Another writer appended to the same store: the in-memory state is stale and must be reloaded.</summary>
public sealed class ConcurrentAppendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConcurrentAppendException(long expected, long actual)
        : base($"The store holds {actual} entries where this writer expected {expected}: another writer appended.")
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ConcurrentAppendException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ConcurrentAppendException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner cause.</summary>
    public ConcurrentAppendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The stored log contradicts itself or its signed checkpoint: altered or lost data. The log refuses to go on.</summary>
public sealed class LogIntegrityException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogIntegrityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public LogIntegrityException()
    {
    }

    /// <summary>Creates the exception with a message and an inner cause.</summary>
    public LogIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
