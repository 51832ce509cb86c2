using System.Runtime.InteropServices;

namespace RadSeal.Server.Gateway;

/// <summary>
/// Runs the gateway's checking workers on threads of their own at a lower CPU priority (nice +10 on Linux), so that a
/// sender waiting for its Success status is served first: receiving and syncing an image is what the sender waits on,
/// while checks, ledger entries and forwarding can lag behind in the durable spool and use whatever CPU is left. On a
/// machine with cores to spare the priority changes nothing. Awaits inside the workers resume here (the scheduler is
/// captured), except inside libraries that leave it (ConfigureAwait(false)).
/// </summary>
internal sealed partial class BackgroundScheduler : TaskScheduler, IDisposable
{
    /// <summary>The workers' nice value: 10 gives them about a tenth of a busy core's share against the receivers.</summary>
    public const int Nice = 10;

    // A plain queue under a lock, waited on with Monitor.Wait: BlockingCollection's semaphore spins with sched_yield
    // before it sleeps, which on a busy 2-core machine took CPU from the very receivers these workers yield to.
    private readonly Queue<Task> _queue = new();
    private readonly object _gate = new(); // an object, not a Lock: Monitor.Wait and Pulse need one
    private readonly Thread[] _threads;
    private bool _disposed;

    [ThreadStatic]
    private static BackgroundScheduler? _current;

    public BackgroundScheduler(int threads, string name)
    {
        _threads = new Thread[Math.Max(1, threads)];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"{name} {i}" };
            _threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
    }

    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _queue.Enqueue(task);
                Monitor.Pulse(_gate);
                return;
            }
        }
        // Disposed: a continuation still arriving (a shutdown that stopped waiting) runs on the thread pool instead.
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Scheduler.TryExecuteTask(s.Task), (Scheduler: this, Task: task), preferLocal: false);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        _current == this && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return _queue.ToArray();
        }
    }

    private void Run()
    {
        _current = this;
        if (OperatingSystem.IsLinux())
        {
            // On Linux a thread is a process to setpriority(2): this lowers this thread alone. Raising needs no right
            // we lack; if it fails anyway the workers simply run at normal priority.
            _ = SetPriority(PrioProcess, GetTid(), Nice);
        }
        while (Next() is { } task)
        {
            TryExecuteTask(task);
        }
    }

    /// <summary>The next queued task, waiting for one; null once disposed and drained.</summary>
    private Task? Next()
    {
        lock (_gate)
        {
            while (_queue.Count == 0)
            {
                if (_disposed)
                {
                    return null;
                }
                Monitor.Wait(_gate);
            }
            return _queue.Dequeue();
        }
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
