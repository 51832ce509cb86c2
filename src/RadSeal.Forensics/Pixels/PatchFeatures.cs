namespace RadSeal.Forensics.Pixels;

/// <summary>
/// Local statistics of 32×32 patches of the normalised image (a 7×7 grid): what the heatmap's patch model scores.
/// A subset of the global features that still mean something on 1,024 pixels.
/// </summary>
public static class PatchFeatures
{
    /// <summary>Patch side in normalised pixels.</summary>
    public const int Patch = 32;

    /// <summary>Patches across (and down).</summary>
    public const int Grid = NormalizedImage.Size / Patch;

    public static IReadOnlyList<string> Names { get; } =
        ["residual_std", "residual_acf1", "npr2", "block8", "flat_gradient_fraction", "mean_intensity", "hist_empty"];

    /// <summary>Features of every patch, row-major over the grid.</summary>
    public static double[][] Compute(NormalizedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int n = NormalizedImage.Size;
        var p = image.Pixels;
        var r = HandcraftedFeatures.Residual(p);
        var result = new double[Grid * Grid][];
        for (var gy = 0; gy < Grid; gy++)
        {
            for (var gx = 0; gx < Grid; gx++)
            {
                int x0 = gx * Patch, y0 = gy * Patch;
                double rs = 0, rs2 = 0, acf = 0, mean = 0, flat = 0;
                var byPhase = new double[8];
                var hist = new bool[256];
                var count = 0;
                for (var y = Math.Max(1, y0); y < Math.Min(n - 2, y0 + Patch); y++)
                {
                    for (var x = Math.Max(1, x0); x < Math.Min(n - 2, x0 + Patch); x++)
                    {
                        var i = y * n + x;
                        rs += r[i];
                        rs2 += r[i] * (double)r[i];
                        acf += r[i] * (double)r[i + 1] + r[i] * (double)r[i + n];
                        var dx = Math.Abs(p[i + 1] - p[i]);
                        var dy = Math.Abs(p[i + n] - p[i]);
                        byPhase[x & 7] += dx;
                        byPhase[y & 7] += dy;
                        flat += dx < 0.5f / 255 && dy < 0.5f / 255 ? 1 : 0;
                        mean += p[i];
                        hist[Math.Clamp((int)MathF.Round(p[i] * 255), 0, 255)] = true;
                        count++;
                    }
                }
                var rm = rs / count;
                var variance = Math.Max(rs2 / count - rm * rm, 1e-12);
                int lo = 255, hi = 0, used = 0;
                for (var v = 0; v < 256; v++)
                {
                    if (hist[v])
                    {
                        lo = Math.Min(lo, v);
                        hi = Math.Max(hi, v);
                        used++;
                    }
                }
                result[gy * Grid + gx] =
                [
                    Math.Log(Math.Sqrt(variance) * 255 + 1e-3),
                    (acf / (2 * count) - rm * rm) / variance,
                    HandcraftedFeatures.PairRatio(byPhase),
                    HandcraftedFeatures.BoundaryRatio(byPhase),
                    flat / count,
                    mean / count,
                    hi > lo ? 1 - (double)used / (hi - lo + 1) : 0,
                ];
            }
        }
        return result;
    }
}
