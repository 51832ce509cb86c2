using RadSeal.Imaging;

namespace RadSeal.Forensics.Pixels;

/// <summary>The generator trace a pseudo-fake reproduces.</summary>
public enum PseudoFakeKind
{
    /// <summary>Decoder-style upsampling: the image is rebuilt from a 2–4× smaller version, bilinearly.</summary>
    Upsampled,

    /// <summary>Denoised, "too smooth" texture: an edge-preserving (bilateral) filter removes the grain.</summary>
    Smoothed,

    /// <summary>Excessive symmetry: one half of the image mirrored onto the other.</summary>
    Mirrored,

    /// <summary>8-bit quantisation after a tone curve: the histogram combs (empty grey levels).</summary>
    Quantised,

    /// <summary>GAN-like checkerboard: a stride-2 transposed convolution with uneven overlap modulates alternate pixels.</summary>
    Checkerboard,
}

/// <summary>
/// Makes synthetic-looking radiographs from real ones by reproducing known generator traces, one kind at a time. These
/// are not the output of a generative model: they stand in for one so a detector can be trained and tested on traces
/// it may meet, and so leave-one-kind-out tests can ask whether it generalises. Same input, kind and seed, same output.
/// The result keeps the source's size, bit depth and photometric interpretation, so only the pixels tell them apart.
/// </summary>
public static class PseudoFakes
{
    public static IReadOnlyList<PseudoFakeKind> Kinds { get; } = Enum.GetValues<PseudoFakeKind>();

    /// <summary>Frame 0 of <paramref name="real"/> with the <paramref name="kind"/> trace applied.</summary>
    public static GrayImage Make(GrayImage real, PseudoFakeKind kind, int seed)
    {
        ArgumentNullException.ThrowIfNull(real);
        var rng = new Random(seed);
        int w = real.Width, h = real.Height;
        var max = real.MaxValue;
        var frame = real.Frame(0);
        var v = new float[w * h];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = frame[i] / (float)max;
        }
        var result = kind switch
        {
            PseudoFakeKind.Upsampled => Upsample(v, w, h, 2 + rng.NextDouble() * 2),
            PseudoFakeKind.Smoothed => Bilateral(v, w, h, 1.5 + rng.NextDouble(), 0.03 + 0.04 * rng.NextDouble()),
            PseudoFakeKind.Mirrored => Mirror(v, w, h, rng.Next(2) == 0),
            PseudoFakeKind.Quantised => ToneCurve(v, 0.6 + 0.8 * rng.NextDouble(), rng.Next(2) == 0 ? 64 : 128),
            PseudoFakeKind.Checkerboard => Checkerboard(v, w, h, 0.04 + 0.06 * rng.NextDouble()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var samples = new ushort[w * h];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (ushort)Math.Clamp(MathF.Round(result[i] * max), 0, max);
        }
        return new GrayImage(w, h, real.BitsStored, real.IsSigned, 1, real.Photometric, samples);
    }

    private static float[] Upsample(float[] v, int w, int h, double factor)
    {
        int sw = Math.Max(8, (int)(w / factor)), sh = Math.Max(8, (int)(h / factor));
        var small = Resize(v, w, h, sw, sh);
        return Resize(small, sw, sh, w, h);
    }

    /// <summary>Area average when shrinking, bilinear when enlarging (separable).</summary>
    internal static float[] Resize(float[] v, int w, int h, int tw, int th)
    {
        var across = new float[tw * h];
        for (var y = 0; y < h; y++)
        {
            ResizeLine(v.AsSpan(y * w, w), across.AsSpan(y * tw, tw));
        }
        var column = new float[h];
        var outColumn = new float[th];
        var result = new float[tw * th];
        for (var x = 0; x < tw; x++)
        {
            for (var y = 0; y < h; y++)
            {
                column[y] = across[y * tw + x];
            }
            ResizeLine(column, outColumn);
            for (var y = 0; y < th; y++)
            {
                result[y * tw + x] = outColumn[y];
            }
        }
        return result;
    }

    private static void ResizeLine(ReadOnlySpan<float> src, Span<float> dst)
    {
        var ratio = (double)src.Length / dst.Length;
        for (var o = 0; o < dst.Length; o++)
        {
            if (ratio > 1)
            {
                double start = o * ratio, end = (o + 1) * ratio, sum = 0;
                for (var i = (int)start; i < Math.Min(src.Length, (int)Math.Ceiling(end)); i++)
                {
                    sum += src[i] * (Math.Min(end, i + 1) - Math.Max(start, i));
                }
                dst[o] = (float)(sum / ratio);
            }
            else
            {
                var c = Math.Clamp((o + 0.5) * ratio - 0.5, 0, src.Length - 1);
                var i0 = (int)c;
                var i1 = Math.Min(i0 + 1, src.Length - 1);
                var t = (float)(c - i0);
                dst[o] = src[i0] * (1 - t) + src[i1] * t;
            }
        }
    }

    private static float[] Bilateral(float[] v, int w, int h, double sigmaSpace, double sigmaRange)
    {
        var radius = (int)Math.Ceiling(2 * sigmaSpace);
        var result = new float[v.Length];
        var spatial = new double[(2 * radius + 1) * (2 * radius + 1)];
        for (var dy = -radius; dy <= radius; dy++)
        {
            for (var dx = -radius; dx <= radius; dx++)
            {
                spatial[(dy + radius) * (2 * radius + 1) + dx + radius] = Math.Exp(-(dx * dx + dy * dy) / (2 * sigmaSpace * sigmaSpace));
            }
        }
        var inv = 1 / (2 * sigmaRange * sigmaRange);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var c = v[y * w + x];
                double sum = 0, weights = 0;
                for (var dy = -radius; dy <= radius; dy++)
                {
                    var yy = Math.Clamp(y + dy, 0, h - 1);
                    for (var dx = -radius; dx <= radius; dx++)
                    {
                        var q = v[yy * w + Math.Clamp(x + dx, 0, w - 1)];
                        var d = q - c;
                        var weight = spatial[(dy + radius) * (2 * radius + 1) + dx + radius] * Math.Exp(-d * d * inv);
                        sum += weight * q;
                        weights += weight;
                    }
                }
                result[y * w + x] = (float)(sum / weights);
            }
        }
        return result;
    }

    private static float[] Mirror(float[] v, int w, int h, bool leftOntoRight)
    {
        var result = (float[])v.Clone();
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w / 2; x++)
            {
                if (leftOntoRight)
                {
                    result[y * w + (w - 1 - x)] = v[y * w + x];
                }
                else
                {
                    result[y * w + x] = v[y * w + (w - 1 - x)];
                }
            }
        }
        return result;
    }

    /// <summary>A gamma curve evaluated on a coarse grid of <paramref name="levels"/> then stretched: empty grey levels.</summary>
    private static float[] ToneCurve(float[] v, double gamma, int levels)
    {
        var result = new float[v.Length];
        for (var i = 0; i < v.Length; i++)
        {
            var q = MathF.Round(v[i] * (levels - 1)) / (levels - 1);
            result[i] = (float)Math.Pow(q, gamma);
        }
        return result;
    }

    /// <summary>
    /// A half-resolution image brought back by a stride-2 transposed convolution with kernel [a, 1, a], a ≠ 0.5: even
    /// outputs take one tap, odd ones two, so alternate rows and columns are lifted or dimmed by <paramref name="amplitude"/>.
    /// </summary>
    private static float[] Checkerboard(float[] v, int w, int h, double amplitude)
    {
        int sw = (w + 1) / 2, sh = (h + 1) / 2;
        var small = Resize(v, w, h, sw, sh);
        var bilinear = Resize(small, sw, sh, w, h);
        var result = new float[v.Length];
        var a = (float)amplitude;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var gain = 1 + a * (((x & 1) == 0 ? 1 : -1) + ((y & 1) == 0 ? 1 : -1)) / 2;
                result[y * w + x] = bilinear[y * w + x] * gain;
            }
        }
        return result;
    }
}
