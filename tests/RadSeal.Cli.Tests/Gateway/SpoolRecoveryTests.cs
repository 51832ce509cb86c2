using System.Text.Json;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Moves out of incoming/ and outbox/ sync only the folder the image moves into, so after a crash an image can show up
/// in its old folder as well as its new one. A restart must take the newer copy and remove the old one: never decide or
/// send it twice. And the checking workers run below the receivers' CPU priority.
/// </summary>
public sealed class SpoolRecoveryTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    private static string[] Events(string spool) =>
        [.. File.ReadAllLines(Path.Combine(spool, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()!)];

    /// <summary>A gateway's spool folder before its first start, with the fixture's signed image placed in it.</summary>
    private (string Spool, string Id) Spool(string name, params string[] folders)
    {
        var spool = Path.Combine(fx.Dir.File(name), "spool");
        var id = "20261126000000000-0001abcd";
        var image = fx.Image(GatewayFixture.Kind.Trusted);
        foreach (var folder in folders)
        {
            Directory.CreateDirectory(Path.Combine(spool, folder));
            File.Copy(image.Path, Path.Combine(spool, folder, id + ".dcm"));
        }
        return (spool, id);
    }

    [Fact]
    public async Task An_image_left_in_incoming_and_the_outbox_is_archived_once_and_not_decided_again()
    {
        var (spool, id) = Spool("both-incoming-outbox", "incoming", "outbox");
        await using var gw = await fx.StartGatewayAsync("both-incoming-outbox", o => o);
        await gw.DrainAsync();
        Assert.False(File.Exists(Path.Combine(spool, "incoming", id + ".dcm")));
        Assert.False(File.Exists(Path.Combine(spool, "outbox", id + ".dcm")));
        Assert.Equal(1, gw.Service.Archive.Count);
        Assert.Equal(["archived"], Events(spool)); // forwarded from the outbox; the incoming copy was not decided again
    }

    [Fact]
    public async Task An_image_left_in_the_outbox_after_it_was_archived_is_removed_and_not_sent_again()
    {
        var (spool, id) = Spool("outbox-after-archive", "outbox");
        File.WriteAllText(Path.Combine(spool, "forwarded.log"), JsonSerializer.Serialize(new { id, sopInstanceUid = "1.2.3", target = "archive", time = DateTimeOffset.UtcNow }) + "\n");
        await using var gw = await fx.StartGatewayAsync("outbox-after-archive", o => o);
        await gw.DrainAsync();
        Assert.False(File.Exists(Path.Combine(spool, "outbox", id + ".dcm")));
        Assert.Equal(0, gw.Service.Archive.Count);
        Assert.False(File.Exists(Path.Combine(spool, "audit.log")) && Events(spool).Length > 0, "the journal says it was sent: nothing more to do or log");
    }

    [Fact]
    public async Task Workers_run_at_a_lower_cpu_priority_than_the_receivers()
    {
        Assert.True(OperatingSystem.IsLinux(), "thread priorities are read from /proc: Linux only");
        await using var gw = await fx.StartGatewayAsync("worker-priority", o => o with { Workers = 3 });
        // /proc/self/task/TID/stat: field 19 is the thread's nice value; comm is its name (15 characters at most).
        var threads = Directory.EnumerateDirectories("/proc/self/task")
            .Select(t => (Name: File.ReadAllText(Path.Combine(t, "comm")).Trim(), Stat: File.ReadAllText(Path.Combine(t, "stat"))))
            .Select(t => (t.Name, Nice: int.Parse(t.Stat[(t.Stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        // Other tests' gateways may run in this process at the same time: at least this one's three.
        var workers = threads.Where(t => t.Name.StartsWith("gateway worker", StringComparison.Ordinal)).ToList();
        Assert.True(workers.Count >= 3, $"{workers.Count} worker threads");
        Assert.All(workers, w => Assert.Equal(10, w.Nice));
        Assert.Contains(threads, t => t.Nice == 0); // the rest (receivers, thread pool) keep the normal priority
    }
}
