using RadSeal.Imaging;

namespace RadSeal.Forensics.Pixels;

/// <summary>
/// The one input every feature sees: frame 0 as brightness 0..1 (MONOCHROME1 inverted, values divided by the largest
/// sample the bit depth allows), resampled to <see cref="Size"/> × <see cref="Size"/>. File format, size, bit depth and
/// metadata do not pass this point except through the pixels, so a detector cannot learn "small JPEG = real".
/// </summary>
public sealed class NormalizedImage
{
    /// <summary>Side of the normalised square; the ResNet-18 input size.</summary>
    public const int Size = 224;

    private NormalizedImage(float[] pixels) => Pixels = pixels;

    /// <summary>Row-major <see cref="Size"/>² brightness values in 0..1.</summary>
    public float[] Pixels { get; }

    /// <summary>
    /// The resize policy: area averaging when shrinking (no aliasing), bilinear when enlarging, aspect ratio not kept
    /// (every radiograph fills the square). A 224×224 input passes unchanged, so its quantisation is preserved.
    /// </summary>
    public static NormalizedImage From(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        var frame = image.Frame(0);
        var scale = 1f / image.MaxValue;
        var invert = image.Photometric == Photometric.Monochrome1;
        var source = new float[w * h];
        for (var i = 0; i < source.Length; i++)
        {
            var v = frame[i] * scale;
            source[i] = invert ? 1 - v : v;
        }
        var across = Resample(source, w, h, Size, horizontal: true);
        return new NormalizedImage(Resample(across, Size, h, Size, horizontal: false));
    }

    /// <summary>Wraps already-normalised pixels (tests, the heatmap's occlusion).</summary>
    public static NormalizedImage FromPixels(float[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != Size * Size)
        {
            throw new ArgumentException($"Expected {Size * Size} values, got {pixels.Length}.", nameof(pixels));
        }
        return new NormalizedImage(pixels);
    }

    /// <summary>Resamples one axis: from <paramref name="w"/>×<paramref name="h"/> to <paramref name="target"/> along it.</summary>
    private static float[] Resample(float[] src, int w, int h, int target, bool horizontal)
    {
        var from = horizontal ? w : h;
        if (from == target)
        {
            return src;
        }
        var ow = horizontal ? target : w;
        var oh = horizontal ? h : target;
        var dst = new float[ow * oh];
        var lines = horizontal ? h : w;
        var weights = Weights(from, target);
        for (var line = 0; line < lines; line++)
        {
            for (var o = 0; o < target; o++)
            {
                double sum = 0;
                foreach (var (index, weight) in weights[o])
                {
                    sum += weight * (horizontal ? src[line * w + index] : src[index * w + line]);
                }
                if (horizontal)
                {
                    dst[line * ow + o] = (float)sum;
                }
                else
                {
                    dst[o * ow + line] = (float)sum;
                }
            }
        }
        return dst;
    }

    private static (int Index, double Weight)[][] Weights(int from, int to)
    {
        var result = new (int, double)[to][];
        var ratio = (double)from / to;
        for (var o = 0; o < to; o++)
        {
            var list = new List<(int, double)>();
            if (ratio > 1)
            {
                // Area average over [o*ratio, (o+1)*ratio).
                double start = o * ratio, end = (o + 1) * ratio;
                for (var i = (int)Math.Floor(start); i < Math.Min(from, (int)Math.Ceiling(end)); i++)
                {
                    var overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                    if (overlap > 0)
                    {
                        list.Add((i, overlap / ratio));
                    }
                }
            }
            else
            {
                var centre = Math.Clamp((o + 0.5) * ratio - 0.5, 0, from - 1);
                var i0 = (int)Math.Floor(centre);
                var i1 = Math.Min(i0 + 1, from - 1);
                var t = centre - i0;
                list.Add((i0, 1 - t));
                if (i1 != i0)
                {
                    list.Add((i1, t));
                }
            }
            result[o] = [.. list];
        }
        return result;
    }
}
