using RadSeal.Server.Gateway;

namespace RadSeal.Server.Tests.Gateway;

/// <summary>
/// The spool's group commit: concurrent callers share flushes, yet none returns before a flush that began after its
/// own change has finished, and a failed flush is never reported as durable.
/// </summary>
public sealed class GroupCommitTests
{
    [Fact]
    public void Every_caller_is_covered_by_a_flush_that_started_after_its_change()
    {
        long changes = 0;       // changes made so far
        long durable = 0;       // changes covered by the last finished flush
        var flushes = 0;
        using var commit = new GroupCommit(() =>
        {
            var seen = Interlocked.Read(ref changes);
            Interlocked.Increment(ref flushes);
            Thread.Sleep(5); // a flush takes time, so that callers pile up behind it
            Interlocked.Exchange(ref durable, seen);
        });
        var violations = 0;
        using var start = new ManualResetEventSlim();
        // Threads of their own: thread-pool tasks started from a test may all run on one worker, one after another.
        var callers = Enumerable.Range(0, 64).Select(_ => new Thread(() =>
        {
            start.Wait();
            var mine = Interlocked.Increment(ref changes);
            commit.CommitAsync().GetAwaiter().GetResult();
            if (Interlocked.Read(ref durable) < mine)
            {
                Interlocked.Increment(ref violations);
            }
        })).ToList();
        callers.ForEach(t => t.Start());
        start.Set();
        callers.ForEach(t => t.Join());
        Assert.Equal(0, violations);
        Assert.InRange(flushes, 1, 63); // shared: fewer flushes than callers
    }

    [Fact]
    public async Task A_failed_flush_fails_its_caller_and_the_next_caller_flushes_again()
    {
        var calls = 0;
        using var commit = new GroupCommit(() =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new IOException("disk full");
            }
        });
        await Assert.ThrowsAsync<IOException>(commit.CommitAsync);
        await commit.CommitAsync();
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Sequential_callers_each_get_their_own_flush()
    {
        var calls = 0;
        using var commit = new GroupCommit(() => calls++);
        for (var i = 0; i < 5; i++)
        {
            await commit.CommitAsync();
        }
        Assert.Equal(5, calls);
    }

    [Fact]
    public async Task Concurrent_appends_all_land_whole_and_on_disk_when_acknowledged()
    {
        var path = Path.Combine(Path.GetTempPath(), $"radseal-append-{Guid.NewGuid():N}.log");
        try
        {
            using (var file = new DurableAppendFile(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read)))
            {
                await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => file.AppendAsync(System.Text.Encoding.UTF8.GetBytes($"line {i:D3} {new string('x', 100)}\n")))));
                // Acknowledged means written out: another reader sees every line before the file is closed.
                var lines = File.ReadAllLines(path);
                Assert.Equal(Enumerable.Range(0, 200).Select(i => $"line {i:D3} {new string('x', 100)}").Order(), lines.Order());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
