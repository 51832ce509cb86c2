namespace RadSeal.Benchmarks.Watermark;

/// <summary>
/// The two baselines of the capacity–distortion comparison, implemented here only (they are not part of RadSeal):
/// both embed a payload and report what it did to the pixels. Their extraction is not needed to measure distortion.
/// </summary>
internal static class Baselines
{
    /// <summary>
    /// Ni, Shi, Ansari, Su (IEEE TCSVT 16(3), 2006): histogram shifting between a peak bin and the nearest empty bin
    /// above it; pixels at the peak carry one bit (peak or peak+1), those between move up by one. Further peak/zero
    /// pairs are used in turn (each on the result of the last) until the payload fits; null when it cannot.
    /// </summary>
    public static ushort[]? NiHistogramShifting(ReadOnlySpan<ushort> source, int maxValue, int payloadBits, Random bits)
    {
        var pixels = source.ToArray();
        var left = payloadBits;
        for (var layer = 0; layer < 64 && left > 0; layer++)
        {
            var histogram = new int[maxValue + 2];
            foreach (var p in pixels)
            {
                histogram[p]++;
            }
            // The peak with an empty bin above it (within the range).
            int peak = -1, zero = -1, best = 0;
            for (var v = 0; v < maxValue; v++)
            {
                if (histogram[v] > best)
                {
                    var z = v + 1;
                    while (z <= maxValue && histogram[z] != 0)
                    {
                        z++;
                    }
                    if (z <= maxValue)
                    {
                        (peak, zero, best) = (v, z, histogram[v]);
                    }
                }
            }
            if (peak < 0)
            {
                return null;
            }
            for (var i = 0; i < pixels.Length && left >= 0; i++)
            {
                var p = pixels[i];
                if (p > peak && p < zero)
                {
                    pixels[i]++;
                }
                else if (p == peak && left > 0)
                {
                    pixels[i] += (ushort)bits.Next(2);
                    left--;
                }
            }
        }
        return left > 0 ? null : pixels;
    }

    /// <summary>
    /// Plain prediction-error expansion: the same rhombus predictor and two passes as RadSeal, errors −1 and 0
    /// expanded, others shifted by one, but pixels visited in raster order (no complexity sorting). Pixels that could
    /// leave the range are skipped, as in RadSeal. Null when the payload does not fit.
    /// </summary>
    public static ushort[]? PlainPee(ReadOnlySpan<ushort> source, int width, int height, int maxValue, int payloadBits, Random bits)
    {
        var pixels = source.ToArray();
        var left = payloadBits;
        var firstHalf = (payloadBits + 1) / 2;
        for (var parity = 0; parity < 2 && left > 0; parity++)
        {
            var wanted = parity == 0 ? firstHalf : left;
            for (var y = 2; y <= height - 3 && wanted > 0; y++)
            {
                for (var x = ((1 + y) & 1) == parity ? 1 : 2; x <= width - 2 && wanted > 0; x += 2)
                {
                    var i = y * width + x;
                    var predicted = (pixels[i - width] + pixels[i + width] + pixels[i - 1] + pixels[i + 1]) >> 2;
                    int value = pixels[i], e = value - predicted;
                    if (e >= 0 ? value >= maxValue : value <= 0)
                    {
                        continue;
                    }
                    if (e is -1 or 0)
                    {
                        pixels[i] = (ushort)(predicted + 2 * e + bits.Next(2));
                        wanted--;
                        left--;
                    }
                    else
                    {
                        pixels[i] = (ushort)(value + (e > 0 ? 1 : -1));
                    }
                }
            }
        }
        return left > 0 ? null : pixels;
    }
}
