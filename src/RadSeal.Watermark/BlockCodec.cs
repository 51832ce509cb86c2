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
/// <item>Side information (step, mirror flag, payload length, location map, CRC) sits in the least significant bits of the
/// block's first and last rows, which no prediction uses; their original bits travel in the payload. The decoder knows
/// the payload length, so it stops each pass after the pixel that gave its last bit: no pixel counts are stored.</item>
/// </list>
/// The block's pixels are the only input to extraction, which is what lets tampering be localised to blocks.
/// </summary>
internal static class BlockCodec
{
    private static readonly int[] Steps = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
    private const int CrcBits = 8, MirrorBits = 1, PayloadCrcBits = 16, MaxKey = 4095;

    public const int MinWidth = 4, MinHeight = 6;

    /// <summary>Scratch buffers reused across blocks so marking a large image allocates almost nothing per block.</summary>
    internal sealed class Scratch
    {
        public int[] Work = [];
        public int[] Original = [];
        public int[] Position = [];
        public int[] Key = [];
        public int[] Order = [];
        public int[] Buckets = new int[MaxKey + 2];
        public byte[] Bits = new byte[1024];
        public byte[] LocationEntries = new byte[256];
        public int LocationCount;

        /// <summary>Distortion of the last embedded block: pixels changed, largest change, sum of squared changes.</summary>
        public long Changed;
        public int Largest;
        public double Squares;

        public void Ensure(int pixels)
        {
            if (Work.Length < pixels)
            {
                Work = new int[pixels];
                Original = new int[pixels];
                Position = new int[pixels / 2 + 2];
                Key = new int[pixels / 2 + 2];
                Order = new int[pixels / 2 + 2];
            }
        }

        public void EnsureBits(int count)
        {
            if (Bits.Length < count)
            {
                Bits = new byte[Math.Max(count, 2 * Bits.Length)];
            }
        }

        public void AddLocation(bool leftAlone)
        {
            if (LocationCount == LocationEntries.Length)
            {
                Array.Resize(ref LocationEntries, 2 * LocationEntries.Length);
            }
            LocationEntries[LocationCount++] = leftAlone ? (byte)1 : (byte)0;
        }
    }

    private static int RegionPixels(Block b) => Math.Max(0, b.Height - 4) * Math.Max(0, b.Width - 2);

    /// <summary>The most payload bytes a block of this shape can be asked to carry.</summary>
    public static int MaxDataBytes(Block b) => RegionPixels(b) / 8;

    private static int GammaBits(int value) => 2 * BitList.WidthFor(value) - 1;

    /// <summary>
    /// Header bits: CRC-8 | γ(step index + 1) | mirror | γ(payload bytes) | γ(location-map bits + 1) | location map, where γ
    /// is the Elias-gamma code (small values, the usual case, take a few bits: the header's LSBs travel in the payload too).
    /// </summary>
    public static int HeaderBits(int stepIndex, int dataBytes, int lmBits) =>
        CrcBits + GammaBits(stepIndex + 1) + MirrorBits + GammaBits(dataBytes) + GammaBits(lmBits + 1) + lmBits;

    /// <summary>Payload bits a block spends beyond its data bytes at step 1: the payload CRC and the header (written once, its LSBs carried once).</summary>
    public static int OverheadBits(int dataBytes) => PayloadCrcBits + 2 * HeaderBits(0, dataBytes, 0);

    private readonly record struct Header(int StepIndex, bool Mirror, int DataBytes, int LmStart, int LmBits, BitList Bits);

    /// <summary>Reads and checks the header from the LSBs of the block's first and last rows; null when it does not check out.</summary>
    private static Header? ReadHeader(ReadOnlySpan<ushort> frame, int stride, Block b)
    {
        var capacity = 2 * b.Width;
        if (b.Height < MinHeight || b.Width < MinWidth || capacity < CrcBits + 8)
        {
            return null;
        }
        var bits = new BitList(capacity);
        for (var i = 0; i < capacity; i++)
        {
            var offset = HeaderOffset(b, i);
            bits.Add(frame[(b.Y + offset / b.Width) * stride + b.X + offset % b.Width] & 1);
        }
        var position = CrcBits;
        if (!TryGamma(bits, ref position, out var step) || step > Steps.Length || position + MirrorBits > capacity)
        {
            return null;
        }
        var mirror = bits[position++] == 1;
        if (!TryGamma(bits, ref position, out var dataBytes) || dataBytes > MaxDataBytes(b) || !TryGamma(bits, ref position, out var lmPlusOne)
            || position + lmPlusOne - 1 > capacity)
        {
            return null;
        }
        var length = position + lmPlusOne - 1;
        var used = new BitList(length);
        used.AddRange(bits, 0, length);
        if (HeaderCrc(b, used) != (int)used.ReadNumber(0, CrcBits))
        {
            return null;
        }
        return new Header(step - 1, mirror, dataBytes, position, lmPlusOne - 1, used);
    }

    private static bool TryGamma(BitList bits, ref int position, out int value)
    {
        value = 0;
        var zeros = 0;
        while (position < bits.Count && bits[position] == 0)
        {
            zeros++;
            position++;
            if (zeros > 24)
            {
                return false;
            }
        }
        if (position + zeros + 1 > bits.Count)
        {
            return false;
        }
        value = (int)bits.ReadNumber(position, zeros + 1);
        position += zeros + 1;
        return true;
    }

    private static void AddGamma(BitList bits, int value)
    {
        var width = BitList.WidthFor(value) - 1;
        bits.AddNumber(0, width);
        bits.AddNumber(value, width + 1);
    }

    /// <summary>Embeds <paramref name="data"/> in the block; false when it does not fit at any step. The block's distortion is left in the scratch.</summary>
    public static bool TryEmbed(Span<ushort> frame, int stride, Block b, int maxValue, int bitsStored, ReadOnlySpan<byte> data,
        Scratch scratch, out int step)
    {
        step = 0;
        var w = b.Width;
        var pixels = w * b.Height;
        scratch.Ensure(pixels);
        if (data.Length > MaxDataBytes(b))
        {
            return false;
        }
        var original = scratch.Original;
        var zeros = 0;
        var maxima = 0;
        for (var y = 0; y < b.Height; y++)
        {
            var row = frame.Slice((b.Y + y) * stride + b.X, w);
            var target = original.AsSpan(y * w, w);
            for (var x = 0; x < row.Length; x++)
            {
                int v = row[x];
                target[x] = v;
                zeros += v == 0 ? 1 : 0;
                maxima += v == maxValue ? 1 : 0;
            }
        }
        var mirror = maxima > zeros;
        var headerCapacity = 2 * w;
        var dataBits = data.Length * 8 + PayloadCrcBits;
        scratch.EnsureBits(dataBits + headerCapacity);
        var bits = scratch.Bits;
        for (var i = 0; i < data.Length; i++)
        {
            for (var k = 0; k < 8; k++)
            {
                bits[8 * i + k] = (byte)((data[i] >> (7 - k)) & 1);
            }
        }
        var crc = PayloadCrc(b.Index, data);
        for (var k = 0; k < PayloadCrcBits; k++)
        {
            bits[data.Length * 8 + k] = (byte)((crc >> (PayloadCrcBits - 1 - k)) & 1);
        }
        // Step estimate from pass A's prediction errors (pass B behaves alike): skip steps that clearly cannot carry it.
        Span<int> capacity = stackalloc int[Steps.Length];
        EstimateCapacities(b, maxValue, bitsStored, mirror, scratch, capacity);
        for (var s = 0; s < Steps.Length; s++)
        {
            if (2 * capacity[s] < (dataBits + HeaderBits(s, data.Length, 0)) * 0.9 && s < Steps.Length - 1)
            {
                continue;
            }
            var lmGuess = 0;
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var headerBits = HeaderBits(s, data.Length, lmGuess);
                if (headerBits > headerCapacity)
                {
                    break;
                }
                for (var i = 0; i < headerBits; i++)
                {
                    bits[dataBits + i] = (byte)(original[HeaderOffset(b, i)] & 1);
                }
                if (!TryPasses(b, maxValue, bitsStored, mirror, Steps[s], dataBits + headerBits, scratch))
                {
                    break; // this step has too little room; try the next one
                }
                var lm = LocationMap.Encode(scratch.LocationEntries.AsSpan(0, scratch.LocationCount));
                if (lm.Count > lmGuess)
                {
                    lmGuess = lm.Count + 8; // a little slack (the reader ignores padding), so one retry is enough
                    continue;
                }
                var header = new BitList(headerBits);
                header.AddNumber(0, CrcBits);
                AddGamma(header, s + 1);
                header.AddNumber(mirror ? 1 : 0, MirrorBits);
                AddGamma(header, data.Length);
                AddGamma(header, lmGuess + 1);
                header.AddRange(lm);
                while (header.Count < headerBits)
                {
                    header.Add(0);
                }
                header.SetNumber(0, CrcBits, HeaderCrc(b, header));
                WriteBack(frame, stride, b, maxValue, mirror, header, scratch);
                step = Steps[s];
                return true;
            }
        }
        return false;
    }

    /// <summary>Un-mirrors the marked block into the frame, writes the header into the LSBs and records the distortion.</summary>
    private static void WriteBack(Span<ushort> frame, int stride, Block b, int maxValue, bool mirror, BitList header, Scratch scratch)
    {
        var w = b.Width;
        var work = scratch.Work;
        var original = scratch.Original;
        for (var i = 0; i < header.Count; i++)
        {
            var offset = HeaderOffset(b, i);
            var v = mirror ? maxValue - work[offset] : work[offset];
            v = (v & ~1) | header[i];
            work[offset] = mirror ? maxValue - v : v;
        }
        long changed = 0;
        var largest = 0;
        double squares = 0;
        for (var y = 0; y < b.Height; y++)
        {
            var row = frame.Slice((b.Y + y) * stride + b.X, w);
            var source = work.AsSpan(y * w, w);
            var before = original.AsSpan(y * w, w);
            for (var x = 0; x < row.Length; x++)
            {
                var v = mirror ? maxValue - source[x] : source[x];
                row[x] = (ushort)v;
                var d = v - before[x];
                if (d != 0)
                {
                    changed++;
                    largest = Math.Max(largest, Math.Abs(d));
                    squares += (double)d * d;
                }
            }
        }
        scratch.Changed = changed;
        scratch.Largest = largest;
        scratch.Squares = squares;
    }

    /// <summary>Reads the block: its data and, in <paramref name="restored"/> (Width×Height), the original pixels. False when the block carries no readable mark.</summary>
    public static bool TryExtract(ReadOnlySpan<ushort> frame, int stride, Block b, int maxValue, int bitsStored, Scratch scratch,
        Span<ushort> restored, out byte[] data)
    {
        data = [];
        var w = b.Width;
        var pixels = w * b.Height;
        scratch.Ensure(pixels);
        if (ReadHeader(frame, stride, b) is not { } h || h.DataBytes == 0)
        {
            return false;
        }
        var mirror = h.Mirror;
        var dataBytes = h.DataBytes;
        var headerBits = h.Bits.Count;
        var stepIndex = h.StepIndex;
        var work = scratch.Work;
        for (var y = 0; y < b.Height; y++)
        {
            var row = frame.Slice((b.Y + y) * stride + b.X, w);
            var target = work.AsSpan(y * w, w);
            if (mirror)
            {
                for (var x = 0; x < row.Length; x++)
                {
                    target[x] = maxValue - row[x];
                }
            }
            else
            {
                for (var x = 0; x < row.Length; x++)
                {
                    target[x] = row[x];
                }
            }
        }
        var step = Steps[stepIndex];
        var dataBits = dataBytes * 8 + PayloadCrcBits;
        var total = dataBits + headerBits;
        var half = (total + 1) / 2;
        scratch.EnsureBits(total);
        var lm = new LocationMap.Reader(h.Bits, h.LmStart, h.LmBits);
        // The decoder runs pass B first; pass A's bits come first in the payload.
        if (!DecodePass(b, 1, step, maxValue, bitsStored, lm, scratch.Bits, half, total - half, scratch)
            || !DecodePass(b, 0, step, maxValue, bitsStored, lm, scratch.Bits, 0, half, scratch))
        {
            return false;
        }
        var bits = scratch.Bits;
        var bytes = new byte[dataBytes];
        for (var i = 0; i < dataBytes; i++)
        {
            var value = 0;
            for (var k = 0; k < 8; k++)
            {
                value = (value << 1) | bits[8 * i + k];
            }
            bytes[i] = (byte)value;
        }
        var crc = 0;
        for (var k = 0; k < PayloadCrcBits; k++)
        {
            crc = (crc << 1) | bits[dataBytes * 8 + k];
        }
        if (PayloadCrc(b.Index, bytes) != crc)
        {
            return false;
        }
        for (var y = 0; y < b.Height; y++)
        {
            var source = work.AsSpan(y * w, w);
            var target = restored.Slice(y * w, w);
            for (var x = 0; x < source.Length; x++)
            {
                target[x] = (ushort)(mirror ? maxValue - source[x] : source[x]);
            }
        }
        for (var i = 0; i < headerBits; i++)
        {
            var offset = HeaderOffset(b, i);
            restored[offset] = (ushort)((restored[offset] & ~1) | bits[dataBits + i]);
        }
        data = bytes;
        return true;
    }

    /// <summary>Header bit i lives in the LSB of the i-th pixel of the first row, then of the last row.</summary>
    private static int HeaderOffset(Block b, int i) => i < b.Width ? i : (b.Height - 1) * b.Width + (i - b.Width);

    /// <summary>Whether the block's header checks out (cheap: reads only the LSBs of its first and last rows). Used to find the block size.</summary>
    public static bool HeaderPasses(ReadOnlySpan<ushort> frame, int stride, Block b) => ReadHeader(frame, stride, b) is not null;

    private static int HeaderCrc(Block b, BitList header)
    {
        Span<byte> seed = stackalloc byte[12];
        BinaryPrimitives.WriteInt32BigEndian(seed, b.Index);
        BinaryPrimitives.WriteInt32BigEndian(seed[4..], b.Width);
        BinaryPrimitives.WriteInt32BigEndian(seed[8..], b.Height);
        var packed = header.Pack(CrcBits, header.Count - CrcBits);
        // Seeded with the block's index and shape and a constant: an all-zero (flat) block, a block moved elsewhere or
        // read with the wrong block size never passes.
        return (int)(Crc32.Compute(packed, Crc32.Compute(seed, 0x52534D31)) & ((1u << CrcBits) - 1));
    }

    private static int PayloadCrc(int blockIndex, ReadOnlySpan<byte> data)
    {
        Span<byte> seed = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(seed, blockIndex);
        return (int)(Crc32.Compute(data, Crc32.Compute(seed, 0x52534D32)) & 0xFFFF);
    }

    /// <summary>
    /// Lists one pass's pixels (parity 0 = cross, 1 = dot) smoothest first, as positions in <see cref="Scratch.Order"/>.
    /// Complexity = sum of the six differences between the four neighbours; counting sort, stable, so ties keep raster
    /// order and the decoder rebuilds the same order.
    /// </summary>
    private static int Prepare(Block b, int parity, int bitsStored, Scratch scratch)
    {
        var work = scratch.Work.AsSpan();
        var positions = scratch.Position.AsSpan();
        var keys = scratch.Key.AsSpan();
        var w = b.Width;
        var count = 0;
        var shift = Math.Max(0, bitsStored - 10);
        var buckets = scratch.Buckets.AsSpan();
        buckets.Clear();
        var largest = 0;
        for (var y = 2; y <= b.Height - 3; y++)
        {
            var x = ((1 + y) & 1) == parity ? 1 : 2;
            var row = y * w;
            for (; x <= w - 2; x += 2)
            {
                var i = row + x;
                int n = work[i - w], s = work[i + w], west = work[i - 1], east = work[i + 1];
                var c = Math.Abs(n - s) + Math.Abs(west - east) + Math.Abs(n - west) + Math.Abs(west - s) + Math.Abs(s - east) + Math.Abs(east - n);
                var key = Math.Min(MaxKey, c >> shift);
                positions[count] = i;
                keys[count] = key;
                buckets[key + 1]++;
                largest = Math.Max(largest, key);
                count++;
            }
        }
        for (var k = 1; k <= largest + 1; k++)
        {
            buckets[k] += buckets[k - 1];
        }
        var order = scratch.Order.AsSpan();
        for (var j = 0; j < count; j++)
        {
            order[buckets[keys[j]]++] = positions[j];
        }
        return count;
    }

    /// <summary>How many pass-A pixels fall in each step's expandable range [−T, T) (cumulative over the steps).</summary>
    private static void EstimateCapacities(Block b, int maxValue, int bitsStored, bool mirror, Scratch scratch, Span<int> capacity)
    {
        LoadWork(b, maxValue, mirror, scratch);
        var work = scratch.Work;
        var w = b.Width;
        capacity.Clear();
        for (var y = 2; y <= b.Height - 3; y++)
        {
            var x = ((1 + y) & 1) == 0 ? 1 : 2;
            for (; x <= w - 2; x += 2)
            {
                var i = y * w + x;
                var e = work[i] - ((work[i - w] + work[i + w] + work[i - 1] + work[i + 1]) >> 2);
                var magnitude = e >= 0 ? e + 1 : -e; // e ∈ [−T, T) ⇔ magnitude ≤ T
                var s = 0;
                while (s < Steps.Length && Steps[s] < magnitude)
                {
                    s++;
                }
                if (s < Steps.Length)
                {
                    capacity[s]++;
                }
            }
        }
        for (var s = 1; s < Steps.Length; s++)
        {
            capacity[s] += capacity[s - 1];
        }
    }

    private static void LoadWork(Block b, int maxValue, bool mirror, Scratch scratch)
    {
        var pixels = b.Width * b.Height;
        var work = scratch.Work.AsSpan(0, pixels);
        var original = scratch.Original.AsSpan(0, pixels);
        if (mirror)
        {
            for (var i = 0; i < work.Length; i++)
            {
                work[i] = maxValue - original[i];
            }
        }
        else
        {
            original.CopyTo(work);
        }
    }

    private static bool TryPasses(Block b, int maxValue, int bitsStored, bool mirror, int step, int total, Scratch scratch)
    {
        LoadWork(b, maxValue, mirror, scratch);
        scratch.LocationCount = 0;
        var half = (total + 1) / 2;
        var countA = Prepare(b, 0, bitsStored, scratch);
        var embeddedA = EmbedPass(b, countA, step, maxValue, scratch, 0, half);
        if (embeddedA < half)
        {
            return false;
        }
        var entriesA = scratch.LocationCount;
        var countB = Prepare(b, 1, bitsStored, scratch);
        var embeddedB = EmbedPass(b, countB, step, maxValue, scratch, half, total - half);
        if (embeddedB < total - half)
        {
            return false;
        }
        // The decoder runs pass B first: its location-map answers come first.
        var entries = scratch.LocationEntries;
        var entriesB = scratch.LocationCount - entriesA;
        if (entriesA > 0 && entriesB > 0)
        {
            var reordered = new byte[scratch.LocationCount];
            entries.AsSpan(entriesA, entriesB).CopyTo(reordered);
            entries.AsSpan(0, entriesA).CopyTo(reordered.AsSpan(entriesB));
            reordered.CopyTo(entries, 0);
        }
        return true;
    }

    private static int EmbedPass(Block b, int count, int step, int maxValue, Scratch scratch, int start, int wanted)
    {
        var work = scratch.Work.AsSpan();
        var order = scratch.Order.AsSpan(0, count);
        var bits = scratch.Bits.AsSpan(start, wanted);
        var w = b.Width;
        var embedded = 0;
        for (var visited = 0; visited < order.Length && embedded < wanted; visited++)
        {
            var i = order[visited];
            var p = (work[i - w] + work[i + w] + work[i - 1] + work[i + 1]) >> 2;
            var x = work[i];
            var e = x - p;
            if (e >= 0 ? x > maxValue - step : x < step)
            {
                scratch.AddLocation(true); // could leave the range: left alone, and the decoder will ask
                continue;
            }
            int e2;
            if (e >= -step && e < step)
            {
                e2 = 2 * e + bits[embedded];
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
                scratch.AddLocation(false); // marked, but looks like a pixel that was left alone
            }
        }
        return embedded;
    }

    private static bool DecodePass(Block b, int parity, int step, int maxValue, int bitsStored, LocationMap.Reader lm,
        byte[] bits, int start, int wanted, Scratch scratch)
    {
        var count = Prepare(b, parity, bitsStored, scratch);
        var work = scratch.Work.AsSpan();
        var order = scratch.Order.AsSpan(0, count);
        var w = b.Width;
        var extracted = 0;
        for (var v = 0; v < order.Length && extracted < wanted; v++)
        {
            var i = order[v];
            var p = (work[i - w] + work[i + w] + work[i - 1] + work[i + 1]) >> 2;
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
                bits[start + extracted] = (byte)(e2 & 1);
                extracted++;
                e = e2 >> 1;
            }
            else
            {
                e = e2 >= 2 * step ? e2 - step : e2 + step;
            }
            work[i] = p + e;
        }
        return extracted == wanted;
    }
}
