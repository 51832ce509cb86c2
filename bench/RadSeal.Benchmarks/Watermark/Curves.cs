using System.Globalization;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using RadSeal.Watermark;

namespace RadSeal.Benchmarks.Watermark;

/// <summary>
/// `curves [KERMANY_DIR] [COUNT]`: capacity–distortion of RadSeal's sorted rhombus PEE against plain PEE and Ni
/// histogram shifting, at the same payloads, on 16- and 12-bit phantoms and on the shared 8-bit chest radiographs.
/// Prints markdown tables: PSNR (peak 2^bits−1), largest change, share of pixels changed. Then the deployed scheme
/// (the chosen grid with block tags and the signed record) on the same images and on 3000² phantoms.
/// </summary>
internal static class Curves
{
    /// <summary>`deployed [KERMANY_DIR] [COUNT] [SIDE]`: only the deployed-mark table, on every phantom region at 12/14/16 bits (SIDE², default 3000) and the shared images.</summary>
    public static void RunDeployed(string? kermany, int count, int side)
    {
        var sets = new List<(string Name, List<GrayImage> Images)>();
        foreach (var region in new[] { PhantomRegion.Chest, PhantomRegion.Hand, PhantomRegion.Knee, PhantomRegion.Spine })
        {
            foreach (var bits in new[] { 12, 14, 16 })
            {
                sets.Add(($"{region.ToString().ToLowerInvariant()} phantom {side}², {bits}-bit",
                    [RadiographPhantom.Generate(new PhantomOptions(region, side, side, bits, 1))]));
            }
        }
        if (Shared(kermany, count) is { } shared)
        {
            sets.Add(shared);
        }
        Deployed(sets);
    }

    /// <summary>
    /// `grid-sweep [SIDE] [BITS]`: the deployed mark forced onto each block size the grid allows, on every phantom region
    /// (SIDE², BITS bits): what finer localisation costs in distortion, and how many lost blocks the record survives.
    /// </summary>
    public static void RunSweep(int side, int bits)
    {
        var invariant = CultureInfo.InvariantCulture;
        using var signer = BenchSigner.Create();
        var id = new byte[32];
        Console.WriteLine($"\n### Block size against distortion, phantoms {side}², {bits}-bit (the planner's choice marked *)\n");
        Console.WriteLine("| phantom | block size | blocks | record survives losing any | payload (bits) | largest change | pixels changed |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var region in new[] { PhantomRegion.Chest, PhantomRegion.Hand, PhantomRegion.Knee, PhantomRegion.Spine })
        {
            var image = RadiographPhantom.Generate(new PhantomOptions(region, side, side, bits, 1));
            var chosen = Watermarker.EmbedInPlace(image.Clone().Samples, side, side, 1, bits, false, signer, id).BlockSize;
            foreach (var size in BlockGrid.Sizes(side, side))
            {
                var copy = image.Clone();
                try
                {
                    var s = Watermarker.EmbedInPlace(copy.Samples, side, side, 1, bits, false, signer, id, size);
                    Console.WriteLine(string.Create(invariant,
                        $"| {region.ToString().ToLowerInvariant()} | {size}{(size == chosen ? " *" : "")} | {s.Blocks} | {s.LostBlocks} | {s.PayloadBits} | {s.LargestChange} | {100.0 * s.PixelsChanged / copy.Samples.Length:F2} % |"));
                }
                catch (WatermarkException)
                {
                    Console.WriteLine(string.Create(invariant, $"| {region.ToString().ToLowerInvariant()} | {size} | | | — does not fit | | |"));
                }
            }
        }
    }

    private static (string Name, List<GrayImage> Images)? Shared(string? kermany, int count)
    {
        if (kermany is null || !Directory.Exists(kermany))
        {
            return null;
        }
        var files = Directory.EnumerateFiles(kermany, "*.jpeg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var picked = Enumerable.Range(0, Math.Min(count, files.Count)).Select(i => ImageFiles.Load(files[i * files.Count / Math.Min(count, files.Count)])).ToList();
        return ($"{picked.Count} shared chest radiographs 224², 8-bit (mean)", picked);
    }

    public static void Run(string? kermany, int count)
    {
        var invariant = CultureInfo.InvariantCulture;
        var sets = new List<(string Name, List<GrayImage> Images)>
        {
            ("chest phantom 1024², 16-bit", [RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 1024, 1024, 16, 1))]),
            ("chest phantom 1024², 12-bit", [RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 1024, 1024, 12, 1))]),
            ("hand phantom 1024², 16-bit", [RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Hand, 1024, 1024, 16, 1))]),
        };
        if (Shared(kermany, count) is { } shared)
        {
            sets.Add(shared);
        }
        foreach (var (name, images) in sets)
        {
            var pixels = images[0].Width * images[0].Height;
            Console.WriteLine($"\n### {name}\n");
            Console.WriteLine("| payload (bits) | bpp | method | PSNR (dB) | largest change | pixels changed |");
            Console.WriteLine("|---:|---:|---|---:|---:|---:|");
            foreach (var fraction in new[] { 0.002, 0.005, 0.01, 0.02, 0.05, 0.1 })
            {
                var payload = (int)(pixels * fraction);
                foreach (var method in new[] { "RadSeal (sorted rhombus PEE)", "plain PEE (unsorted)", "Ni histogram shifting" })
                {
                    var results = images.Select(image => Measure(image, method, payload)).ToList();
                    var line = results.Any(r => r is null)
                        ? "| — (does not fit) | | |"
                        : string.Create(invariant, $"| {results.Average(r => r!.Value.Psnr):F2} | {results.Max(r => r!.Value.Largest)} | {100 * results.Average(r => r!.Value.Changed):F2} % |");
                    Console.WriteLine(string.Create(invariant, $"| {payload} | {fraction} | {method} ") + line);
                }
            }
        }
        var deployed = sets.Take(3).ToList();
        deployed.Add(("chest phantom 3000², 16-bit", [RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 3000, 3000, 16, 1))]));
        deployed.Add(("chest phantom 3000², 12-bit", [RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 3000, 3000, 12, 1))]));
        deployed.Add(("hand phantom 3000², 16-bit", [RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Hand, 3000, 3000, 16, 1))]));
        deployed.AddRange(sets.Skip(3));
        Deployed(deployed);
    }

    private static void Deployed(List<(string Name, List<GrayImage> Images)> deployed)
    {
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine("\n### The deployed mark (format 4: per-block tags, Merkle roots, ECDSA P-256 record with a certificate reference)\n");
        Console.WriteLine("| image | block size | blocks | record survives losing any | payload (bits) | PSNR (dB) | largest change | pixels changed | steps used |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        using var signer = BenchSigner.Create();
        var id = new byte[32];
        foreach (var (name, images) in deployed)
        {
            var results = new List<(EmbedStatistics Stats, double Psnr, double Changed)>();
            foreach (var image in images)
            {
                var copy = image.Clone();
                try
                {
                    var s = Watermarker.EmbedInPlace(copy.Samples, image.Width, image.Height, 1, image.BitsStored, false, signer, id);
                    results.Add((s, 10 * Math.Log10((double)image.MaxValue * image.MaxValue / Math.Max(s.MeanSquaredError, 1e-12)),
                        (double)s.PixelsChanged / image.Samples.Length));
                }
                catch (WatermarkException ex)
                {
                    Console.WriteLine($"| {name} | | | | — {ex.Message} | | | |");
                }
            }
            if (results.Count == 0)
            {
                continue;
            }
            string Range<T>(IEnumerable<T> values) where T : IComparable<T> =>
                values.Min()!.Equals(values.Max()) ? string.Create(invariant, $"{values.Min()}") : string.Create(invariant, $"{values.Min()}–{values.Max()}");
            var steps = string.Join(", ", results.SelectMany(r => r.Stats.StepsUsed).GroupBy(k => k.Key).OrderBy(g => g.Key)
                .Select(g => $"T={g.Key}: {g.Sum(k => k.Value)}"));
            var changed = results.Count == 1
                ? string.Create(invariant, $"{100 * results[0].Changed:F2} %")
                : string.Create(invariant, $"{100 * results.Average(r => r.Changed):F2} % (max {100 * results.Max(r => r.Changed):F2} %; {results.Count(r => r.Changed > 0.03)} of {results.Count} over 3 %)");
            Console.WriteLine(string.Create(invariant,
                $"| {name} | {Range(results.Select(r => r.Stats.BlockSize))} | {Range(results.Select(r => r.Stats.Blocks))} | {Range(results.Select(r => r.Stats.LostBlocks))} blocks | {results.Average(r => r.Stats.PayloadBits):F0} | {results.Average(r => r.Psnr):F2} | {results.Max(r => r.Stats.LargestChange)} | {changed} | {steps} |"));
        }
    }

    private static (double Psnr, int Largest, double Changed)? Measure(GrayImage image, string method, int payload)
    {
        var random = new Random(7);
        ushort[]? marked;
        if (method.StartsWith("RadSeal", StringComparison.Ordinal))
        {
            // The RadSeal codec on the whole image as one block (no per-block overhead): the algorithmic comparison.
            var copy = image.Samples.ToArray();
            var data = new byte[payload / 8];
            random.NextBytes(data);
            var block = new Block(0, 0, 0, 0, image.Width, image.Height);
            marked = BlockCodec.TryEmbed(copy, image.Width, block, image.MaxValue, image.BitsStored, data, new BlockCodec.Scratch(), out var step) && step == 1
                ? copy : null;
        }
        else if (method.StartsWith("plain", StringComparison.Ordinal))
        {
            marked = Baselines.PlainPee(image.Samples, image.Width, image.Height, image.MaxValue, payload, random);
        }
        else
        {
            marked = Baselines.NiHistogramShifting(image.Samples, image.MaxValue, payload, random);
        }
        if (marked is null)
        {
            return null;
        }
        double squares = 0;
        var largest = 0;
        var changed = 0;
        for (var i = 0; i < marked.Length; i++)
        {
            var d = marked[i] - image.Samples[i];
            squares += (double)d * d;
            largest = Math.Max(largest, Math.Abs(d));
            changed += d != 0 ? 1 : 0;
        }
        var mse = Math.Max(squares / marked.Length, 1e-12);
        return (10 * Math.Log10((double)image.MaxValue * image.MaxValue / mse), largest, (double)changed / marked.Length);
    }
}
