using RadSeal.Server.Gateway;

namespace RadSeal.Server.Tests.Gateway;

/// <summary>The workers' scheduler: its own threads, a lower priority, and nothing lost when it is disposed early.</summary>
public class BackgroundSchedulerTests
{
    [Fact]
    public async Task Tasks_and_their_continuations_run_on_its_threads_at_nice_10()
    {
        Assert.True(OperatingSystem.IsLinux(), "thread priorities are read from /proc: Linux only");
        using var scheduler = new BackgroundScheduler(2, "bg test");
        var seen = await Task.Factory.StartNew(async () =>
        {
            var before = (Thread.CurrentThread.Name, Nice());
            await Task.Delay(10); // resumes on the scheduler it was started on
            return (before, after: (Thread.CurrentThread.Name, Nice()));
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();
        Assert.StartsWith("bg test", seen.before.Name);
        Assert.StartsWith("bg test", seen.after.Name);
        Assert.Equal(BackgroundScheduler.Nice, seen.before.Item2);
        Assert.Equal(BackgroundScheduler.Nice, seen.after.Item2);
    }

    [Fact]
    public async Task A_task_queued_after_dispose_still_runs()
    {
        var scheduler = new BackgroundScheduler(1, "bg disposed");
        scheduler.Dispose();
        var ran = await Task.Factory.StartNew(() => 42, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(42, ran);
    }

    /// <summary>This thread's nice value: field 19 of /proc/thread-self/stat.</summary>
    private static int Nice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
