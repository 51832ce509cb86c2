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
