using System.Numerics;

namespace RadSeal.Forensics.Pixels;

/// <summary>
/// Hand-made statistics of a normalised radiograph that generators tend to get wrong: the noise residual and how it
/// grows with signal (quantum noise), its spatial correlation (decoders upsample), spectra and periodic peaks, texture
/// smoothness, bilateral symmetry, spine straightness, histogram combing, 8×8 block traces and neighbouring-pixel
/// relations (NPR). Every value is a plain double; names and plain-language descriptions travel with them.
/// </summary>
public static class HandcraftedFeatures
{
    private const int N = NormalizedImage.Size;
    private const int FftSize = 128;

    /// <summary>Feature names, in the order <see cref="Compute"/> returns them.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "residual_std", "residual_kurtosis", "residual_acf1", "residual_acf2", "noise_slope", "noise_bright_dark",
        "smooth_fraction", "bright_texture", "symmetry_pixels", "symmetry_residual", "spine_deviation",
        "hist_empty", "hist_roughness", "hist_entropy", "block8_h", "block8_v", "npr2_h", "npr2_v", "npr4",
        "flat_gradient_fraction", "gradient_mean", "band_0", "band_1", "band_2", "band_3", "band_4", "band_5",
        "spectral_slope", "axis_energy", "spectral_peak", "nyquist_energy", "mean_intensity", "contrast",
    ];

    /// <summary>What a high value of each feature means, for the detector's evidence sentences.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        ["residual_std"] = "strength of the fine-grain noise",
        ["residual_kurtosis"] = "peakedness of the noise distribution",
        ["residual_acf1"] = "correlation of the noise between neighbouring pixels (upsampling or smoothing)",
        ["residual_acf2"] = "correlation of the noise two pixels apart",
        ["noise_slope"] = "how the noise grows with brightness (quantum noise does)",
        ["noise_bright_dark"] = "noise in bright versus dark regions",
        ["smooth_fraction"] = "share of noise-free, too-smooth patches",
        ["bright_texture"] = "texture in the brightest (bone) regions",
        ["symmetry_pixels"] = "left-right mirror symmetry of the image",
        ["symmetry_residual"] = "left-right mirror symmetry of the noise itself (mirrored copies)",
        ["spine_deviation"] = "how far the central bright column departs from a straight line",
        ["hist_empty"] = "empty grey levels inside the used range (8-bit combing)",
        ["hist_roughness"] = "comb-like jaggedness of the grey-level histogram",
        ["hist_entropy"] = "grey-level entropy",
        ["block8_h"] = "8-pixel column block boundaries (JPEG grid)",
        ["block8_v"] = "8-pixel row block boundaries (JPEG grid)",
        ["npr2_h"] = "pairwise pixel relations across columns (2x upsampling)",
        ["npr2_v"] = "pairwise pixel relations across rows (2x upsampling)",
        ["npr4"] = "period-4 pixel relations (4x upsampling)",
        ["flat_gradient_fraction"] = "share of pixels with no gradient at all",
        ["gradient_mean"] = "mean edge strength",
        ["band_0"] = "lowest-frequency spectral energy",
        ["band_1"] = "low-frequency spectral energy",
        ["band_2"] = "mid-low-frequency spectral energy",
        ["band_3"] = "mid-frequency spectral energy",
        ["band_4"] = "high-frequency spectral energy",
        ["band_5"] = "highest-frequency spectral energy",
        ["spectral_slope"] = "fall-off of the power spectrum",
        ["axis_energy"] = "high-frequency energy along the axes",
        ["spectral_peak"] = "isolated periodic peaks in the spectrum",
        ["nyquist_energy"] = "energy at the Nyquist frequencies (checkerboard)",
        ["mean_intensity"] = "mean brightness",
        ["contrast"] = "global contrast",
    };

    /// <summary>Computes every feature of <paramref name="image"/> (see <see cref="Names"/>).</summary>
    public static double[] Compute(NormalizedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var p = image.Pixels;
        var f = new List<double>(Names.Count);
        var r = Residual(p);

        // Residual statistics (interior only).
        double sum = 0, sum2 = 0, sum4 = 0;
        var count = 0;
        for (var y = 1; y < N - 1; y++)
        {
            for (var x = 1; x < N - 1; x++)
            {
                double v = r[y * N + x];
                sum += v;
                sum2 += v * v;
                count++;
            }
        }
        var mean = sum / count;
        var variance = Math.Max(sum2 / count - mean * mean, 1e-12);
        for (var y = 1; y < N - 1; y++)
        {
            for (var x = 1; x < N - 1; x++)
            {
                var d = r[y * N + x] - mean;
                sum4 += d * d * d * d;
            }
        }
        f.Add(Math.Log(Math.Sqrt(variance) * 255 + 1e-3));
        f.Add(Math.Log(sum4 / count / (variance * variance)));
        f.Add(Autocorrelation(r, 1, mean, variance));
        f.Add(Autocorrelation(r, 2, mean, variance));

        // Noise versus intensity: residual spread in 8 brightness bins of the 3x3 local mean.
        var binSum2 = new double[8];
        var binCount = new int[8];
        for (var y = 1; y < N - 1; y++)
        {
            for (var x = 1; x < N - 1; x++)
            {
                var i = y * N + x;
                var local = (p[i - N - 1] + p[i - N] + p[i - N + 1] + p[i - 1] + p[i] + p[i + 1] + p[i + N - 1] + p[i + N] + p[i + N + 1]) / 9f;
                var b = Math.Clamp((int)(local * 8), 0, 7);
                binSum2[b] += r[i] * (double)r[i];
                binCount[b]++;
            }
        }
        var xs = new List<double>();
        var ys = new List<double>();
        for (var b = 0; b < 8; b++)
        {
            if (binCount[b] >= 200)
            {
                xs.Add(Math.Log((b + 0.5) / 8));
                ys.Add(Math.Log(Math.Sqrt(binSum2[b] / binCount[b]) * 255 + 1e-3));
            }
        }
        f.Add(xs.Count >= 2 ? Slope(xs, ys) : 0);
        f.Add(ys.Count >= 2 ? ys[^1] - ys[0] : 0);

        // Smoothness: 8x8 blocks of real tissue (not burned out, not black) with almost no residual.
        int smooth = 0, blocks = 0;
        for (var by = 0; by < N / 8; by++)
        {
            for (var bx = 0; bx < N / 8; bx++)
            {
                double bm = 0, br = 0;
                for (var y = by * 8; y < by * 8 + 8; y++)
                {
                    for (var x = bx * 8; x < bx * 8 + 8; x++)
                    {
                        bm += p[y * N + x];
                        br += r[y * N + x] * (double)r[y * N + x];
                    }
                }
                bm /= 64;
                if (bm is > 0.08 and < 0.95)
                {
                    blocks++;
                    if (Math.Sqrt(br / 64) * 255 < 0.6)
                    {
                        smooth++;
                    }
                }
            }
        }
        f.Add(blocks == 0 ? 0 : (double)smooth / blocks);

        // Texture where the image is brightest (bone in MONOCHROME2), relative to everywhere.
        var sorted = (float[])p.Clone();
        Array.Sort(sorted);
        var p80 = sorted[(int)(sorted.Length * 0.8)];
        double brightR = 0;
        var brightCount = 0;
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] >= p80)
            {
                brightR += r[i] * (double)r[i];
                brightCount++;
            }
        }
        f.Add(brightCount == 0 ? 0 : Math.Log((Math.Sqrt(brightR / brightCount) + 1e-6) / (Math.Sqrt(variance) + 1e-6)));

        f.Add(MirrorCorrelation(p));
        f.Add(MirrorCorrelation(r));
        f.Add(SpineDeviation(p));

        // Histogram at 8-bit resolution inside the 1st..99th percentile.
        var hist = new int[256];
        foreach (var v in p)
        {
            hist[Math.Clamp((int)MathF.Round(v * 255), 0, 255)]++;
        }
        var lo = Math.Clamp((int)MathF.Round(sorted[(int)(sorted.Length * 0.01)] * 255), 0, 255);
        var hi = Math.Clamp((int)MathF.Round(sorted[(int)(sorted.Length * 0.99)] * 255), 0, 255);
        int empty = 0;
        double rough = 0, inRange = 0, entropy = 0;
        for (var i = lo; i <= hi; i++)
        {
            empty += hist[i] == 0 ? 1 : 0;
            inRange += hist[i];
            if (i > lo)
            {
                rough += Math.Abs(hist[i] - hist[i - 1]);
            }
        }
        foreach (var c in hist)
        {
            if (c > 0)
            {
                var q = (double)c / p.Length;
                entropy -= q * Math.Log2(q);
            }
        }
        f.Add((double)empty / Math.Max(1, hi - lo + 1));
        f.Add(inRange == 0 ? 0 : rough / inRange);
        f.Add(entropy);

        // 8x8 block boundaries and neighbouring-pixel relations from absolute first differences.
        var dxByPhase = new double[8];
        var dyByPhase = new double[8];
        double flat = 0, gradient = 0;
        for (var y = 0; y < N - 1; y++)
        {
            for (var x = 0; x < N - 1; x++)
            {
                var i = y * N + x;
                var dx = Math.Abs(p[i + 1] - p[i]);
                var dy = Math.Abs(p[i + N] - p[i]);
                dxByPhase[x & 7] += dx;
                dyByPhase[y & 7] += dy;
                gradient += dx + dy;
                if (dx < 0.5f / 255 && dy < 0.5f / 255)
                {
                    flat++;
                }
            }
        }
        f.Add(BoundaryRatio(dxByPhase));
        f.Add(BoundaryRatio(dyByPhase));
        f.Add(PairRatio(dxByPhase));
        f.Add(PairRatio(dyByPhase));
        var phase4 = new double[4];
        for (var k = 0; k < 8; k++)
        {
            phase4[k & 3] += dxByPhase[k] + dyByPhase[k];
        }
        f.Add(Math.Log((phase4.Max() + 1e-9) / (phase4.Min() + 1e-9)));
        f.Add(flat / ((N - 1) * (N - 1)));
        f.Add(Math.Log(gradient / ((N - 1) * (N - 1)) * 255 + 1e-3));

        Spectrum(p, f);

        double m = 0, s2 = 0;
        foreach (var v in p)
        {
            m += v;
            s2 += v * (double)v;
        }
        m /= p.Length;
        f.Add(m);
        f.Add(Math.Sqrt(Math.Max(0, s2 / p.Length - m * m)));
        return [.. f];
    }

    /// <summary>Laplacian residual: each pixel minus the mean of its four neighbours (0 at the border).</summary>
    internal static float[] Residual(float[] p)
    {
        var r = new float[N * N];
        for (var y = 1; y < N - 1; y++)
        {
            for (var x = 1; x < N - 1; x++)
            {
                var i = y * N + x;
                r[i] = p[i] - 0.25f * (p[i - 1] + p[i + 1] + p[i - N] + p[i + N]);
            }
        }
        return r;
    }

    private static double Autocorrelation(float[] r, int lag, double mean, double variance)
    {
        double acc = 0;
        var count = 0;
        for (var y = 1; y < N - 1 - lag; y++)
        {
            for (var x = 1; x < N - 1 - lag; x++)
            {
                var i = y * N + x;
                acc += (r[i] - mean) * (r[i + lag] - mean) + (r[i] - mean) * (r[i + lag * N] - mean);
                count += 2;
            }
        }
        return acc / count / variance;
    }

    private static double MirrorCorrelation(float[] v)
    {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        var n = 0;
        for (var y = 2; y < N - 2; y++)
        {
            for (var x = 2; x < N / 2 - 2; x++)
            {
                double a = v[y * N + x], b = v[y * N + (N - 1 - x)];
                sa += a;
                sb += b;
                saa += a * a;
                sbb += b * b;
                sab += a * b;
                n++;
            }
        }
        var cov = sab / n - sa / n * (sb / n);
        var va = saa / n - sa / n * (sa / n);
        var vb = sbb / n - sb / n * (sb / n);
        return va <= 1e-12 || vb <= 1e-12 ? 0 : cov / Math.Sqrt(va * vb);
    }

    /// <summary>
    /// Spine straightness where the anatomy allows: in the middle 60 % of rows, the brightest column (smoothed) within
    /// the central third; the residual of a straight-line fit, in pixels (log). A real spine bends a little.
    /// </summary>
    private static double SpineDeviation(float[] p)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (var y = (int)(N * 0.2); y < (int)(N * 0.8); y += 2)
        {
            var best = double.MinValue;
            var bestX = 0;
            for (var x = N / 3; x < 2 * N / 3; x++)
            {
                double s = 0;
                for (var k = -3; k <= 3; k++)
                {
                    s += p[y * N + x + k];
                }
                if (s > best)
                {
                    best = s;
                    bestX = x;
                }
            }
            xs.Add(y);
            ys.Add(bestX);
        }
        var slope = Slope(xs, ys);
        double mx = xs.Average(), my = ys.Average(), ss = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            var e = ys[i] - (my + slope * (xs[i] - mx));
            ss += e * e;
        }
        return Math.Log(Math.Sqrt(ss / xs.Count) + 0.1);
    }

    private static double Slope(List<double> xs, List<double> ys)
    {
        double mx = xs.Average(), my = ys.Average(), sxy = 0, sxx = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }

    /// <summary>Mean difference across the strongest of the 8 phases relative to the others (JPEG grid), log.</summary>
    internal static double BoundaryRatio(double[] byPhase)
    {
        var max = byPhase.Max();
        var rest = (byPhase.Sum() - max) / 7;
        return Math.Log((max + 1e-9) / (rest + 1e-9));
    }

    /// <summary>Even versus odd differences (a 2x upsampler makes one of them small), |log ratio|.</summary>
    internal static double PairRatio(double[] byPhase)
    {
        double even = 0, odd = 0;
        for (var k = 0; k < 8; k++)
        {
            if ((k & 1) == 0)
            {
                even += byPhase[k];
            }
            else
            {
                odd += byPhase[k];
            }
        }
        return Math.Abs(Math.Log((even + 1e-9) / (odd + 1e-9)));
    }

    /// <summary>Power spectrum of the Hann-windowed central 128² crop: 6 radial bands, slope, axis energy, peaks, Nyquist.</summary>
    private static void Spectrum(float[] p, List<double> f)
    {
        const int n = FftSize;
        var off = (N - n) / 2;
        var data = new Complex[n * n];
        double m = 0;
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                m += p[(y + off) * N + x + off];
            }
        }
        m /= n * n;
        for (var y = 0; y < n; y++)
        {
            var wy = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (y + 0.5) / n);
            for (var x = 0; x < n; x++)
            {
                var wx = 0.5 - 0.5 * Math.Cos(2 * Math.PI * (x + 0.5) / n);
                data[y * n + x] = new Complex((p[(y + off) * N + x + off] - m) * wx * wy, 0);
            }
        }
        Fft2D(data, n);
        var bands = new double[6];
        double total = 0, axis = 0, high = 0, highMax = 0, nyquist = 0;
        var highCount = 0;
        var logR = new List<double>();
        var logP = new List<double>();
        var radial = new double[n / 2 + 1];
        var radialCount = new int[n / 2 + 1];
        for (var v = 0; v < n; v++)
        {
            var fv = v <= n / 2 ? v : v - n;
            for (var u = 0; u < n; u++)
            {
                var fu = u <= n / 2 ? u : u - n;
                if (fu == 0 && fv == 0)
                {
                    continue;
                }
                var power = data[v * n + u].Magnitude;
                power *= power;
                var radius = Math.Sqrt(fu * fu + fv * fv) / (n / 2.0); // 0..~1.41, 1 = Nyquist along an axis
                total += power;
                var band = Math.Min(5, (int)(Math.Log2(radius * 64 + 1e-9) - 1));
                bands[Math.Max(0, band)] += power;
                var ri = (int)Math.Round(radius * n / 2);
                if (ri <= n / 2)
                {
                    radial[ri] += power;
                    radialCount[ri]++;
                }
                if (radius > 0.5)
                {
                    high += power;
                    highCount++;
                    highMax = Math.Max(highMax, power);
                    if (Math.Abs(fu) <= 1 || Math.Abs(fv) <= 1)
                    {
                        axis += power;
                    }
                    if ((Math.Abs(fu) >= n / 2 - 1 || Math.Abs(fu) <= 1) && (Math.Abs(fv) >= n / 2 - 1 || Math.Abs(fv) <= 1))
                    {
                        nyquist += power;
                    }
                }
            }
        }
        total += 1e-20;
        foreach (var b in bands)
        {
            f.Add(Math.Log(b / total + 1e-12));
        }
        for (var i = 2; i <= n / 2; i++)
        {
            if (radialCount[i] > 0)
            {
                logR.Add(Math.Log(i));
                logP.Add(Math.Log(radial[i] / radialCount[i] + 1e-20));
            }
        }
        f.Add(Slope(logR, logP));
        var highMean = high / Math.Max(1, highCount) + 1e-20;
        f.Add(Math.Log(axis / (high + 1e-20) + 1e-9));
        f.Add(Math.Log(highMax / highMean));
        f.Add(Math.Log(nyquist / 9 / highMean + 1e-9));
    }

    private static void Fft2D(Complex[] data, int n)
    {
        var line = new Complex[n];
        for (var y = 0; y < n; y++)
        {
            data.AsSpan(y * n, n).CopyTo(line);
            Fft(line);
            line.CopyTo(data.AsSpan(y * n, n));
        }
        for (var x = 0; x < n; x++)
        {
            for (var y = 0; y < n; y++)
            {
                line[y] = data[y * n + x];
            }
            Fft(line);
            for (var y = 0; y < n; y++)
            {
                data[y * n + x] = line[y];
            }
        }
    }

    /// <summary>In-place iterative radix-2 FFT (length a power of two).</summary>
    private static void Fft(Complex[] a)
    {
        var n = a.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }
            j ^= bit;
            if (i < j)
            {
                (a[i], a[j]) = (a[j], a[i]);
            }
        }
        for (var len = 2; len <= n; len <<= 1)
        {
            var angle = -2 * Math.PI / len;
            var wl = new Complex(Math.Cos(angle), Math.Sin(angle));
            for (var i = 0; i < n; i += len)
            {
                var w = Complex.One;
                for (var k = 0; k < len / 2; k++)
                {
                    var u = a[i + k];
                    var v = a[i + k + len / 2] * w;
                    a[i + k] = u + v;
                    a[i + k + len / 2] = u - v;
                    w *= wl;
                }
            }
        }
    }
}
