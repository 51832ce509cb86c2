using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Watermark.Tests;

/// <summary>Test images: synthetic ones, phantoms (cached), and the shared real chest radiographs.</summary>
public static class Images
{
    private static readonly Dictionary<string, GrayImage> Cache = [];

    public const string KermanyRoot = "/work/shared/data/cxr-kermany-224";

    public static GrayImage Phantom(PhantomRegion region, int bits, int size = 256, int seed = 3)
    {
        var key = $"{region}/{bits}/{size}/{seed}";
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out var image))
            {
                Cache[key] = image = RadiographPhantom.Generate(new PhantomOptions(region, size, size, bits, seed));
            }
            return image.Clone();
        }
    }

    /// <summary>A smooth image with noise and saturated patches: what radiographs look like to the predictor.</summary>
    public static GrayImage Synthetic(int seed, int width, int height, int bits, double noise, double saturated)
    {
        var random = new Random(seed);
        var max = (1 << bits) - 1;
        var samples = new ushort[width * height];
        double fx = random.NextDouble() * 0.2, fy = random.NextDouble() * 0.2, phase = random.NextDouble() * 6;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = max * (0.5 + 0.35 * Math.Sin(fx * x + fy * y + phase)) + noise * max * (random.NextDouble() - 0.5);
                if (random.NextDouble() < saturated || (x < width * saturated && y < height / 2))
                {
                    v = y % 2 == 0 ? 0 : max;
                }
                samples[y * width + x] = (ushort)Math.Clamp(Math.Round(v), 0, max);
            }
        }
        return new GrayImage(width, height, bits, samples: samples);
    }

    /// <summary>Paths of the shared 8-bit chest radiographs (Kermany et al., CC BY 4.0, doi:10.17632/rscbjbr9sj.2).</summary>
    public static IReadOnlyList<string> Kermany()
    {
        if (!Directory.Exists(KermanyRoot))
        {
            throw new InvalidOperationException($"{KermanyRoot} is missing: these tests read the shared chest radiographs from there.");
        }
        return [.. Directory.EnumerateFiles(KermanyRoot, "*.jpeg", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every n-th image plus the most saturated ones of the test split (the suite's sample).</summary>
    public static IReadOnlyList<string> KermanySample(int count)
    {
        var all = Kermany();
        if (Environment.GetEnvironmentVariable("RADSEAL_KERMANY_ALL") == "1")
        {
            return all;
        }
        var picked = Enumerable.Range(0, count).Select(i => all[i * all.Count / count]).ToList();
        var saturated = all.Where(p => p.Contains("/test/", StringComparison.Ordinal))
            .Select(p => (Path: p, Saturated: ImageFiles.Load(p).Samples.ToArray().Count(v => v is 0 or 255)))
            .OrderByDescending(t => t.Saturated).Take(4).Select(t => t.Path);
        return [.. picked.Concat(saturated).Distinct()];
    }
}
