using System.Buffers.Binary;
using RadSeal.Imaging;

namespace RadSeal.Watermark;

/// <summary>A rectangle of one frame that carries its own share of the mark.</summary>
public readonly record struct Block(int Frame, int Index, int X, int Y, int Width, int Height);

/// <summary>
/// Reversible embedding in one block by prediction-error expansion (PEE) with histogram shifting:
/// <list type="bullet">
/// <item>Rhombus prediction in two passes over a checkerboard (Sachnev et al. 2009): pass A predicts the "cross" pixels
/// from their four "dot" neighbours, pass B the dots from the (already marked) crosses.</item>
/// <item>Complexity sorting: each pass visits its pixels smoothest first (sum of the six differences between the four
/// neighbours), so the payload lands where prediction is best and as few pixels as possible are shifted.</item>
/// <item>Step T chosen per block (1 in smooth areas: every change is ±1; larger only where noise makes ±1 too small):
/// errors in [−T, T) are expanded to 2e+b, the others shifted by ±T.</item>
/// <item>Overflow/underflow: a pixel that could leave 0..max is left alone; where the decoder cannot tell such a pixel
/// from a marked one, a compressed location map says which it was. A block whose brighter end is the saturated one is
/// mirrored first (v → max−v), so burned-out or collimated areas land on the harmless side.</item>
/// <item>Side information (step, mirror flag, pixel counts, location map, CRC) sits in the least significant bits of the
/// block's first and last rows, which no prediction uses; their original bits travel in the payload.</item>
/// </list>
/// The block's pixels are the only input to extraction, which is what lets tampering be localised to blocks.
/// </summary>
internal static class BlockCodec
{
    private static readonly int[] Steps = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
    private const int CrcBits = 8, StepBits = 4, MirrorBits = 1, PayloadCrcBits = 16;

    public const int MinWidth = 4, MinHeight = 6;

    /// <summary>Scratch buffers reused across blocks so embedding a large image allocates almost nothing per block.</summary>
    internal sealed class Scratch
    {
        public int[] Work = [];
        public int[] Position = [];
        public int[] Prediction = [];
        public int[] Key = [];
        public int[] Order = [];
        public int[] Buckets = new int[4097];
        public int[] Original = [];
        public int[] Histogram = new int[2 * 4096 + 1];

        public void Ensure(int pixels)
        {
            if (Work.Length < pixels)
            {
                Work = new int[pixels];
                Original = new int[pixels];
                Position = new int[pixels / 2 + 2];
                Prediction = new int[pixels / 2 + 2];
                Key = new int[pixels / 2 + 2];
                Order = new int[pixels / 2 + 2];
            }
        }
    }

    private static int RegionPixels(Block b) => Math.Max(0, b.Height - 4) * Math.Max(0, b.Width - 2);

    private static int CountWidth(Block b) => BitList.WidthFor(RegionPixels(b) / 2 + 1);

    private static int LmLengthWidth(Block b) => BitList.WidthFor(2 * b.Width);

    private static int FixedHeaderBits(Block b) => CrcBits + StepBits + MirrorBits + 2 * CountWidth(b) + LmLengthWidth(b);

    /// <summary>Embeds <paramref name="data"/> in the block; false when it does not fit at any step.</summary>
    public static bool TryEmbed(Span<ushort> frame, int stride, Block b, int maxValue, int bitsStored, ReadOnlySpan<byte> data,
        Scratch scratch, out int step)
    {
        step = 0;
        var pixels = b.Width * b.Height;
        scratch.Ensure(pixels);
        var zeros = 0;
        var maxima = 0;
        for (var y = 0; y < b.Height; y++)
        {
            var row = frame.Slice((b.Y + y) * stride + b.X, b.Width);
            for (var x = 0; x < b.Width; x++)
            {
                int v = row[x];
                scratch.Original[y * b.Width + x] = v;
                zeros += v == 0 ? 1 : 0;
                maxima += v == maxValue ? 1 : 0;
            }
        }
        var mirror = maxima > zeros;
        var payload = new BitList(data.Length * 8 + 256);
        payload.AddBytes(data);
        payload.AddNumber(PayloadCrc(b.Index, data), PayloadCrcBits);
        var dataBits = payload.Count;
        var fixedBits = FixedHeaderBits(b);
        var headerCapacity = 2 * b.Width;
        var needed = dataBits + fixedBits;
        var estimate = EstimateCapacities(b, maxValue, bitsStored, mirror, scratch);
        for (var s = 0; s < Steps.Length; s++)
        {
            if (estimate[s] < needed * 0.9 && s < Steps.Length - 1)
            {
                continue;
            }
            var lmGuess = 0;
            for (var attempt = 0; attempt < 6; attempt++)
            {
                var headerBits = fixedBits + lmGuess;
                if (headerBits > headerCapacity)
                {
                    break;
                }
                var bits = new BitList(dataBits + headerBits);
                bits.AddRange(payload, 0, dataBits);
                for (var i = 0; i < headerBits; i++)
                {
                    bits.Add(scratch.Original[HeaderOffset(b, i)] & 1);
                }
                var result = TryPasses(b, maxValue, bitsStored, mirror, Steps[s], bits, scratch);
                if (result is null)
                {
                    break; // this step has too little room; try the next one
                }
                var (k1, k2, lm) = result.Value;
                if (lm.Count > lmGuess)
                {
                    lmGuess = lm.Count;
                    continue;
                }
                // Fits: un-mirror, write back, then the header into the LSBs of the first and last rows.
                var header = new BitList(headerBits);
                header.AddNumber(0, CrcBits);
                header.AddNumber(s, StepBits);
                header.AddNumber(mirror ? 1 : 0, MirrorBits);
                header.AddNumber(k1, CountWidth(b));
                header.AddNumber(k2, CountWidth(b));
                header.AddNumber(lmGuess, LmLengthWidth(b));
                header.AddRange(lm);
                while (header.Count < headerBits)
                {
                    header.Add(0);
                }
                var crc = HeaderCrc(b.Index, header);
                for (var i = 0; i < CrcBits; i++)
                {
                    header = SetBit(header, i, (crc >> (CrcBits - 1 - i)) & 1);
                }
                var work = scratch.Work;
                for (var y = 0; y < b.Height; y++)
                {
                    var row = frame.Slice((b.Y + y) * stride + b.X, b.Width);
                    for (var x = 0; x < b.Width; x++)
                    {
                        var v = work[y * b.Width + x];
                        row[x] = (ushort)(mirror ? maxValue - v : v);
                    }
                }
                for (var i = 0; i < headerBits; i++)
                {
                    var offset = HeaderOffset(b, i);
                    ref var pixel = ref frame[(b.Y + offset / b.Width) * stride + b.X + offset % b.Width];
                    pixel = (ushort)((pixel & ~1) | header[i]);
                }
                step = Steps[s];
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads the block: its data and, in <paramref name="restored"/> (Width×Height), the original pixels. False when the block carries no readable mark.</summary>
    public static bool TryExtract(ReadOnlySpan<ushort> frame, int stride, Block b, int maxValue, int bitsStored, Scratch scratch,
        Span<ushort> restored, out byte[] data)
    {
        data = [];
        var pixels = b.Width * b.Height;
        scratch.Ensure(pixels);
        var fixedBits = FixedHeaderBits(b);
        var headerCapacity = 2 * b.Width;
        if (fixedBits > headerCapacity)
        {
            return false;
        }
        var header = new BitList(headerCapacity);
        for (var i = 0; i < headerCapacity; i++)
        {
            var offset = HeaderOffset(b, i);
            header.Add(frame[(b.Y + offset / b.Width) * stride + b.X + offset % b.Width] & 1);
        }
        var position = CrcBits;
        var stepIndex = (int)header.ReadNumber(position, StepBits);
        position += StepBits;
        var mirror = header.ReadNumber(position, MirrorBits) == 1;
        position += MirrorBits;
        var k1 = (int)header.ReadNumber(position, CountWidth(b));
        position += CountWidth(b);
        var k2 = (int)header.ReadNumber(position, CountWidth(b));
        position += CountWidth(b);
        var lmLength = (int)header.ReadNumber(position, LmLengthWidth(b));
        position += LmLengthWidth(b);
        if (fixedBits + lmLength > headerCapacity)
        {
            return false;
        }
        var headerBits = fixedBits + lmLength;
        var trimmed = new BitList(headerBits);
        trimmed.AddRange(header, 0, headerBits);
        if (HeaderCrc(b.Index, trimmed) != (int)header.ReadNumber(0, CrcBits))
        {
            return false;
        }
        var work = scratch.Work;
        for (var y = 0; y < b.Height; y++)
        {
            var row = frame.Slice((b.Y + y) * stride + b.X, b.Width);
            for (var x = 0; x < b.Width; x++)
            {
                work[y * b.Width + x] = mirror ? maxValue - row[x] : row[x];
            }
        }
        var step = Steps[stepIndex];
        var lm = new LocationMap.Reader(header, position, lmLength);
        var bitsB = new BitList(1024);
        var bitsA = new BitList(1024);
        if (!DecodePass(b, 1, k2, step, maxValue, bitsStored, lm, bitsB, scratch) || !DecodePass(b, 0, k1, step, maxValue, bitsStored, lm, bitsA, scratch))
        {
            return false;
        }
        var bits = bitsA;
        bits.AddRange(bitsB);
        var dataBits = bits.Count - headerBits - PayloadCrcBits;
        if (dataBits < 8 || dataBits % 8 != 0)
        {
            return false;
        }
        var bytes = bits.ReadBytes(0, dataBits / 8);
        if (PayloadCrc(b.Index, bytes) != (int)bits.ReadNumber(dataBits, PayloadCrcBits))
        {
            return false;
        }
        for (var y = 0; y < b.Height; y++)
        {
            for (var x = 0; x < b.Width; x++)
            {
                var v = work[y * b.Width + x];
                restored[y * b.Width + x] = (ushort)(mirror ? maxValue - v : v);
            }
        }
        for (var i = 0; i < headerBits; i++)
        {
            var offset = HeaderOffset(b, i);
            restored[offset] = (ushort)((restored[offset] & ~1) | bits[dataBits + PayloadCrcBits + i]);
        }
        data = bytes;
        return true;
    }

    /// <summary>Header bit i lives in the LSB of the i-th pixel of the first row, then of the last row.</summary>
    private static int HeaderOffset(Block b, int i) => i < b.Width ? i : (b.Height - 1) * b.Width + (i - b.Width);

    private static BitList SetBit(BitList list, int index, int bit)
    {
        var copy = new BitList(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            copy.Add(i == index ? bit : list[i]);
        }
        return copy;
    }

    private static int HeaderCrc(int blockIndex, BitList header)
    {
        Span<byte> seed = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(seed, blockIndex);
        var packed = header.Pack(CrcBits, header.Count - CrcBits);
        // Seeded with the block index and a constant: an all-zero (flat) block or a block moved elsewhere never passes.
        return (int)(Crc32.Compute(packed, Crc32.Compute(seed, 0x52534D31)) & ((1u << CrcBits) - 1));
    }

    private static int PayloadCrc(int blockIndex, ReadOnlySpan<byte> data)
    {
        Span<byte> seed = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(seed, blockIndex);
        return (int)(Crc32.Compute(data, Crc32.Compute(seed, 0x52534D32)) & 0xFFFF);
    }

    /// <summary>Lists one pass's pixels (parity 0 = cross, 1 = dot) with prediction and complexity, sorted smoothest first.</summary>
    private static int Prepare(Block b, int parity, int bitsStored, Scratch scratch)
    {
        var work = scratch.Work;
        var w = b.Width;
        var count = 0;
        var shift = Math.Max(0, bitsStored - 10);
        var buckets = scratch.Buckets;
        Array.Clear(buckets);
        for (var y = 2; y <= b.Height - 3; y++)
        {
            var x = ((1 + y) & 1) == parity ? 1 : 2;
            for (; x <= w - 2; x += 2)
            {
                var i = y * w + x;
                int n = work[i - w], s = work[i + w], west = work[i - 1], east = work[i + 1];
                scratch.Position[count] = i;
                // Floor, not round: next to saturated black (0) a marked neighbour of 1 must not lift the prediction to 1, which
                // would make the 0 below it an underflow risk and halve the capacity of burned-out areas.
                scratch.Prediction[count] = (n + s + west + east) >> 2;
                var c = Math.Abs(n - s) + Math.Abs(west - east) + Math.Abs(n - west) + Math.Abs(west - s) + Math.Abs(s - east) + Math.Abs(east - n);
                var key = Math.Min(4095, c >> shift);
                scratch.Key[count] = key;
                buckets[key + 1]++;
                count++;
            }
        }
        // Counting sort: stable, so ties keep raster order and the decoder rebuilds the same order.
        for (var k = 1; k < buckets.Length; k++)
        {
            buckets[k] += buckets[k - 1];
        }
        for (var j = 0; j < count; j++)
        {
            scratch.Order[buckets[scratch.Key[j]]++] = j;
        }
        return count;
    }

    private static int[] EstimateCapacities(Block b, int maxValue, int bitsStored, bool mirror, Scratch scratch)
    {
        LoadWork(b, maxValue, mirror, scratch);
        var count = Prepare(b, 0, bitsStored, scratch);
        var histogram = scratch.Histogram;
        Array.Clear(histogram);
        for (var j = 0; j < count; j++)
        {
            var e = scratch.Work[scratch.Position[j]] - scratch.Prediction[j];
            if (Math.Abs(e) <= Steps[^1])
            {
                histogram[e + Steps[^1]]++;
            }
        }
        var estimates = new int[Steps.Length];
        for (var s = 0; s < Steps.Length; s++)
        {
            var total = 0;
            for (var e = -Steps[s]; e < Steps[s]; e++)
            {
                total += histogram[e + Steps[^1]];
            }
            estimates[s] = 2 * total; // pass B behaves like pass A
        }
        return estimates;
    }

    private static void LoadWork(Block b, int maxValue, bool mirror, Scratch scratch)
    {
        var pixels = b.Width * b.Height;
        for (var i = 0; i < pixels; i++)
        {
            scratch.Work[i] = mirror ? maxValue - scratch.Original[i] : scratch.Original[i];
        }
    }

    private static (int K1, int K2, BitList Lm)? TryPasses(Block b, int maxValue, int bitsStored, bool mirror, int step, BitList bits, Scratch scratch)
    {
        LoadWork(b, maxValue, mirror, scratch);
        var lmA = new List<bool>();
        var lmB = new List<bool>();
        var half = (bits.Count + 1) / 2;
        var countA = Prepare(b, 0, bitsStored, scratch);
        var (k1, embeddedA) = EmbedPass(countA, step, maxValue, bits, 0, half, lmA, scratch);
        var countB = Prepare(b, 1, bitsStored, scratch);
        var (k2, embeddedB) = EmbedPass(countB, step, maxValue, bits, embeddedA, bits.Count - embeddedA, lmB, scratch);
        if (embeddedA + embeddedB < bits.Count)
        {
            return null;
        }
        lmB.AddRange(lmA); // the decoder runs pass B first
        return (k1, k2, LocationMap.Encode(lmB));
    }

    private static (int Visited, int Embedded) EmbedPass(int count, int step, int maxValue, BitList bits, int start, int wanted,
        List<bool> lm, Scratch scratch)
    {
        var work = scratch.Work;
        var embedded = 0;
        var visited = 0;
        for (; visited < count && embedded < wanted; visited++)
        {
            var j = scratch.Order[visited];
            var i = scratch.Position[j];
            var p = scratch.Prediction[j];
            var x = work[i];
            var e = x - p;
            if (e >= 0 ? x > maxValue - step : x < step)
            {
                lm.Add(true); // could leave the range: left alone, and the decoder will ask
                continue;
            }
            int e2;
            if (e >= -step && e < step)
            {
                e2 = 2 * e + bits[start + embedded];
                embedded++;
            }
            else
            {
                e2 = e >= step ? e + step : e - step;
            }
            var x2 = p + e2;
            work[i] = x2;
            if (e2 >= 0 ? x2 > maxValue - step : x2 < step)
            {
                lm.Add(false); // marked, but looks like a pixel that was left alone
            }
        }
        return (visited, embedded);
    }

    private static bool DecodePass(Block b, int parity, int visited, int step, int maxValue, int bitsStored, LocationMap.Reader lm,
        BitList bits, Scratch scratch)
    {
        var count = Prepare(b, parity, bitsStored, scratch);
        if (visited > count)
        {
            return false;
        }
        var work = scratch.Work;
        for (var v = 0; v < visited; v++)
        {
            var j = scratch.Order[v];
            var i = scratch.Position[j];
            var p = scratch.Prediction[j];
            var x2 = work[i];
            var e2 = x2 - p;
            if (e2 >= 0 ? x2 > maxValue - step : x2 < step)
            {
                if (!lm.TryNext(out var leftAlone))
                {
                    return false;
                }
                if (leftAlone)
                {
                    continue;
                }
            }
            int e;
            if (e2 >= -2 * step && e2 < 2 * step)
            {
                bits.Add(e2 & 1);
                e = e2 >> 1;
            }
            else
            {
                e = e2 >= 2 * step ? e2 - step : e2 + step;
            }
            work[i] = p + e;
        }
        return true;
    }
}
