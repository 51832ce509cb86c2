using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    /// <summary>One pass's pixels in visiting order (smoothest first), placed lazily: only as far as the pass gets.</summary>
    internal sealed class PassOrder
    {
        public ushort[] Key = [];
        public int[] Order = [];
        public int[] RowKeys = [];
        public int[] RowStart = [];
        public Block Block;
        public int Stride, Parity, Shift;
        public readonly int[] Buckets = new int[MaxKey + 1];
        public readonly int[] Starts = new int[MaxKey + 1];
        public int Count;
        public int Placed;
        public int Threshold;

        public void Ensure(int pixels, int width)
        {
            if (RowKeys.Length < width)
            {
                RowKeys = new int[width];
            }
            if (RowStart.Length < pixels / Math.Max(1, width) + 1)
            {
                RowStart = new int[pixels / Math.Max(1, width) + 1];
            }
            if (Key.Length < pixels / 2 + 2)
            {
                Key = new ushort[pixels / 2 + 2];
            }
        }

        /// <summary>Forgets any placement (the keys stay).</summary>
        public void Reset()
        {
            Placed = 0;
            Threshold = -1;
        }

        /// <summary>
        /// Recomputes the keys of this pass's pixels next to <paramref name="modified"/> (pixels of the other pass that
        /// were just changed): the only keys that can have changed, as a key depends on the four neighbours only.
        /// </summary>
        public void FixUp(ReadOnlySpan<ushort> frame, ReadOnlySpan<int> modified)
        {
            var origin = Block.Y * Stride + Block.X;
            foreach (var i in modified)
            {
                FixOne(frame, i - 1, origin);
                FixOne(frame, i + 1, origin);
                FixOne(frame, i - Stride, origin);
                FixOne(frame, i + Stride, origin);
            }
        }

        private void FixOne(ReadOnlySpan<ushort> frame, int i, int origin)
        {
            var relative = i - origin;
            if (relative < 0)
            {
                return;
            }
            int y = relative / Stride, x = relative % Stride;
            if (y < 2 || y > Block.Height - 3 || x < 1 || x > Block.Width - 2 || ((x + y) & 1) != Parity)
            {
                return;
            }
            var j = RowStart[y] + (x - (((1 + y) & 1) == Parity ? 1 : 2)) / 2;
            int n = frame[i - Stride], s = frame[i + Stride], west = frame[i - 1], east = frame[i + 1];
            var c = Math.Abs(n - s) + Math.Abs(west - east) + Math.Abs(n - west) + Math.Abs(west - s) + Math.Abs(s - east) + Math.Abs(east - n);
            var key = (ushort)Math.Min(MaxKey, c >> Shift);
            if (key != Key[j])
            {
                Buckets[Key[j]]--;
                Buckets[key]++;
                Key[j] = key;
            }
        }

        /// <summary>
        /// Places the pixels of the next complexity classes (counting sort restricted to them, stable, so ties keep
        /// raster order and the decoder rebuilds the same order) until at least <paramref name="want"/> are placed.
        /// False when every pixel is placed already. Callers at least double the placed count each time, so the scans
        /// over the keys stay a small multiple of one pass.
        /// </summary>
        public bool Extend(int want)
        {
            if (Placed >= Count)
            {
                return false;
            }
            var last = Threshold;
            var total = Placed;
            while (last < MaxKey && (total < want || total == Placed))
            {
                last++;
                Starts[last] = total;
                total += Buckets[last];
            }
            if (Order.Length < total)
            {
                Array.Resize(ref Order, Math.Min(Count, Math.Max(total, 2 * Order.Length)));
            }
            var keys = Key.AsSpan(0, Count);
            var order = Order.AsSpan();
            var starts = Starts.AsSpan();
            var low = Threshold;
            // The positions are the pass's pixels in raster order, as Prepare listed them.
            var j = 0;
            for (var y = 2; y <= Block.Height - 3; y++)
            {
                var row = (Block.Y + y) * Stride + Block.X;
                for (var x = ((1 + y) & 1) == Parity ? 1 : 2; x <= Block.Width - 2; x += 2, j++)
                {
                    var k = keys[j];
                    if (k > low && k <= last)
                    {
                        order[starts[k]++] = row + x;
                    }
                }
            }
            Placed = total;
            Threshold = last;
            return true;
        }
    }

    /// <summary>Scratch buffers reused across blocks so marking a large image allocates almost nothing per block.</summary>
    internal sealed class Scratch
    {
        public readonly PassOrder A = new(), B = new();
        public byte[] Bits = new byte[1024];
        public byte[] LocationEntries = new byte[256];
        public int LocationCount;
        public int[] UndoPosition = new int[1024];
        public ushort[] UndoValue = new ushort[1024];
        public int UndoCount;

        /// <summary>Distortion of the last embedded block: pixels changed, largest change, sum of squared changes.</summary>
        public long Changed;
        public int Largest;
        public double Squares;

        public void Ensure(int pixels, int width)
        {
            A.Ensure(pixels, width);
            B.Ensure(pixels, width);
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

        /// <summary>Writes a pixel, remembering what it was.</summary>
        public void Set(Span<ushort> frame, int i, int value)
        {
            if (UndoCount == UndoPosition.Length)
            {
                Array.Resize(ref UndoPosition, 2 * UndoCount);
                Array.Resize(ref UndoValue, 2 * UndoCount);
            }
            UndoPosition[UndoCount] = i;
            UndoValue[UndoCount++] = frame[i];
            frame[i] = (ushort)value;
        }

        public void Undo(Span<ushort> frame)
        {
            for (var k = UndoCount - 1; k >= 0; k--)
            {
                frame[UndoPosition[k]] = UndoValue[k];
            }
            UndoCount = 0;
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
    /// <remarks>
    /// Called for every block of every image the gateway checks, nearly all unmarked: the bits are read into a stack
    /// buffer, row by row, and the header's <see cref="BitList"/> is built only for one that passes its CRC.
    /// </remarks>
    private static Header? ReadHeader(ReadOnlySpan<ushort> frame, int stride, Block b)
    {
        var capacity = 2 * b.Width;
        if (b.Height < MinHeight || b.Width < MinWidth || capacity < CrcBits + 8)
        {
            return null;
        }
        // The header's bit i lies at HeaderOffset(b, i): the first row, then the last.
        Span<byte> bits = capacity <= 1024 ? stackalloc byte[capacity] : new byte[capacity];
        LowBits(frame.Slice(b.Y * stride + b.X, b.Width), bits[..b.Width]);
        LowBits(frame.Slice((b.Y + b.Height - 1) * stride + b.X, b.Width), bits[b.Width..]);
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
        var used = bits[..length];
        if (HeaderCrc(b, used) != (int)ReadNumber(used, 0, CrcBits))
        {
            return null;
        }
        var header = new BitList(length);
        foreach (var bit in used)
        {
            header.Add(bit);
        }
        return new Header(step - 1, mirror, dataBytes, position, lmPlusOne - 1, header);
    }

    private static void LowBits(ReadOnlySpan<ushort> pixels, Span<byte> bits)
    {
        for (var i = 0; i < pixels.Length; i++)
        {
            bits[i] = (byte)(pixels[i] & 1);
        }
    }

    private static long ReadNumber(ReadOnlySpan<byte> bits, int start, int width)
    {
        long value = 0;
        foreach (var bit in bits.Slice(start, width))
        {
            value = (value << 1) | bit;
        }
        return value;
    }

    private static bool TryGamma(ReadOnlySpan<byte> bits, ref int position, out int value)
    {
        value = 0;
        var zeros = 0;
        while (position < bits.Length && bits[position] == 0)
        {
            zeros++;
            position++;
            if (zeros > 24)
            {
                return false;
            }
        }
        if (position + zeros + 1 > bits.Length)
        {
            return false;
        }
        value = (int)ReadNumber(bits, position, zeros + 1);
        position += zeros + 1;
        return true;
    }

    private static void AddGamma(BitList bits, int value)
    {
        var width = BitList.WidthFor(value) - 1;
        bits.AddNumber(0, width);
        bits.AddNumber(value, width + 1);
    }

    /// <summary>
    /// Embeds <paramref name="data"/> in the block, in place; false (pixels untouched) when it does not fit at any step.
    /// The block's distortion is left in the scratch. A mirrored block is handled as v XOR max (= max − v on 0..max),
    /// so no copy of the block is made.
    /// </summary>
    public static bool TryEmbed(Span<ushort> frame, int stride, Block b, int maxValue, int bitsStored, ReadOnlySpan<byte> data,
        Scratch scratch, out int step)
    {
        step = 0;
        var w = b.Width;
        scratch.Ensure(w * b.Height, w);
        if (data.Length > MaxDataBytes(b) || b.Height < MinHeight || w < MinWidth)
        {
            return false;
        }
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
        // Pass A's order does not depend on the step or on mirroring (complexity is a sum of differences), so it is
        // computed once; the same loop counts the saturated pixels and estimates each step's room.
        Span<int> capacity = stackalloc int[Steps.Length];
        var (zeros, maxima) = Prepare(frame, stride, b, 0, bitsStored, scratch.A, capacity, maxValue, scratch.B);
        var mask = maxima > zeros ? maxValue : 0;
        scratch.UndoCount = 0;
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
                    bits[dataBits + i] = (byte)(frame[HeaderIndex(b, stride, i)] & 1);
                }
                if (!TryPasses(frame, stride, b, maxValue, bitsStored, mask, Steps[s], dataBits + headerBits, scratch))
                {
                    UndoAttempt(frame, scratch);
                    break; // this step has too little room; try the next one
                }
                var lm = LocationMap.Encode(scratch.LocationEntries.AsSpan(0, scratch.LocationCount));
                if (lm.Count > lmGuess)
                {
                    UndoAttempt(frame, scratch);
                    lmGuess = lm.Count + 8; // a little slack (the reader ignores padding), so one retry is enough
                    continue;
                }
                var header = new BitList(headerBits);
                header.AddNumber(0, CrcBits);
                AddGamma(header, s + 1);
                header.AddNumber(mask != 0 ? 1 : 0, MirrorBits);
                AddGamma(header, data.Length);
                AddGamma(header, lmGuess + 1);
                header.AddRange(lm);
                while (header.Count < headerBits)
                {
                    header.Add(0);
                }
                header.SetNumber(0, CrcBits, HeaderCrc(b, header.AsSpan()));
                for (var i = 0; i < header.Count; i++)
                {
                    var index = HeaderIndex(b, stride, i);
                    if ((frame[index] & 1) != header[i])
                    {
                        scratch.Set(frame, index, frame[index] ^ 1);
                    }
                }
                RecordDistortion(frame, scratch);
                step = Steps[s];
                return true;
            }
        }
        return false;
    }

    /// <summary>Undoes an attempt and puts pass B's keys back as they were on the unmarked block (pass A's never change).</summary>
    private static void UndoAttempt(Span<ushort> frame, Scratch scratch)
    {
        var modified = scratch.UndoPosition.AsSpan(0, scratch.UndoCount).ToArray();
        scratch.Undo(frame);
        scratch.B.FixUp(frame, modified);
    }

    /// <summary>The distortion from the undo log: every changed pixel was logged once with its original value (the log is left for the caller).</summary>
    private static void RecordDistortion(ReadOnlySpan<ushort> frame, Scratch scratch)
    {
        long changed = 0;
        var largest = 0;
        double squares = 0;
        for (var k = 0; k < scratch.UndoCount; k++)
        {
            var d = frame[scratch.UndoPosition[k]] - scratch.UndoValue[k];
            if (d != 0)
            {
                changed++;
                largest = Math.Max(largest, Math.Abs(d));
                squares += (double)d * d;
            }
        }
        scratch.Changed = changed;
        scratch.Largest = largest;
        scratch.Squares = squares;
    }

    /// <summary>
    /// Reads the block and restores its original pixels in place (<paramref name="frame"/> is a copy the caller owns).
    /// False, with the pixels as they were, when the block carries no readable mark.
    /// </summary>
    public static bool TryExtract(Span<ushort> frame, int stride, Block b, int maxValue, int bitsStored, Scratch scratch, out byte[] data)
    {
        data = [];
        scratch.Ensure(b.Width * b.Height, b.Width);
        if (ReadHeader(frame, stride, b) is not { } h || h.DataBytes == 0)
        {
            return false;
        }
        var mask = h.Mirror ? maxValue : 0;
        var dataBytes = h.DataBytes;
        var headerBits = h.Bits.Count;
        var step = Steps[h.StepIndex];
        var dataBits = dataBytes * 8 + PayloadCrcBits;
        var total = dataBits + headerBits;
        var half = (total + 1) / 2;
        scratch.EnsureBits(total);
        scratch.UndoCount = 0;
        var lm = new LocationMap.Reader(h.Bits, h.LmStart, h.LmBits);
        // The decoder runs pass B first; pass A's bits come first in the payload.
        Prepare(frame, stride, b, 1, bitsStored, scratch.B, [], maxValue, scratch.A);
        if (!DecodePass(frame, stride, step, maxValue, mask, lm, scratch.Bits, half, total - half, scratch.B, scratch))
        {
            scratch.Undo(frame);
            return false;
        }
        scratch.A.FixUp(frame, scratch.UndoPosition.AsSpan(0, scratch.UndoCount));
        if (!DecodePass(frame, stride, step, maxValue, mask, lm, scratch.Bits, 0, half, scratch.A, scratch))
        {
            scratch.Undo(frame);
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
            scratch.Undo(frame);
            return false;
        }
        for (var i = 0; i < headerBits; i++)
        {
            var index = HeaderIndex(b, stride, i);
            frame[index] = (ushort)((frame[index] & ~1) | bits[dataBits + i]);
        }
        scratch.UndoCount = 0;
        data = bytes;
        return true;
    }

    private static int HeaderIndex(Block b, int stride, int i)
    {
        var offset = HeaderOffset(b, i);
        return (b.Y + offset / b.Width) * stride + b.X + offset % b.Width;
    }

    /// <summary>Header bit i lives in the LSB of the i-th pixel of the first row, then of the last row.</summary>
    private static int HeaderOffset(Block b, int i) => i < b.Width ? i : (b.Height - 1) * b.Width + (i - b.Width);

    /// <summary>Whether the block's header checks out (cheap: reads only the LSBs of its first and last rows). Used to find the block size.</summary>
    public static bool HeaderPasses(ReadOnlySpan<ushort> frame, int stride, Block b) => ReadHeader(frame, stride, b) is not null;

    private static int HeaderCrc(Block b, ReadOnlySpan<byte> header)
    {
        Span<byte> seed = stackalloc byte[12];
        BinaryPrimitives.WriteInt32BigEndian(seed, b.Index);
        BinaryPrimitives.WriteInt32BigEndian(seed[4..], b.Width);
        BinaryPrimitives.WriteInt32BigEndian(seed[8..], b.Height);
        // The bits after the CRC, packed most significant first.
        var count = header.Length - CrcBits;
        Span<byte> packed = count <= 8192 ? stackalloc byte[(count + 7) / 8] : new byte[(count + 7) / 8];
        packed.Clear();
        for (var i = 0; i < count; i++)
        {
            packed[i >> 3] |= (byte)(header[CrcBits + i] << (7 - (i & 7)));
        }
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
    /// Lists one pass's pixels (parity 0 = cross, 1 = dot) with their complexity key (sum of the six differences between
    /// the four neighbours), ready for lazy placement. With <paramref name="capacity"/> non-empty, also estimates each
    /// step's expandable pixels and the pixels at 0 and at <paramref name="maxValue"/> (from every fourth pixel: the
    /// estimate only picks the first step to try and the mirror, both the encoder's choice, recorded in the header).
    /// </summary>
    private static (int Zeros, int Maxima) Prepare(ReadOnlySpan<ushort> frame, int stride, Block b, int parity, int bitsStored, PassOrder pass,
        Span<int> capacity, int maxValue, PassOrder other)
    {
        var shift = Math.Max(0, bitsStored - 10);
        foreach (var (p, q) in new[] { (pass, parity), (other, 1 - parity) })
        {
            p.Block = b;
            p.Stride = stride;
            p.Parity = q;
            p.Shift = shift;
            p.Buckets.AsSpan().Clear();
            p.Count = 0;
            p.Reset();
        }
        int zeros = 0, maxima = 0;
        var estimate = !capacity.IsEmpty;
        capacity.Clear();
        var rowKeys = pass.RowKeys.AsSpan(0, b.Width);
        for (var y = 2; y <= b.Height - 3; y++)
        {
            var row = (b.Y + y) * stride + b.X;
            RowKeys(frame, row, stride, b.Width, shift, rowKeys);
            // The other pass's keys from the same row (they are fixed up later where this pass changes pixels).
            other.RowStart[y] = other.Count;
            var otherKeys = other.Key.AsSpan();
            var otherBuckets = other.Buckets.AsSpan();
            var otherCount = other.Count;
            for (var x = ((1 + y) & 1) == other.Parity ? 1 : 2; x <= b.Width - 2; x += 2)
            {
                var key = rowKeys[x];
                otherKeys[otherCount++] = (ushort)key;
                otherBuckets[key]++;
            }
            other.Count = otherCount;
            pass.RowStart[y] = pass.Count;
            var keys = pass.Key.AsSpan();
            var buckets = pass.Buckets.AsSpan();
            var count = pass.Count;
            for (var x = ((1 + y) & 1) == parity ? 1 : 2; x <= b.Width - 2; x += 2)
            {
                var key = rowKeys[x];
                keys[count] = (ushort)key;
                buckets[key]++;
                count++;
                if (estimate && (count & 3) == 0)
                {
                    var i = row + x;
                    int v = frame[i], n = frame[i - stride], s = frame[i + stride], west = frame[i - 1], east = frame[i + 1];
                    zeros += v == 0 ? 4 : 0;
                    maxima += v == maxValue ? 4 : 0;
                    var e = v - ((n + s + west + east) >> 2);
                    var magnitude = e >= 0 ? e + 1 : -e; // e ∈ [−T, T) ⇔ magnitude ≤ T
                    var k = 0;
                    while (k < Steps.Length && Steps[k] < magnitude)
                    {
                        k++;
                    }
                    if (k < Steps.Length)
                    {
                        capacity[k] += 4;
                    }
                }
            }
            pass.Count = count;
        }
        for (var k = 1; k < capacity.Length; k++)
        {
            capacity[k] += capacity[k - 1];
        }
        return (zeros, maxima);
    }

    /// <summary>
    /// Complexity keys of one row's pixels 1..width−2 (both parities: the pass picks its own), 16 at a time where the
    /// hardware has 256-bit vectors.
    /// </summary>
    private static void RowKeys(ReadOnlySpan<ushort> frame, int row, int stride, int width, int shift, Span<int> keys)
    {
        var x = 1;
        if (Vector256.IsHardwareAccelerated && row - stride >= 0 && row + stride + width <= frame.Length)
        {
            ref var f = ref MemoryMarshal.GetReference(frame);
            ref var k = ref MemoryMarshal.GetReference(keys);
            var limit = Vector256.Create(MaxKey);
            for (; x + 16 <= width - 1; x += 16)
            {
                var i = (nuint)(row + x);
                var (nl, nh) = Vector256.Widen(Vector256.LoadUnsafe(ref f, i - (nuint)stride));
                var (sl, sh) = Vector256.Widen(Vector256.LoadUnsafe(ref f, i + (nuint)stride));
                var (wl, wh) = Vector256.Widen(Vector256.LoadUnsafe(ref f, i - 1));
                var (el, eh) = Vector256.Widen(Vector256.LoadUnsafe(ref f, i + 1));
                Complexity(nl.AsInt32(), sl.AsInt32(), wl.AsInt32(), el.AsInt32(), shift, limit).StoreUnsafe(ref k, (nuint)x);
                Complexity(nh.AsInt32(), sh.AsInt32(), wh.AsInt32(), eh.AsInt32(), shift, limit).StoreUnsafe(ref k, (nuint)x + 8);
            }
        }
        for (; x <= width - 2; x++)
        {
            var i = row + x;
            int n = frame[i - stride], s = frame[i + stride], west = frame[i - 1], east = frame[i + 1];
            var c = Math.Abs(n - s) + Math.Abs(west - east) + Math.Abs(n - west) + Math.Abs(west - s) + Math.Abs(s - east) + Math.Abs(east - n);
            keys[x] = Math.Min(MaxKey, c >> shift);
        }
    }

    private static Vector256<int> Complexity(Vector256<int> n, Vector256<int> s, Vector256<int> w, Vector256<int> e, int shift, Vector256<int> limit)
    {
        var c = Vector256.Abs(n - s) + Vector256.Abs(w - e) + Vector256.Abs(n - w) + Vector256.Abs(w - s) + Vector256.Abs(s - e) + Vector256.Abs(e - n);
        return Vector256.Min(Vector256.ShiftRightLogical(c, shift), limit);
    }

    private static bool TryPasses(Span<ushort> frame, int stride, Block b, int maxValue, int bitsStored, int mask, int step, int total, Scratch scratch)
    {
        scratch.LocationCount = 0;
        var half = (total + 1) / 2;
        if (EmbedPass(frame, stride, step, maxValue, mask, scratch, scratch.A, 0, half) < half)
        {
            return false;
        }
        var entriesA = scratch.LocationCount;
        scratch.B.FixUp(frame, scratch.UndoPosition.AsSpan(0, scratch.UndoCount));
        scratch.B.Reset();
        if (EmbedPass(frame, stride, step, maxValue, mask, scratch, scratch.B, half, total - half) < total - half)
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

    private static int EmbedPass(Span<ushort> frame, int stride, int step, int maxValue, int mask, Scratch scratch, PassOrder pass, int start, int wanted)
    {
        var bits = scratch.Bits.AsSpan(start, wanted);
        var embedded = 0;
        for (var visited = 0; embedded < wanted; visited++)
        {
            if (visited == pass.Placed && !pass.Extend(NextWant(pass, visited, wanted - embedded)))
            {
                break;
            }
            var i = pass.Order[visited];
            var p = ((frame[i - stride] ^ mask) + (frame[i + stride] ^ mask) + (frame[i - 1] ^ mask) + (frame[i + 1] ^ mask)) >> 2;
            var x = frame[i] ^ mask;
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
            if (x2 != x)
            {
                scratch.Set(frame, i, x2 ^ mask);
            }
            if (e2 >= 0 ? x2 > maxValue - step : x2 < step)
            {
                scratch.AddLocation(false); // marked, but looks like a pixel that was left alone
            }
        }
        return embedded;
    }

    /// <summary>How far to place next: each placement scans all of the pass's keys, so place generously (an eighth of the pass, then four times as much).</summary>
    private static int NextWant(PassOrder pass, int visited, int remainingBits) =>
        Math.Max(Math.Max(4 * visited, pass.Count / 8), Math.Max(4096, visited + 16 * remainingBits));

    private static bool DecodePass(Span<ushort> frame, int stride, int step, int maxValue, int mask, LocationMap.Reader lm,
        byte[] bits, int start, int wanted, PassOrder pass, Scratch scratch)
    {
        var extracted = 0;
        for (var v = 0; extracted < wanted; v++)
        {
            if (v == pass.Placed && !pass.Extend(NextWant(pass, v, wanted - extracted)))
            {
                return false;
            }
            var i = pass.Order[v];
            var p = ((frame[i - stride] ^ mask) + (frame[i + stride] ^ mask) + (frame[i - 1] ^ mask) + (frame[i + 1] ^ mask)) >> 2;
            var x2 = frame[i] ^ mask;
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
            var x = p + e;
            if (x != x2)
            {
                if (x < 0 || x > maxValue)
                {
                    return false; // not a marked pixel: this block was not marked (or was changed)
                }
                scratch.Set(frame, i, x ^ mask);
            }
        }
        return true;
    }
}
