namespace RadSeal.Server.Gateway;

/// <summary>
/// Group commit for one durable target (a directory, an append-only log): every caller that made its change before a
/// flush began is covered by that flush, so concurrent images share one fsync instead of queueing one each. A caller
/// returns only once a flush that started after its change has completed; a failed flush throws to the caller that ran
/// it, and the callers behind it run their own.
/// </summary>
internal sealed class GroupCommit(Action flush) : IDisposable
{
    private readonly SemaphoreSlim _leader = new(1, 1);
    private long _requested;
    private long _completed;

    /// <summary>Returns once everything written before this call is durable.</summary>
    public async Task CommitAsync()
    {
        // Not cancellable on purpose: the change is already made, and the caller must not report it durable early.
        var ticket = Interlocked.Increment(ref _requested);
        await _leader.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _completed) >= ticket)
            {
                return; // a flush that began after our change has finished while we waited
            }
            // Every ticket up to here belongs to a change made before this flush begins.
            var covered = Volatile.Read(ref _requested);
            flush();
            Volatile.Write(ref _completed, covered);
        }
        finally
        {
            _leader.Release();
        }
    }

    public void Dispose() => _leader.Dispose();
}

/// <summary>
/// An append-only file (the audit log, the forward journal) whose appends are acknowledged only once durable; appends
/// made at the same time share one fsync through a <see cref="GroupCommit"/>. Writes and the flush take the same lock,
/// so no append is half-way through the stream's buffer while it is written out.
/// </summary>
internal sealed class DurableAppendFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly FileStream _stream;
    private readonly GroupCommit _sync;

    public DurableAppendFile(FileStream stream)
    {
        _stream = stream;
        _sync = new GroupCommit(() =>
        {
            lock (_gate)
            {
                _stream.Flush(flushToDisk: true);
            }
        });
    }

    /// <summary>Writes <paramref name="bytes"/> at the end, in call order; durable only after <see cref="CommitAsync"/>.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _stream.Write(bytes);
        }
    }

    /// <summary>Hands what was written to the operating system: it then survives the process, not yet a power cut.</summary>
    public void Push()
    {
        lock (_gate)
        {
            _stream.Flush(flushToDisk: false);
        }
    }

    /// <summary>Returns once everything written before this call is on disk.</summary>
    public Task CommitAsync() => _sync.CommitAsync();

    /// <summary><see cref="Write"/> then <see cref="CommitAsync"/>.</summary>
    public Task AppendAsync(ReadOnlySpan<byte> bytes)
    {
        Write(bytes);
        return CommitAsync();
    }

    public void Dispose()
    {
        _stream.Dispose();
        _sync.Dispose();
    }
}
