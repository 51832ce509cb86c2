using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;
using RadSeal.Ledger.Storage;

namespace RadSeal.Benchmarks.Ledger;

/// <summary>
/// Sustained-throughput runners for the ledger (BenchmarkDotNet measures single operations; throughput under
/// concurrency with batching needs a stream of concurrent appends):
///   ledger-append --db DB [--entries N] [--concurrency C]            appends through TransparencyLog (durable acks)
///   ledger-append-http --url URL --token T [--entries N] [--concurrency C]   appends through the HTTP API
///   ledger-build --db DB --entries N                                  grows a log to N entries (for the proof benchmark)
/// </summary>
public static class LedgerRunner
{
    public static int Run(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }
        long Long(string name, long fallback) => options.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return args[0] switch
        {
            "ledger-append" => AppendAsync(options["--db"], Long("--entries", 100_000), (int)Long("--concurrency", 1024)).GetAwaiter().GetResult(),
            "ledger-append-http" => AppendHttpAsync(options["--url"], options["--token"], Long("--entries", 50_000), (int)Long("--concurrency", 256)).GetAwaiter().GetResult(),
            "ledger-build" => BuildAsync(options["--db"], Long("--entries", 10_000_000)).GetAwaiter().GetResult(),
            _ => throw new ArgumentException($"unknown runner {args[0]}"),
        };
    }

    internal static EntrySubmission Submission(TransparencyLog log, long i)
    {
        var seed = BitConverter.GetBytes(i);
        return new EntrySubmission(log.CommitSubject($"1.2.826.0.1.3680043.10.{(ulong)i}"), Hash.Sha256([1, .. seed]), Hash.Sha256([2, .. seed]), Hash.Sha256([3, .. seed]));
    }

    /// <summary>Runs <paramref name="append"/> for indexes 0..entries-1 from <paramref name="concurrency"/> workers.</summary>
    private static async Task<(TimeSpan Elapsed, List<double> LatenciesMs)> MeasureAsync(long entries, int concurrency, Func<long, Task> append)
    {
        var next = -1L;
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            latencies[w] = [];
            long i;
            while ((i = Interlocked.Increment(ref next)) < entries)
            {
                var t = Stopwatch.GetTimestamp();
                await append(i);
                latencies[w].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        clock.Stop();
        return (clock.Elapsed, [.. latencies.SelectMany(l => l)]);
    }

    private static void Report(string what, long count, TimeSpan elapsed, List<double> latenciesMs)
    {
        latenciesMs.Sort();
        double P(double q) => latenciesMs.Count == 0 ? 0 : latenciesMs[(int)Math.Min(latenciesMs.Count - 1, q * latenciesMs.Count)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {count} appends in {elapsed.TotalSeconds:F1} s = {count / elapsed.TotalSeconds:F0} appends/s; ack latency p50 {P(0.5):F1} ms, p99 {P(0.99):F1} ms"));
    }

    private static async Task<int> AppendAsync(string db, long entries, int concurrency)
    {
        await using var store = LogStores.Open(db);
        await using var log = await TransparencyLog.OpenAsync(store);
        var start0 = log.Checkpoint.Checkpoint.Size;
        // Warm-up: JIT, connection pools, the file's first pages.
        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => log.AppendAsync(Submission(log, -1 - i - start0))));
        var (elapsed, latencies) = await MeasureAsync(entries, concurrency, i => log.AppendAsync(Submission(log, start0 + i + 1_000_000_000)));
        Report($"{(LogStores.IsPostgres(db) ? "PostgreSQL" : "SQLite")} library, {concurrency} concurrent submitters", entries, elapsed, latencies);
        return 0;
    }

    private static async Task<int> AppendHttpAsync(string url, string token, long entries, int concurrency)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var salt = Environment.TickCount64;
        async Task PostAsync(long i)
        {
            var seed = BitConverter.GetBytes(i ^ (salt << 32));
            using var response = await client.PostAsJsonAsync("log/v1/entries", new
            {
                sopInstanceUid = $"1.2.826.0.1.3680043.10.{(ulong)i}",
                pixelHash = Hash.Sha256([1, .. seed]).ToHex(),
                signatureHash = Hash.Sha256([2, .. seed]).ToHex(),
                deviceCertificateFingerprint = Hash.Sha256([3, .. seed]).ToHex(),
            });
            response.EnsureSuccessStatusCode();
        }
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => PostAsync(-1 - i)));
        var (elapsed, latencies) = await MeasureAsync(entries, concurrency, PostAsync);
        Report($"HTTP POST /log/v1/entries, {concurrency} concurrent clients", entries, elapsed, latencies);
        return 0;
    }

    private static async Task<int> BuildAsync(string db, long entries)
    {
        await using var store = LogStores.Open(db);
        await using var log = await TransparencyLog.OpenAsync(store, new LogOptions { MaxBatchSize = 65_536 });
        var clock = Stopwatch.StartNew();
        var size = log.Checkpoint.Checkpoint.Size;
        var startSize = size;
        const int Chunk = 262_144;
        while (size < entries)
        {
            var count = (int)Math.Min(Chunk, entries - size);
            var from = size;
            await Task.WhenAll(Enumerable.Range(0, count).Select(i => log.AppendAsync(Submission(log, from + i))));
            size = log.Checkpoint.Checkpoint.Size;
            if (size / 1_000_000 != (size - count) / 1_000_000)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {size:N0} entries after {clock.Elapsed.TotalSeconds:F0} s"));
            }
        }
        clock.Stop();
        var built = size - startSize;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"built {built:N0} entries (log size {size:N0}) in {clock.Elapsed.TotalSeconds:F0} s = {built / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F0} appends/s"));
        return 0;
    }
}
