using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RadSeal.Server.Gateway;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Moves out of incoming/ and outbox/ sync only the folder the image moves into, so after a crash an image can show up
/// in its old folder as well as its new one. A restart must take the newer copy and remove the old one: never decide or
/// send it twice. And the checking workers run below the receivers' CPU priority.
/// </summary>
public sealed class SpoolRecoveryTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    /// <summary>A gateway's spool folder before its first start, with the fixture's signed image placed in it.</summary>
    private (string Spool, string Id) Spool(string name, params string[] folders)
    {
        var (spool, id, _) = Spool(name, fx.Image(GatewayFixture.Kind.Trusted), folders);
        return (spool, id);
    }

    private (string Spool, string Id, (string Path, string Uid) Image) Spool(string name, (string Path, string Uid) image, params string[] folders)
    {
        var spool = Path.Combine(fx.Dir.File(name), "spool");
        var id = "20261126000000000-0001abcd";
        foreach (var folder in folders)
        {
            Directory.CreateDirectory(Path.Combine(spool, folder));
            File.Copy(image.Path, Path.Combine(spool, folder, id + ".dcm"));
        }
        return (spool, id, image);
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
        Assert.Equal(["archived"], SpoolAudit.Events(spool)); // forwarded from the outbox; the incoming copy was not decided again
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
        Assert.False(File.Exists(Path.Combine(spool, "audit.log")) && SpoolAudit.Events(spool).Length > 0, "the journal says it was sent: nothing more to do or log");
    }

    [Fact]
    public async Task An_accepted_image_moves_from_incoming_straight_into_the_archive()
    {
        var (spool, id, (path, uid)) = Spool("incoming-to-archive", fx.Image(GatewayFixture.Kind.Trusted), "incoming");
        await using var gw = await fx.StartGatewayAsync("incoming-to-archive", o => o);
        await gw.DrainAsync();
        Assert.False(File.Exists(Path.Combine(spool, "incoming", id + ".dcm")));
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(gw.Service.Archive.Find(uid)!.Path));
        Assert.Equal(["accepted", "archived"], SpoolAudit.Events(spool));
        // The archive's folder is the delivery: no outbox stage, no forward-journal line.
        var journal = Path.Combine(spool, "forwarded.log");
        Assert.True(!File.Exists(journal) || File.ReadAllText(journal).Length == 0);
        // Indexed from the decision's reading of the file, as a restart indexes it from the archived file.
        var indexed = gw.Service.Archive.Find(uid)!.Attributes;
        var reread = new ArchiveStore(gw.Service.Archive.Directory).Find(uid)!.Attributes;
        Assert.Equal(reread.OrderBy(a => a.Key.ToString()), indexed.OrderBy(a => a.Key.ToString()));
    }

    [Fact]
    public async Task An_image_left_in_incoming_after_it_was_archived_is_decided_again_and_archived_once()
    {
        // The move into the archive syncs only the archive's folder: a crash can leave the incoming copy behind. It is
        // the same file, so deciding it again replaces the archived copy with itself.
        var (spool, id, (_, uid)) = Spool("incoming-after-archive", fx.Image(GatewayFixture.Kind.Trusted), "incoming", "archive");
        File.Move(Path.Combine(spool, "archive", id + ".dcm"), Path.Combine(spool, "archive", uid + ".dcm"));
        await using var gw = await fx.StartGatewayAsync("incoming-after-archive", o => o);
        await gw.DrainAsync();
        Assert.False(File.Exists(Path.Combine(spool, "incoming", id + ".dcm")));
        Assert.Single(Directory.GetFiles(gw.Service.Archive.Directory, "*.dcm"));
        Assert.Equal(1, gw.Service.Archive.Count);
        Assert.Equal(["accepted", "archived"], SpoolAudit.Events(spool));
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The audit log a gateway leaves when it crashed right after these lines were synced (a valid chain).</summary>
    private static void WriteAuditLog(string spool, params (string Event, string Id, string Uid)[] events)
    {
        var previous = new string('0', 64);
        var lines = new List<string>();
        var seq = 0;
        foreach (var (@event, id, uid) in events)
        {
            var line = JsonSerializer.Serialize(new AuditRecord(++seq, DateTimeOffset.UtcNow, @event, id, uid, [], "gate", "written by the test", null, null, previous),
                Web);
            previous = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));
            lines.Add(line);
        }
        Directory.CreateDirectory(spool);
        File.WriteAllLines(Path.Combine(spool, "audit.log"), lines);
    }

    [Fact]
    public async Task An_archived_image_whose_archived_line_was_lost_in_a_crash_gets_it_at_restart()
    {
        // The crash came after the archive folder's sync and before the "archived" line's flush.
        var (spool, id, (path, uid)) = Spool("archived-line-lost", fx.Image(GatewayFixture.Kind.Trusted));
        Directory.CreateDirectory(Path.Combine(spool, "archive"));
        File.Copy(path, Path.Combine(spool, "archive", uid + ".dcm"));
        WriteAuditLog(spool, ("accepted", id, uid));
        await using var gw = await fx.StartGatewayAsync("archived-line-lost", o => o);
        await gw.DrainAsync();
        var lines = SpoolAudit.Lines(spool);
        Assert.Equal(["accepted", "archived"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Equal(id, lines[1].GetProperty("id").GetString());
        Assert.Equal(uid, lines[1].GetProperty("sopInstanceUid").GetString());
        Assert.Contains("recovered at start", lines[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
        SpoolAudit.AssertChained(spool);
        Assert.Equal(1, gw.Service.Archive.Count);
    }

    [Fact]
    public async Task A_forward_the_journal_records_but_the_audit_log_does_not_is_audited_at_restart_and_not_sent_again()
    {
        // Accepted, sent, journalled; the crash came before the "forwarded" line (and before the outbox copy was removed).
        var (spool, id, (_, uid)) = Spool("forwarded-line-lost", fx.Image(GatewayFixture.Kind.Trusted), "outbox");
        const string target = "http://pacs.invalid/dicom-web";
        File.WriteAllText(Path.Combine(spool, "forwarded.log"),
            JsonSerializer.Serialize(new ForwardRecord(id, uid, target, DateTimeOffset.UtcNow), Web) + "\n");
        WriteAuditLog(spool, ("accepted", id, uid));
        await using var gw = await fx.StartGatewayAsync("forwarded-line-lost", o => o);
        await gw.DrainAsync();
        var lines = SpoolAudit.Lines(spool);
        Assert.Equal(["accepted", "forwarded"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Contains(target, lines[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("recovered at start", lines[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
        SpoolAudit.AssertChained(spool);
        Assert.False(File.Exists(Path.Combine(spool, "outbox", id + ".dcm")));
        Assert.Equal(0, gw.Service.Archive.Count); // the journal says it went to the PACS: not archived here as well
    }

    [Fact]
    public async Task Images_still_on_their_way_or_found_nowhere_get_no_recovered_line()
    {
        // One accepted image the crash left in incoming/ (the move was lost): it is decided again and archived, with
        // lines of its own. One accepted image that is nowhere: nothing is made up for it.
        var (spool, id, (_, uid)) = Spool("on-its-way", fx.Image(GatewayFixture.Kind.Trusted), "incoming");
        const string lostId = "20261126000000000-0002abcd";
        WriteAuditLog(spool, ("accepted", id, uid), ("accepted", lostId, "2.25.99"));
        await using var gw = await fx.StartGatewayAsync("on-its-way", o => o);
        await gw.DrainAsync();
        var lines = SpoolAudit.Lines(spool);
        Assert.Equal(["accepted", "accepted", "accepted", "archived"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.All(lines.Skip(2), l => Assert.Equal(id, l.GetProperty("id").GetString()));
        Assert.DoesNotContain(lines, l => l.GetProperty("detail").GetString()!.Contains("recovered", StringComparison.Ordinal));
        SpoolAudit.AssertChained(spool);
    }

    /// <summary>A thread's name and stat line; null for one that ended while the list was read (an earlier test's gateway).</summary>
    private static (string Name, string Stat)? ReadThread(string task)
    {
        try
        {
            return (File.ReadAllText(Path.Combine(task, "comm")).Trim(), File.ReadAllText(Path.Combine(task, "stat")));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Workers_run_at_a_lower_cpu_priority_than_the_receivers()
    {
        Assert.True(OperatingSystem.IsLinux(), "thread priorities are read from /proc: Linux only");
        await using var gw = await fx.StartGatewayAsync("worker-priority", o => o with { Workers = 3 });
        // /proc/self/task/TID/stat: field 19 is the thread's nice value; comm is its name (15 characters at most).
        var threads = Directory.EnumerateDirectories("/proc/self/task")
            .Select(ReadThread).OfType<(string Name, string Stat)>()
            .Select(t => (t.Name, Nice: int.Parse(t.Stat[(t.Stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        // Other tests' gateways may run in this process at the same time: at least this one's three.
        var workers = threads.Where(t => t.Name.StartsWith("gateway worker", StringComparison.Ordinal)).ToList();
        Assert.True(workers.Count >= 3, $"{workers.Count} worker threads");
        Assert.All(workers, w => Assert.Equal(10, w.Nice));
        Assert.Contains(threads, t => t.Nice == 0); // the rest (receivers, thread pool) keep the normal priority
    }
}
