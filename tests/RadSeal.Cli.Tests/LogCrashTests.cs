using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Cli.Tests;

/// <summary>
/// kill -9 of `radseal log serve` in the middle of a stream of appends, again and again: after each restart every entry
/// the server acknowledged is still there, provable against a checkpoint that is consistent with every checkpoint it
/// handed out. The suite runs RADSEAL_CRASH_KILLS=10 rounds (default); `bash scripts/ledger-crash.sh` runs 100.
/// </summary>
public sealed class LogCrashTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    private sealed record Ack(long Index, string LeafHash, string Checkpoint);

    [Fact]
    public async Task Kill_9_during_appends_never_loses_an_acknowledged_entry()
    {
        var kills = int.Parse(Environment.GetEnvironmentVariable("RADSEAL_CRASH_KILLS") ?? "10", CultureInfo.InvariantCulture);
        var db = _dir.File("crash.db");
        var random = new Random(9162);
        var unverified = new ConcurrentBag<Ack>();
        var allAcked = new ConcurrentBag<Ack>();
        string? key = null;
        var next = 0;
        for (var round = 0; round <= kills; round++)
        {
            using var server = await ServerProcess.StartAsync(["log", "serve", "--db", db, "--urls", "http://127.0.0.1:0"], "key ");
            key ??= server.Key;
            Assert.Equal(key, server.Key); // the log's identity survives the crash
            using var client = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromSeconds(30) };
            await VerifyAsync(client, NoteVerifier.Parse(key), [.. unverified], allAcked.ToArray());
            unverified.Clear();
            if (round == kills)
            {
                var checkpoint = SignedCheckpoint.Open(await client.GetStringAsync("checkpoint"), NoteVerifier.Parse(key)).Checkpoint;
                var report = await LogAuditor.AuditAsync(async (tile, ct) =>
                {
                    using var r = await client.GetAsync(tile.ToString(), ct);
                    return r.IsSuccessStatusCode ? await r.Content.ReadAsByteArrayAsync(ct) : null;
                }, checkpoint);
                Assert.True(report.IsConsistent, string.Join("; ", report.Problems));
                output.WriteLine($"after {kills} kills: {allAcked.Count} acknowledged entries all present; log size {checkpoint.Size}; audit consistent");
                server.Stop();
                break;
            }
            var token = (await File.ReadAllTextAsync(db + ".token")).Trim();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var stop = new CancellationTokenSource();
            var failures = new ConcurrentQueue<string>();
            var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var i = Interlocked.Increment(ref next);
                    try
                    {
                        using var response = await client.PostAsJsonAsync("log/v1/entries", new
                        {
                            sopInstanceUid = $"1.2.826.0.1.3680043.10.{i}",
                            pixelHash = Hash.Sha256(BitConverter.GetBytes(i)).ToHex(),
                        });
                        if (!response.IsSuccessStatusCode)
                        {
                            failures.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                            continue;
                        }
                        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        // From here on the server has acknowledged the entry: it must never be lost.
                        var ack = new Ack(body.RootElement.GetProperty("index").GetInt64(), body.RootElement.GetProperty("leafHash").GetString()!,
                            body.RootElement.GetProperty("checkpoint").GetString()!);
                        unverified.Add(ack);
                        allAcked.Add(ack);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
                    {
                        failures.Enqueue(e.GetType().Name + ": " + e.Message);
                        // The server died mid-request: this entry was not acknowledged, so it may or may not be logged.
                        return;
                    }
                }
            })).ToArray();
            // Kill at a random moment once the stream is flowing (the first requests of a cold server are slow).
            var flowing = Stopwatch.StartNew();
            while (unverified.IsEmpty && flowing.Elapsed < TimeSpan.FromSeconds(30) && failures.IsEmpty)
            {
                await Task.Delay(5);
            }
            await Task.Delay(random.Next(50, 500));
            server.Kill9();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            Assert.True(!unverified.IsEmpty, "no entry acknowledged before the kill: " + string.Join("; ", failures.Take(3)));
            output.WriteLine($"round {round + 1}: killed with -9 after {unverified.Count} acknowledged appends ({allAcked.Count} in all)");
        }
        Assert.True(allAcked.Count >= kills, $"only {allAcked.Count} entries were acknowledged over {kills} rounds");
    }

    /// <summary>Every acknowledged entry is provable at its index, and the log extends every checkpoint it handed out.</summary>
    private static async Task VerifyAsync(HttpClient client, NoteVerifier key, Ack[] fresh, Ack[] all)
    {
        var head = SignedCheckpoint.Open(await client.GetStringAsync("checkpoint"), key).Checkpoint;
        foreach (var ack in fresh)
        {
            Assert.True(ack.Index < head.Size, $"acknowledged entry {ack.Index} is beyond the recovered size {head.Size}");
            using var response = await client.GetAsync($"log/v1/proof/inclusion?leafHash={ack.LeafHash}&treeSize={head.Size}");
            Assert.True(response.IsSuccessStatusCode, $"acknowledged entry {ack.Index} ({ack.LeafHash}) is missing after the crash");
            var bundle = Assert.IsType<InclusionProofBundle>(ProofBundles.Parse(await response.Content.ReadAsStringAsync()));
            Assert.Equal(ack.Index, bundle.LeafIndex);
            Assert.True(Hash.TryParseHex(ack.LeafHash, out var leaf));
            Assert.True(Proofs.VerifyInclusion(bundle.LeafIndex, head.Size, leaf, [.. bundle.Proof.Select(h => Hash.TryParseHex(h, out var x) ? x : default)], head.Root).IsValid);
        }
        if (all.Length == 0)
        {
            return;
        }
        // Checkpoints grow in commit order, so the acknowledgement with the highest index carries the largest one.
        var largest = SignedCheckpoint.Open(all.MaxBy(a => a.Index)!.Checkpoint, key).Checkpoint;
        Assert.True(largest.Size <= head.Size, $"the log went back from size {largest.Size} to {head.Size}");
        var consistency = Assert.IsType<ConsistencyProofBundle>(ProofBundles.Parse(await client.GetStringAsync($"log/v1/proof/consistency?from={largest.Size}")));
        Assert.True(Proofs.VerifyConsistency(largest.Size, head.Size, largest.Root, head.Root,
            [.. consistency.Proof.Select(h => Hash.TryParseHex(h, out var x) ? x : default)]).IsValid);
    }

    public void Dispose() => _dir.Dispose();
}
