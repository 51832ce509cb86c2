namespace RadSeal.Watermark;

/// <summary>A growable sequence of bits, most significant bit first when numbers are written.</summary>
internal sealed class BitList
{
    private byte[] bits;

    public BitList(int capacity = 256) => bits = new byte[Math.Max(8, capacity)];

    public int Count { get; private set; }

    public int this[int index] => bits[index];

    /// <summary>The bits, one per byte.</summary>
    public ReadOnlySpan<byte> AsSpan() => bits.AsSpan(0, Count);

    public void Add(int bit)
    {
        if (Count == bits.Length)
        {
            Array.Resize(ref bits, bits.Length * 2);
        }
        bits[Count++] = (byte)(bit & 1);
    }

    public void AddNumber(long value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            Add((int)((value >> i) & 1));
        }
    }

    /// <summary>Overwrites <paramref name="width"/> bits at <paramref name="start"/> with a number (most significant first).</summary>
    public void SetNumber(int start, int width, long value)
    {
        for (var i = 0; i < width; i++)
        {
            bits[start + i] = (byte)((value >> (width - 1 - i)) & 1);
        }
    }

    public void AddBytes(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            AddNumber(b, 8);
        }
    }

    public void AddRange(BitList other, int start = 0, int count = -1)
    {
        count = count < 0 ? other.Count - start : count;
        for (var i = 0; i < count; i++)
        {
            Add(other[start + i]);
        }
    }

    public long ReadNumber(int start, int width)
    {
        long value = 0;
        for (var i = 0; i < width; i++)
        {
            value = (value << 1) | bits[start + i];
        }
        return value;
    }

    public byte[] ReadBytes(int start, int count)
    {
        var result = new byte[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = (byte)ReadNumber(start + 8 * i, 8);
        }
        return result;
    }

    public static int WidthFor(int maxValue)
    {
        var width = 1;
        while ((1L << width) <= maxValue)
        {
            width++;
        }
        return width;
    }
}

/// <summary>
/// The location map of one block, compressed: the sequence of "was this ambiguous pixel left alone?" answers as
/// alternating run lengths (first run: left alone), each Elias-gamma coded. Saturated areas give long runs of the
/// same answer, so a map of hundreds of entries usually takes a few bits.
/// </summary>
internal static class LocationMap
{
    /// <summary>Encodes the answers (1 = left alone, 0 = marked).</summary>
    public static BitList Encode(ReadOnlySpan<byte> entries)
    {
        var output = new BitList(64);
        byte symbol = 1;
        var i = 0;
        while (i < entries.Length)
        {
            var run = 0;
            while (i < entries.Length && entries[i] == symbol)
            {
                run++;
                i++;
            }
            Gamma(output, run + 1);
            symbol ^= 1;
        }
        return output;
    }

    private static void Gamma(BitList output, int value)
    {
        var width = BitList.WidthFor(value) - 1;
        output.AddNumber(0, width);
        output.AddNumber(value, width + 1);
    }

    /// <summary>Reads the answers back one at a time, as the decoder meets ambiguous pixels.</summary>
    internal sealed class Reader(BitList bits, int start, int length)
    {
        private readonly int end = start + length;
        private int position = start;
        private int remaining;
        private bool symbol;

        public bool TryNext(out bool leftAlone)
        {
            while (remaining == 0)
            {
                if (!TryGamma(out var value))
                {
                    leftAlone = false;
                    return false;
                }
                remaining = value - 1;
                symbol = !symbol;
            }
            remaining--;
            leftAlone = symbol;
            return true;
        }

        private bool TryGamma(out int value)
        {
            value = 0;
            var zeros = 0;
            while (position < end && bits[position] == 0)
            {
                zeros++;
                position++;
                if (zeros > 30)
                {
                    return false;
                }
            }
            if (position + zeros + 1 > end)
            {
                return false;
            }
            value = (int)bits.ReadNumber(position, zeros + 1);
            position += zeros + 1;
            return true;
        }
    }
}
