using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using RadSeal.Watermark;

namespace RadSeal.Benchmarks.Watermark;

/// <summary>
/// `timing [SIZE] [RUNS]`: embed and verify+restore on a SIZE×SIZE 16-bit chest phantom, single-threaded, best and
/// median of RUNS, with the bytes allocated per operation and the process's peak working set. A plain Stopwatch
/// harness that runs where BenchmarkDotNet cannot build (no SDK); BenchmarkDotNet (WatermarkBenchmarks) gives the
/// same operations with its statistics.
/// </summary>
internal static class Timing
{
    public static void Run(int size, int runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var original = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, size, size, 16, 1));
        using var signer = BenchSigner.Create(out var certificate);
        var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(certificate);
        var identity = SHA256.HashData("2.25.1"u8);
        var buffer = new ushort[original.Samples.Length];
        var imageBytes = original.Samples.Length * 2L;
        GC.Collect();
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        var embed = new List<double>();
        var embedCpu = new List<double>();
        var verifyCpu = new List<double>();
        long embedAllocated = 0;
        EmbedStatistics? statistics = null;
        for (var r = 0; r < runs; r++)
        {
            original.Samples.CopyTo(buffer);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var cpu = CpuMilliseconds();
            var watch = Stopwatch.StartNew();
            statistics = Watermarker.EmbedInPlace(buffer, size, size, 1, 16, false, signer, identity);
            embed.Add(watch.Elapsed.TotalMilliseconds);
            embedCpu.Add(CpuMilliseconds() - cpu);
            embedAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        var marked = original.WithSamples(buffer);
        var verify = new List<double>();
        long verifyAllocated = 0;
        for (var r = 0; r < runs; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var cpu = CpuMilliseconds();
            var watch = Stopwatch.StartNew();
            var (report, restored) = Watermarker.VerifyAndRestore(marked, anchors, identity);
            verify.Add(watch.Elapsed.TotalMilliseconds);
            verifyCpu.Add(CpuMilliseconds() - cpu);
            verifyAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (report.Status != WatermarkStatus.Valid || !restored!.SamplesEqual(original))
            {
                throw new InvalidOperationException("verify+restore did not give the original back");
            }
        }
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        string Stats(List<double> t) => string.Create(inv, $"best {t.Min():F1} ms, median {t.Order().ElementAt(t.Count / 2):F1} ms");
        Console.WriteLine($"image {size}x{size} 16-bit: {imageBytes / 1e6:F1} MB; {Environment.ProcessorCount} cores visible, code single-threaded");
        Console.WriteLine(string.Create(inv, $"load average before the runs: {LoadAverage()}"));
        Console.WriteLine($"embed:          wall {Stats(embed)}; process CPU {Stats(embedCpu)}; allocated {embedAllocated / 1e6:F1} MB ({(double)embedAllocated / imageBytes:F2}x image)");
        Console.WriteLine($"verify+restore: wall {Stats(verify)}; process CPU {Stats(verifyCpu)}; allocated {verifyAllocated / 1e6:F1} MB ({(double)verifyAllocated / imageBytes:F2}x image)");
        Console.WriteLine(string.Create(inv, $"process peak working set {peak / 1e6:F1} MB (phantom generation included; {baseline / 1e6:F1} MB before the runs)"));
        var s = statistics!;
        Console.WriteLine(string.Create(inv, $"mark: {s.Blocks} blocks of {s.BlockSize}, {s.PayloadBits} payload bits, {100.0 * s.PixelsChanged / original.Samples.Length:F2} % of pixels changed, largest change {s.LargestChange}"));
    }

    /// <summary>
    /// CPU time of the process (the code under test is single-threaded; the runtime's GC and JIT threads add a little):
    /// less sensitive to other load on a shared machine than wall time.
    /// </summary>
    private static double CpuMilliseconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
