namespace RadSeal.Watermark;

/// <summary>
/// Reed–Solomon over GF(2^8) (polynomial 0x11D, generator roots α^0..α^(nsym−1)), systematic. Only erasure decoding is
/// needed: every block carries a CRC, so the blocks whose share is damaged are known, and up to nsym erased symbols per
/// codeword are recovered by solving the syndrome equations (a Vandermonde system) directly.
/// </summary>
internal static class ReedSolomon
{
    private static readonly byte[] Exp = new byte[512];
    private static readonly byte[] Log = new byte[256];

    static ReedSolomon()
    {
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            Exp[i] = (byte)x;
            Log[x] = (byte)i;
            x <<= 1;
            if ((x & 0x100) != 0)
            {
                x ^= 0x11D;
            }
        }
        for (var i = 255; i < 512; i++)
        {
            Exp[i] = Exp[i - 255];
        }
    }

    public static byte Mul(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    public static byte Inverse(byte a) => a == 0 ? throw new DivideByZeroException() : Exp[255 - Log[a]];

    private static byte Pow(int exponent) => Exp[((exponent % 255) + 255) % 255];

    /// <summary>Appends nsym parity symbols to <paramref name="message"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> message, int nsym)
    {
        var generator = new byte[] { 1 };
        for (var i = 0; i < nsym; i++)
        {
            var next = new byte[generator.Length + 1];
            for (var j = 0; j < generator.Length; j++)
            {
                next[j] ^= generator[j];
                next[j + 1] ^= Mul(generator[j], Pow(i));
            }
            generator = next;
        }
        var codeword = new byte[message.Length + nsym];
        message.CopyTo(codeword);
        var remainder = (byte[])codeword.Clone();
        for (var i = 0; i < message.Length; i++)
        {
            var coefficient = remainder[i];
            if (coefficient != 0)
            {
                for (var j = 1; j < generator.Length; j++)
                {
                    remainder[i + j] ^= Mul(generator[j], coefficient);
                }
            }
        }
        remainder.AsSpan(message.Length).CopyTo(codeword.AsSpan(message.Length));
        return codeword;
    }

    /// <summary>Fills the erased positions of <paramref name="codeword"/>; false when there are too many or the rest is inconsistent.</summary>
    public static bool TryDecodeErasures(Span<byte> codeword, int nsym, IReadOnlyList<int> erasures)
    {
        var n = codeword.Length;
        var e = erasures.Count;
        if (e > nsym)
        {
            return false;
        }
        foreach (var p in erasures)
        {
            codeword[p] = 0;
        }
        var syndromes = new byte[nsym];
        for (var i = 0; i < nsym; i++)
        {
            byte s = 0;
            var root = Pow(i);
            for (var j = 0; j < n; j++)
            {
                s = (byte)(Mul(s, root) ^ codeword[j]);
            }
            syndromes[i] = s;
        }
        if (e > 0)
        {
            // Rows i = 0..e−1: Σ_p c[p]·(α^(n−1−p))^i = S_i.
            var matrix = new byte[e, e + 1];
            for (var i = 0; i < e; i++)
            {
                for (var k = 0; k < e; k++)
                {
                    matrix[i, k] = Pow(i * (n - 1 - erasures[k]));
                }
                matrix[i, e] = syndromes[i];
            }
            for (var col = 0; col < e; col++)
            {
                var pivot = col;
                while (pivot < e && matrix[pivot, col] == 0)
                {
                    pivot++;
                }
                if (pivot == e)
                {
                    return false;
                }
                for (var k = 0; k <= e; k++)
                {
                    (matrix[col, k], matrix[pivot, k]) = (matrix[pivot, k], matrix[col, k]);
                }
                var inverse = Inverse(matrix[col, col]);
                for (var k = 0; k <= e; k++)
                {
                    matrix[col, k] = Mul(matrix[col, k], inverse);
                }
                for (var row = 0; row < e; row++)
                {
                    if (row != col && matrix[row, col] != 0)
                    {
                        var factor = matrix[row, col];
                        for (var k = 0; k <= e; k++)
                        {
                            matrix[row, k] ^= Mul(factor, matrix[col, k]);
                        }
                    }
                }
            }
            for (var k = 0; k < e; k++)
            {
                codeword[erasures[k]] = matrix[k, e];
            }
        }
        // The unused syndrome equations must now hold too, else some unerased symbol is wrong.
        for (var i = 0; i < nsym; i++)
        {
            byte s = 0;
            var root = Pow(i);
            for (var j = 0; j < n; j++)
            {
                s = (byte)(Mul(s, root) ^ codeword[j]);
            }
            if (s != 0)
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>
/// The mark record as a Reed–Solomon protected stream of <see cref="Length"/> symbols, cut into codewords of at most
/// 255 symbols, <see cref="ParitySixteenths"/>/16 of each codeword parity. Stream position j belongs to codeword j mod C,
/// so any contiguous run of the stream (what one block carries) costs every codeword about the same few symbols: the
/// record survives as long as the lost blocks carried less than that share of the stream.
/// </summary>
internal sealed class RecordStream
{
    /// <summary>Stream lengths fit in 12 bits: blocks carry the length and the parity share in one u16.</summary>
    public const int MaxLength = 4095;

    public RecordStream(int length, int paritySixteenths)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(paritySixteenths, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(paritySixteenths, 15);
        ParitySixteenths = paritySixteenths;
        Length = length;
        Codewords = (length + 254) / 255;
        Lengths = new int[Codewords];
        Parity = new int[Codewords];
        for (var c = 0; c < Codewords; c++)
        {
            Lengths[c] = length / Codewords + (c < length % Codewords ? 1 : 0);
            Parity[c] = Math.Max(1, Lengths[c] * paritySixteenths / 16);
            Capacity += Lengths[c] - Parity[c];
        }
    }

    public int Length { get; }
    public int ParitySixteenths { get; }
    public int Codewords { get; }
    public int[] Lengths { get; }
    public int[] Parity { get; }

    /// <summary>Data bytes the stream carries (including the 2-byte length prefix).</summary>
    public int Capacity { get; }

    /// <summary>The shortest stream that carries <paramref name="recordLength"/> bytes; null when it would be longer than <see cref="MaxLength"/>.</summary>
    public static RecordStream? For(int recordLength, int paritySixteenths)
    {
        for (var length = recordLength + 3; length <= MaxLength; length++)
        {
            var stream = new RecordStream(length, paritySixteenths);
            if (stream.Capacity >= recordLength + 2)
            {
                return stream;
            }
        }
        return null;
    }

    /// <summary>The u16 a carrier block stores: parity share (high 4 bits) and stream length (low 12).</summary>
    public int Descriptor => (ParitySixteenths << 12) | Length;

    public static RecordStream? FromDescriptor(int descriptor) =>
        (descriptor & MaxLength) is >= 2 and var length && descriptor >> 12 is >= 1 and <= 15 and var parity ? new RecordStream(length, parity) : null;

    public byte[] Encode(ReadOnlySpan<byte> record)
    {
        var data = new byte[Capacity];
        data[0] = (byte)(record.Length >> 8);
        data[1] = (byte)record.Length;
        record.CopyTo(data.AsSpan(2));
        var stream = new byte[Length];
        var offset = 0;
        for (var c = 0; c < Codewords; c++)
        {
            var k = Lengths[c] - Parity[c];
            var codeword = ReedSolomon.Encode(data.AsSpan(offset, k), Parity[c]);
            offset += k;
            for (var s = 0; s < codeword.Length; s++)
            {
                stream[s * Codewords + c] = codeword[s];
            }
        }
        return stream;
    }

    /// <summary>Recovers the record from the stream (erased positions marked); null when too much is missing.</summary>
    public byte[]? Decode(ReadOnlySpan<byte> stream, ReadOnlySpan<bool> erased)
    {
        var data = new byte[Capacity];
        var offset = 0;
        for (var c = 0; c < Codewords; c++)
        {
            var codeword = new byte[Lengths[c]];
            var erasures = new List<int>();
            for (var s = 0; s < codeword.Length; s++)
            {
                codeword[s] = stream[s * Codewords + c];
                if (erased[s * Codewords + c])
                {
                    erasures.Add(s);
                }
            }
            if (!ReedSolomon.TryDecodeErasures(codeword, Parity[c], erasures))
            {
                return null;
            }
            var k = Lengths[c] - Parity[c];
            codeword.AsSpan(0, k).CopyTo(data.AsSpan(offset));
            offset += k;
        }
        var length = (data[0] << 8) | data[1];
        return length + 2 <= Capacity ? data.AsSpan(2, length).ToArray() : null;
    }

    /// <summary>
    /// How many stream symbols each block carries: in proportion to <paramref name="weights"/> (the blocks where room is
    /// cheap carry more), but no block more than 1/<paramref name="minCarriers"/> of the stream, so losing a few blocks
    /// never loses the record. Every block gets a small base weight, so the cap can always be met.
    /// </summary>
    public static int[] Allocate(int length, ReadOnlySpan<double> weights, int minCarriers, ReadOnlySpan<int> limits)
    {
        var blocks = weights.Length;
        var cap = (length + Math.Min(minCarriers, blocks) - 1) / Math.Min(minCarriers, blocks);
        var counts = new int[blocks];
        var room = new int[blocks];
        double baseWeight = 0;
        for (var b = 0; b < blocks; b++)
        {
            room[b] = Math.Min(cap, limits[b]);
            baseWeight = Math.Max(baseWeight, weights[b]);
        }
        baseWeight = Math.Max(1e-9, baseWeight * 1e-3);
        var remaining = length;
        while (remaining > 0)
        {
            double total = 0;
            for (var b = 0; b < blocks; b++)
            {
                total += counts[b] < room[b] ? weights[b] + baseWeight : 0;
            }
            if (total == 0)
            {
                throw new WatermarkException($"No room for the mark: its record ({length} bytes with parity) does not fit in {blocks} blocks of this image.");
            }
            var handed = 0;
            var share = remaining;
            for (var b = 0; b < blocks && remaining > 0; b++)
            {
                if (counts[b] < room[b])
                {
                    var give = Math.Min(Math.Min(room[b] - counts[b], remaining), (int)(share * (weights[b] + baseWeight) / total));
                    counts[b] += give;
                    remaining -= give;
                    handed += give;
                }
            }
            if (handed == 0)
            {
                // Rounding left a few symbols: give them one at a time to the heaviest blocks with room.
                var best = -1;
                for (var b = 0; b < blocks; b++)
                {
                    if (counts[b] < room[b] && (best < 0 || weights[b] > weights[best]))
                    {
                        best = b;
                    }
                }
                counts[best]++;
                remaining--;
            }
        }
        return counts;
    }
}
