using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// kill -9 of `radseal serve` (gate mode, forwarding to Orthanc by STOW-RS) in the middle of a stream of uploads, again
/// and again: after the last restart every image that got a success status is in Orthanc (signed) or in quarantine
/// (unsigned), nothing unverified reached Orthanc, the forward journal names no spool entry twice, and the audit log
/// says where every decided image went. The suite runs
/// RADSEAL_GATEWAY_KILLS=3 rounds (default); `bash scripts/gateway-crash.sh` runs more.
/// </summary>
public sealed class GatewayCrashTests(GatewayFixture fx, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Kill_9_during_a_stream_loses_no_acknowledged_image_and_forwards_nothing_unverified()
    {
        var kills = int.Parse(Environment.GetEnvironmentVariable("RADSEAL_GATEWAY_KILLS") ?? "3", CultureInfo.InvariantCulture);
        var perRound = int.Parse(Environment.GetEnvironmentVariable("RADSEAL_GATEWAY_IMAGES") ?? "25", CultureInfo.InvariantCulture);
        var prepared = DateTime.UtcNow;
        var db = fx.Dir.File("crash.db");
        var spool = fx.Dir.File("crash-spool");
        string[] args = ["serve", "--db", db, "--urls", "http://127.0.0.1:0", "--trust", fx.Trust, "--forward", fx.Orthanc.DicomWeb.ToString(), "--spool", spool, "--dicom-port", "0"];
        // One in five images is unsigned: it must end in quarantine, never in Orthanc.
        var images = new ConcurrentQueue<(string Path, string Uid, bool Signed)>(Enumerable.Range(0, (kills + 1) * perRound)
            .Select(i => i % 5 == 4 ? fx.Image(GatewayFixture.Kind.NoSignature) is var u ? (u.Path, u.Uid, false) : default
                                    : fx.Image(GatewayFixture.Kind.Trusted, viaCli: false) is var s ? (s.Path, s.Uid, true) : default));
        var sentSigned = images.Where(i => i.Signed).Select(i => i.Uid).ToHashSet();
        var sentUnsigned = images.Where(i => !i.Signed).Select(i => i.Uid).ToHashSet();
        var acked = new ConcurrentBag<(string Uid, bool Signed)>();
        output.WriteLine($"{images.Count} images signed in {DateTime.UtcNow - prepared:mm\\:ss\\.f}");
        var random = new Random(1993);
        for (var round = 0; round <= kills; round++)
        {
            var starting = DateTime.UtcNow;
            using var server = await ServerProcess.StartAsync(args, "gateway ");
            output.WriteLine($"round {round + 1}: server up in {(DateTime.UtcNow - starting).TotalSeconds:F1} s");
            using var client = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromSeconds(60) };
            if (round == kills)
            {
                await DrainAsync(client);
                server.Stop();
                break;
            }
            var sentThisRound = 0;
            var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref sentThisRound) <= perRound && images.TryDequeue(out var image))
                {
                    try
                    {
                        var boundary = "b" + Guid.NewGuid().ToString("N");
                        using var content = new MultipartContent("related", boundary);
                        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
                        var part = new ByteArrayContent(await File.ReadAllBytesAsync(image.Path));
                        part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
                        content.Add(part);
                        using var response = await client.PostAsync("dicom-web/studies", content);
                        if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains(image.Uid, StringComparison.Ordinal))
                        {
                            acked.Add((image.Uid, image.Signed)); // from here on the gateway owes us this image
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // died mid-request: not acknowledged
                    }
                }
            })).ToArray();
            var ackedBefore = acked.Count;
            var killAfter = random.Next(3, perRound / 2);
            while (acked.Count - ackedBefore < killAfter && writers.Any(w => !w.IsCompleted))
            {
                await Task.Delay(5);
            }
            await Task.Delay(random.Next(20, 300));
            server.Kill9();
            await Task.WhenAll(writers);
            output.WriteLine($"round {round + 1}: killed with -9; {acked.Count} uploads acknowledged so far");
        }

        var (inOrthanc, quarantined, journal) = await AssertNothingLostAsync(spool, acked, sentUnsigned);
        output.WriteLine($"after {kills} kills: {acked.Count} acknowledged, {inOrthanc.Intersect(sentSigned).Count()} signed in Orthanc, {quarantined} quarantined, {journal} forwards journalled");
    }

    /// <summary>
    /// The same over DIMSE: per round one DCMTK storescu association streams the round's images (one in five unsigned)
    /// to the gate's DICOM listener, which forwards to Orthanc by C-STORE; the gate is killed with -9 mid-stream. An
    /// image counts as acknowledged only if storescu logged "Received Store Response (Success)" right after sending
    /// that file (its verbose log names each file before its request; the exit code only says the association broke).
    /// RADSEAL_GATEWAY_DIMSE_KILLS (default 3) rounds of RADSEAL_GATEWAY_DIMSE_IMAGES (default 25).
    /// </summary>
    [Fact]
    public async Task Kill_9_during_a_stream_of_c_stores_loses_no_acknowledged_image_and_forwards_nothing_unverified()
    {
        var kills = int.Parse(Environment.GetEnvironmentVariable("RADSEAL_GATEWAY_DIMSE_KILLS") ?? "3", CultureInfo.InvariantCulture);
        var perRound = int.Parse(Environment.GetEnvironmentVariable("RADSEAL_GATEWAY_DIMSE_IMAGES") ?? "25", CultureInfo.InvariantCulture);
        var db = fx.Dir.File("dimse-crash.db");
        var spool = fx.Dir.File("dimse-crash-spool");
        var port = Orthanc.FreePort().ToString(CultureInfo.InvariantCulture);
        string[] args = ["serve", "--db", db, "--urls", "http://127.0.0.1:0", "--trust", fx.Trust, "--forward", $"dicom://ORTHANC@127.0.0.1:{fx.Orthanc.DicomPort}",
            "--spool", spool, "--dicom-port", port];
        var prepared = DateTime.UtcNow;
        var images = Enumerable.Range(0, kills * perRound)
            .Select(i => i % 5 == 4 ? fx.Image(GatewayFixture.Kind.NoSignature) is var u ? (u.Path, u.Uid, Signed: false) : default
                                    : fx.Image(GatewayFixture.Kind.Trusted, viaCli: false) is var s ? (s.Path, s.Uid, Signed: true) : default).ToArray();
        var byPath = images.ToDictionary(i => i.Path);
        var sentUnsigned = images.Where(i => !i.Signed).Select(i => i.Uid).ToHashSet();
        var acked = new List<(string Uid, bool Signed)>();
        output.WriteLine($"{images.Length} images signed in {DateTime.UtcNow - prepared:mm\\:ss\\.f}");
        var random = new Random(2001);
        for (var round = 0; round <= kills; round++)
        {
            using var server = await ServerProcess.StartAsync(args, "dicom ");
            using var client = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromSeconds(60) };
            if (round == kills)
            {
                await DrainAsync(client);
                server.Stop();
                break;
            }
            var batch = images.Skip(round * perRound).Take(perRound).ToArray();
            var successes = 0;
            var roundAcked = new List<string>();
            var psi = new System.Diagnostics.ProcessStartInfo("storescu") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-v", "-aet", "MODALITY", "-aec", "RADSEAL", "127.0.0.1", port }.Concat(batch.Select(b => b.Path)))
            {
                psi.ArgumentList.Add(a);
            }
            using var storescu = System.Diagnostics.Process.Start(psi)!;
            string? current = null;
            storescu.OutputDataReceived += (_, _) => { };
            storescu.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not { } line)
                {
                    return;
                }
                if (line.StartsWith("I: Sending file: ", StringComparison.Ordinal))
                {
                    current = line["I: Sending file: ".Length..];
                }
                else if (line.StartsWith("I: Received Store Response (Success)", StringComparison.Ordinal) && current is not null)
                {
                    lock (roundAcked)
                    {
                        roundAcked.Add(current);
                    }
                    current = null;
                    Interlocked.Increment(ref successes);
                }
            };
            storescu.BeginOutputReadLine();
            storescu.BeginErrorReadLine();
            var killAfter = random.Next(3, perRound / 2);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Volatile.Read(ref successes) < killAfter && !storescu.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }
            await Task.Delay(random.Next(5, 100));
            server.Kill9();
            Assert.True(storescu.WaitForExit(TimeSpan.FromSeconds(60)), "storescu did not end after the gateway died");
            storescu.WaitForExit(); // drains the asynchronous output readers
            acked.AddRange(roundAcked.Select(p => (byPath[p].Uid, byPath[p].Signed)));
            output.WriteLine($"round {round + 1}: killed with -9 after {roundAcked.Count} of {batch.Length} C-STOREs answered Success (storescu exit {storescu.ExitCode})");
        }

        var (inOrthanc, quarantined, journal) = await AssertNothingLostAsync(spool, acked, sentUnsigned);
        output.WriteLine($"after {kills} kills: {acked.Count} C-STOREs acknowledged, {inOrthanc.Intersect(images.Where(i => i.Signed).Select(i => i.Uid)).Count()} signed in Orthanc, {quarantined} quarantined, {journal} forwards journalled");
    }

    /// <summary>Waits until the restarted gateway has decided and forwarded everything in its spool.</summary>
    private static async Task DrainAsync(HttpClient client)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            using var state = JsonDocument.Parse(await client.GetStringAsync("gateway"));
            var root = state.RootElement;
            if (root.GetProperty("incoming").GetInt32() + root.GetProperty("outbox").GetInt32() + root.GetProperty("inProgress").GetInt32() == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(120), "the spool did not drain after the last restart: " + state.RootElement);
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Every acknowledged signed image is in Orthanc and every acknowledged unsigned one in quarantine; no unsigned image
    /// reached Orthanc; Orthanc holds no UID twice; the forward journal names no spool entry twice.
    /// </summary>
    private async Task<(HashSet<string> InOrthanc, int Quarantined, int Journalled)> AssertNothingLostAsync(
        string spool, IReadOnlyCollection<(string Uid, bool Signed)> acked, HashSet<string> sentUnsigned)
    {
        var orthanc = await fx.Orthanc.SopInstanceUidsAsync();
        var inOrthanc = orthanc.ToHashSet();
        Assert.Equal(orthanc.Count, inOrthanc.Count);
        var quarantined = Directory.EnumerateFiles(Path.Combine(spool, "quarantine"), "*.json")
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("sopInstanceUid").GetString()!).ToHashSet();
        Assert.NotEmpty(acked);
        foreach (var (uid, signed) in acked)
        {
            Assert.True(signed ? inOrthanc.Contains(uid) : quarantined.Contains(uid),
                $"acknowledged {(signed ? "signed" : "unsigned")} image {uid} is neither in {(signed ? "Orthanc" : "quarantine")} after the crashes");
        }
        Assert.Empty(inOrthanc.Intersect(sentUnsigned)); // nothing unverified forwarded
        var journal = File.ReadAllLines(Path.Combine(spool, "forwarded.log")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToList();
        Assert.Equal(journal.Count, journal.Distinct().Count());
        // The audit trail is whole too: every journalled delivery has its "forwarded" line (one a crash kept out is
        // written at restart), and every accepted image's last line says where it went.
        var audit = File.ReadAllLines(Path.Combine(spool, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (Event: e.GetProperty("event").GetString(), Id: e.TryGetProperty("id", out var id) ? id.GetString() : null)).ToList();
        var auditedForwards = audit.Where(a => a.Event == "forwarded").Select(a => a.Id).ToHashSet();
        Assert.All(journal, id => Assert.Contains(id, auditedForwards));
        var last = audit.Where(a => a.Id is not null).GroupBy(a => a.Id).ToDictionary(g => g.Key!, g => g.Last().Event);
        Assert.All(last, kv => Assert.True(kv.Value is "forwarded" or "quarantined", $"{kv.Key}: the audit log's last word is '{kv.Value}'"));
        return (inOrthanc, quarantined.Count, journal.Count);
    }
}
