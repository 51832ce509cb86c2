using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using RadSeal.Dicom;

namespace RadSeal.Imaging;

/// <summary>
/// Reads and writes the grayscale pixel data of a DICOM data set: the uncompressed syntaxes (either byte order) and RLE
/// Lossless, Bits Allocated 8 or 16, any Bits Stored / High Bit, unsigned or two's complement, MONOCHROME1/2, one or
/// more frames. Values are extracted as stored (no Modality or VOI LUT applied): the watermark works on those.
/// </summary>
public static class DicomPixels
{
    /// <summary>The pixels of <paramref name="file"/>.</summary>
    public static GrayImage Read(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Read(file.DataSet, file.TransferSyntax);
    }

    public static GrayImage Read(DicomDataSet ds, TransferSyntax syntax) => Read(ds, syntax, pool: null);

    /// <summary>
    /// The pixels of <paramref name="file"/> in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: for a caller that
    /// reads an image, looks at it and lets it go (the gateway's watermark check), so that checking a stream of large
    /// images does not allocate one large buffer per image. The image must not be used after the lease is disposed.
    /// </summary>
    public static PixelLease ReadPooled(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var pool = ArrayPool<ushort>.Shared;
        return new PixelLease(Read(file.DataSet, file.TransferSyntax, pool), pool);
    }

    private static GrayImage Read(DicomDataSet ds, TransferSyntax syntax, ArrayPool<ushort>? pool)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentNullException.ThrowIfNull(syntax);
        var layout = PixelLayout.From(ds);
        var frameBytes = layout.Width * layout.Height * layout.BytesPerSample;
        var needed = (long)frameBytes * layout.Frames;
        switch (ds.Find(DicomTag.PixelData))
        {
            case DicomElement element when !syntax.IsEncapsulated:
                var bytes = element.GetLittleEndianBytes().Span;
                if (bytes.Length < needed)
                {
                    throw new PixelDataException($"Pixel Data has {bytes.Length} bytes; {layout.Width}x{layout.Height}x{layout.Frames} samples of {layout.BitsAllocated} bits need {needed}.");
                }
                return Unpack(bytes[..(int)needed], layout, pool); // straight from the element's value: no intermediate copy
            case DicomFragmentSequence fragments when syntax.Uid == TransferSyntax.RleLossless.Uid:
                var raw = new byte[needed];
                var frames = FramesOf(fragments, layout.Frames);
                for (var f = 0; f < layout.Frames; f++)
                {
                    RleCodec.DecodeFrame(frames[f], layout.Width, layout.Height, layout.BytesPerSample).CopyTo(raw, (long)f * frameBytes);
                }
                return Unpack(raw, layout, pool);
            case DicomFragmentSequence:
                throw new PixelDataException($"Pixel data in {syntax.Name} cannot be decoded: RadSeal decodes the uncompressed syntaxes and RLE Lossless.");
            case null:
                throw new PixelDataException("The data set has no Pixel Data (7FE0,0010).");
            default:
                throw new PixelDataException($"Pixel Data does not match the transfer syntax {syntax.Name}.");
        }
    }

    /// <summary>
    /// A copy of <paramref name="file"/> whose pixels are <paramref name="image"/>, written in <paramref name="syntax"/>
    /// (default: the file's own syntax when it is uncompressed or RLE, else Explicit VR Little Endian). The pixel module
    /// attributes are set to describe the image.
    /// </summary>
    public static DicomFile WithPixels(DicomFile file, GrayImage image, TransferSyntax? syntax = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(image);
        syntax ??= file.TransferSyntax.IsEncapsulated && file.TransferSyntax.Uid != TransferSyntax.RleLossless.Uid
            ? TransferSyntax.ExplicitVRLittleEndian : file.TransferSyntax;
        var ds = new DicomDataSet(file.DataSet);
        Store(ds, image, syntax);
        var meta = new DicomDataSet(file.Meta);
        meta.SetString(DicomTag.TransferSyntaxUid, DicomVR.UI, syntax.Uid);
        return new DicomFile(meta, ds, syntax, file.Preamble);
    }

    /// <summary>Sets the image pixel module of <paramref name="ds"/> and its Pixel Data, encoded for <paramref name="syntax"/>.</summary>
    public static void Store(DicomDataSet ds, GrayImage image, TransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(syntax);
        var rle = syntax.Uid == TransferSyntax.RleLossless.Uid;
        if (syntax.IsEncapsulated && !rle)
        {
            throw new PixelDataException($"RadSeal cannot encode pixel data in {syntax.Name}; use an uncompressed syntax or RLE Lossless.");
        }
        var bitsAllocated = image.BitsStored <= 8 ? 8 : 16;
        ds.SetValues(DicomTags.SamplesPerPixel, DicomVR.US, (ushort)1);
        ds.SetString(DicomTags.PhotometricInterpretation, DicomVR.CS, image.Photometric == Photometric.Monochrome1 ? "MONOCHROME1" : "MONOCHROME2");
        ds.SetValues(DicomTags.Rows, DicomVR.US, (ushort)image.Height);
        ds.SetValues(DicomTags.Columns, DicomVR.US, (ushort)image.Width);
        ds.SetValues(DicomTags.BitsAllocated, DicomVR.US, (ushort)bitsAllocated);
        ds.SetValues(DicomTags.BitsStored, DicomVR.US, (ushort)image.BitsStored);
        ds.SetValues(DicomTags.HighBit, DicomVR.US, (ushort)(image.BitsStored - 1));
        ds.SetValues(DicomTags.PixelRepresentation, DicomVR.US, (ushort)(image.IsSigned ? 1 : 0));
        if (image.Frames > 1 || ds.Contains(DicomTags.NumberOfFrames))
        {
            ds.SetString(DicomTags.NumberOfFrames, DicomVR.IS, image.Frames.ToString(CultureInfo.InvariantCulture));
        }
        var raw = Pack(image, bitsAllocated);
        if (!rle)
        {
            if ((raw.Length & 1) == 1)
            {
                Array.Resize(ref raw, raw.Length + 1);
            }
            ds.Set(new DicomElement(DicomTag.PixelData, bitsAllocated == 8 ? DicomVR.OB : DicomVR.OW,
                ValueBuffer.From(syntax.IsLittleEndian || bitsAllocated == 8 ? raw : Swap16(raw)), syntax.IsLittleEndian));
            return;
        }
        var bytesPerSample = bitsAllocated / 8;
        var frameBytes = image.FrameLength * bytesPerSample;
        var fragments = new List<ValueBuffer>(image.Frames);
        var offsets = new byte[image.Frames > 1 ? 4 * image.Frames : 0];
        uint offset = 0;
        for (var f = 0; f < image.Frames; f++)
        {
            var encoded = RleCodec.EncodeFrame(raw.AsSpan(f * frameBytes, frameBytes), image.Width, image.Height, bytesPerSample);
            if (offsets.Length > 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(offsets.AsSpan(4 * f), offset);
            }
            offset += (uint)encoded.Length + 8; // each fragment is preceded by an 8-byte item header
            fragments.Add(ValueBuffer.From(encoded));
        }
        ds.Set(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, ValueBuffer.From(offsets), fragments));
    }

    private static byte[] Swap16(byte[] raw)
    {
        var copy = (byte[])raw.Clone();
        for (var i = 0; i + 1 < copy.Length; i += 2)
        {
            (copy[i], copy[i + 1]) = (copy[i + 1], copy[i]);
        }
        return copy;
    }

    /// <summary>One byte array per frame: one fragment per frame (PS3.5 A.4.2), or fragments grouped by the offset table.</summary>
    private static byte[][] FramesOf(DicomFragmentSequence fragments, int frames)
    {
        var list = fragments.Fragments;
        if (list.Count == frames)
        {
            return [.. list.Select(f => f.GetMemory().ToArray())];
        }
        if (frames == 1)
        {
            return [[.. list.SelectMany(f => f.GetMemory().ToArray())]];
        }
        var offsets = fragments.GetBasicOffsets();
        if (offsets.Count != frames)
        {
            throw new PixelDataException($"{list.Count} RLE fragments for {frames} frames and no usable Basic Offset Table.");
        }
        var result = new byte[frames][];
        var position = 0L;
        var frameIndex = -1;
        var current = new List<byte>();
        foreach (var fragment in list)
        {
            while (frameIndex + 1 < frames && offsets[frameIndex + 1] == position)
            {
                if (frameIndex >= 0)
                {
                    result[frameIndex] = [.. current];
                }
                current.Clear();
                frameIndex++;
            }
            current.AddRange(fragment.GetMemory().ToArray());
            position += fragment.Length + 8;
        }
        if (frameIndex != frames - 1)
        {
            throw new PixelDataException("The Basic Offset Table does not point at fragment starts.");
        }
        result[frameIndex] = [.. current];
        return result;
    }

    private static GrayImage Unpack(ReadOnlySpan<byte> raw, PixelLayout layout, ArrayPool<ushort>? pool)
    {
        var count = layout.Width * layout.Height * layout.Frames;
        var samples = pool is null ? GC.AllocateUninitializedArray<ushort>(count) : pool.Rent(count);
        var shift = layout.HighBit - layout.BitsStored + 1;
        var mask = (1 << layout.BitsStored) - 1;
        // Two's complement within BitsStored becomes offset binary by flipping its top bit: order is preserved.
        var flip = layout.IsSigned ? 1 << (layout.BitsStored - 1) : 0;
        var i = 0;
        if (layout.BytesPerSample == 1)
        {
            for (; i < count; i++)
            {
                samples[i] = (ushort)((((raw[i] >> shift) & mask)) ^ flip);
            }
        }
        else if (BitConverter.IsLittleEndian)
        {
            // The hot path (every 16-bit image the gateway and the watermark read): whole vectors of samples at a time.
            var words = MemoryMarshal.Cast<byte, ushort>(raw[..(2 * count)]);
            if (shift == 0 && mask == ushort.MaxValue && flip == 0)
            {
                words.CopyTo(samples.AsSpan(0, count));
                i = count;
            }
            else if (Vector.IsHardwareAccelerated)
            {
                var vmask = new Vector<ushort>((ushort)mask);
                var vflip = new Vector<ushort>((ushort)flip);
                for (; i <= count - Vector<ushort>.Count; i += Vector<ushort>.Count)
                {
                    ((Vector.ShiftRightLogical(new Vector<ushort>(words[i..]), shift) & vmask) ^ vflip).CopyTo(samples.AsSpan(i));
                }
            }
            for (; i < count; i++)
            {
                samples[i] = (ushort)(((words[i] >> shift) & mask) ^ flip);
            }
        }
        else
        {
            for (; i < count; i++)
            {
                var v = raw[2 * i] | (raw[2 * i + 1] << 8);
                samples[i] = (ushort)(((v >> shift) & mask) ^ flip);
            }
        }
        return pool is null
            ? new GrayImage(layout.Width, layout.Height, layout.BitsStored, layout.IsSigned, layout.Frames, layout.Photometric, samples)
            : new GrayImage(layout.Width, layout.Height, layout.BitsStored, layout.IsSigned, layout.Frames, layout.Photometric, samples, pooled: true);
    }

    private static byte[] Pack(GrayImage image, int bitsAllocated)
    {
        var samples = image.Samples;
        var flip = image.IsSigned ? 1 << (image.BitsStored - 1) : 0;
        if (bitsAllocated == 8)
        {
            var bytes = new byte[samples.Length];
            for (var i = 0; i < samples.Length; i++)
            {
                bytes[i] = (byte)SignExtend(samples[i] ^ flip, image);
            }
            return bytes;
        }
        var words = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(words.AsSpan(2 * i), (ushort)SignExtend(samples[i] ^ flip, image));
        }
        return words;
    }

    /// <summary>Signed values are written sign-extended above Bits Stored, as most writers (and pydicom) expect.</summary>
    private static int SignExtend(int value, GrayImage image)
    {
        if (!image.IsSigned || (value & (1 << (image.BitsStored - 1))) == 0)
        {
            return value;
        }
        return value | ~((1 << image.BitsStored) - 1);
    }
}

/// <summary>The image pixel module attributes that say how to read Pixel Data (PS3.3 C.7.6.3).</summary>
public sealed record PixelLayout(int Width, int Height, int Frames, int BitsAllocated, int BitsStored, int HighBit, bool IsSigned, Photometric Photometric)
{
    public int BytesPerSample => BitsAllocated / 8;

    public static PixelLayout From(DicomDataSet ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        int Required(DicomTag tag, string name) =>
            ds.GetValue<ushort>(tag) is { } v ? v : throw new PixelDataException($"{name} {tag} is missing.");
        var samplesPerPixel = ds.GetValue<ushort>(DicomTags.SamplesPerPixel) ?? 1;
        if (samplesPerPixel != 1)
        {
            throw new PixelDataException($"Samples per Pixel is {samplesPerPixel}: RadSeal handles grayscale images (1 sample per pixel).");
        }
        var photometricText = ds.GetString(DicomTags.PhotometricInterpretation)?.Trim() ?? "";
        var photometric = photometricText switch
        {
            "MONOCHROME2" => Photometric.Monochrome2,
            "MONOCHROME1" => Photometric.Monochrome1,
            _ => throw new PixelDataException($"Photometric Interpretation '{photometricText}' is not supported (MONOCHROME1 or MONOCHROME2)."),
        };
        var rows = Required(DicomTags.Rows, "Rows");
        var columns = Required(DicomTags.Columns, "Columns");
        var allocated = Required(DicomTags.BitsAllocated, "Bits Allocated");
        var stored = Required(DicomTags.BitsStored, "Bits Stored");
        var highBit = Required(DicomTags.HighBit, "High Bit");
        var representation = Required(DicomTags.PixelRepresentation, "Pixel Representation");
        var frames = 1;
        if (ds.GetString(DicomTags.NumberOfFrames) is { } text && text.Trim().Length > 0)
        {
            if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out frames) || frames < 1)
            {
                throw new PixelDataException($"Number of Frames '{text.Trim()}' is not a positive integer.");
            }
        }
        if (allocated is not (8 or 16))
        {
            throw new PixelDataException($"Bits Allocated {allocated} is not supported (8 or 16).");
        }
        if (stored < 1 || stored > allocated || highBit >= allocated || highBit < stored - 1)
        {
            throw new PixelDataException($"Bits Stored {stored} / High Bit {highBit} do not fit in Bits Allocated {allocated}.");
        }
        if (representation > 1)
        {
            throw new PixelDataException($"Pixel Representation {representation} is not 0 or 1.");
        }
        if (rows == 0 || columns == 0)
        {
            throw new PixelDataException($"Image of {columns}x{rows} pixels has no pixels.");
        }
        if ((long)rows * columns * frames * (allocated / 8) > Array.MaxLength)
        {
            throw new PixelDataException($"{columns}x{rows}x{frames} pixels are too many to decode in memory.");
        }
        return new PixelLayout(columns, rows, frames, allocated, stored, highBit, representation == 1, photometric);
    }
}

/// <summary>An image whose samples are rented (<see cref="DicomPixels.ReadPooled"/>); disposing returns them.</summary>
public sealed class PixelLease : IDisposable
{
    private readonly ArrayPool<ushort> pool;
    private GrayImage? image;

    internal PixelLease(GrayImage image, ArrayPool<ushort> pool)
    {
        this.image = image;
        this.pool = pool;
    }

    public GrayImage Image => image ?? throw new ObjectDisposedException(nameof(PixelLease));

    public void Dispose()
    {
        if (image is { } leased)
        {
            image = null;
            pool.Return(leased.Buffer);
        }
    }
}
