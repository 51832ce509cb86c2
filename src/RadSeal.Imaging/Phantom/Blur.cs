namespace RadSeal.Imaging.Phantom;

/// <summary>Separable blurs for the phantom: a true Gaussian for small widths, three box passes on a reduced grid for scatter.</summary>
internal static class Blur
{
    public static float[] Gaussian(float[] source, int w, int h, double sigma)
    {
        if (sigma < 0.25)
        {
            return source;
        }
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new float[2 * radius + 1];
        double sum = 0;
        for (var i = -radius; i <= radius; i++)
        {
            sum += kernel[i + radius] = (float)Math.Exp(-i * i / (2 * sigma * sigma));
        }
        for (var i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= (float)sum;
        }
        var temp = new float[source.Length];
        var result = new float[source.Length];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += kernel[k + radius] * source[y * w + Math.Clamp(x + k, 0, w - 1)];
                }
                temp[y * w + x] = acc;
            }
        }
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float acc = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    acc += kernel[k + radius] * temp[Math.Clamp(y + k, 0, h - 1) * w + x];
                }
                result[y * w + x] = acc;
            }
        }
        return result;
    }

    /// <summary>A wide Gaussian (sigma in pixels): reduce, three box passes, bilinear back up.</summary>
    public static float[] Wide(float[] source, int w, int h, double sigma)
    {
        var factor = Math.Max(1, (int)(sigma / 6));
        int sw = (w + factor - 1) / factor, sh = (h + factor - 1) / factor;
        var small = new float[sw * sh];
        var counts = new int[sw * sh];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                small[(y / factor) * sw + x / factor] += source[y * w + x];
                counts[(y / factor) * sw + x / factor]++;
            }
        }
        for (var i = 0; i < small.Length; i++)
        {
            small[i] /= counts[i];
        }
        // Three box passes of radius r approximate a Gaussian of sigma ≈ r (variance 3·((2r+1)²−1)/12).
        var r = Math.Max(1, (int)Math.Round(sigma / factor));
        for (var pass = 0; pass < 3; pass++)
        {
            small = Box(small, sw, sh, r);
        }
        var result = new float[w * h];
        for (var y = 0; y < h; y++)
        {
            var fy = Math.Clamp((y + 0.5) / factor - 0.5, 0, sh - 1);
            var y0 = (int)fy;
            var y1 = Math.Min(y0 + 1, sh - 1);
            var ty = (float)(fy - y0);
            for (var x = 0; x < w; x++)
            {
                var fx = Math.Clamp((x + 0.5) / factor - 0.5, 0, sw - 1);
                var x0 = (int)fx;
                var x1 = Math.Min(x0 + 1, sw - 1);
                var tx = (float)(fx - x0);
                var top = small[y0 * sw + x0] + (small[y0 * sw + x1] - small[y0 * sw + x0]) * tx;
                var bottom = small[y1 * sw + x0] + (small[y1 * sw + x1] - small[y1 * sw + x0]) * tx;
                result[y * w + x] = top + (bottom - top) * ty;
            }
        }
        return result;
    }

    private static float[] Box(float[] source, int w, int h, int r)
    {
        var temp = new float[source.Length];
        var result = new float[source.Length];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float acc = 0;
                for (var k = -r; k <= r; k++)
                {
                    acc += source[y * w + Math.Clamp(x + k, 0, w - 1)];
                }
                temp[y * w + x] = acc / (2 * r + 1);
            }
        }
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                float acc = 0;
                for (var k = -r; k <= r; k++)
                {
                    acc += temp[Math.Clamp(y + k, 0, h - 1) * w + x];
                }
                result[y * w + x] = acc / (2 * r + 1);
            }
        }
        return result;
    }
}
