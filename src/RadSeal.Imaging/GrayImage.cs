namespace RadSeal.Imaging;

/// <summary>How stored values map to brightness (PS3.3 C.7.6.3.1.2): MONOCHROME1 shows the minimum as white.</summary>
public enum Photometric
{
    Monochrome2,
    Monochrome1,
}

/// <summary>
/// A grayscale image of one or more frames, as stored values. Every sample is kept in an unsigned domain
/// 0..<see cref="MaxValue"/>: unsigned data as is, signed data (Pixel Representation 1) offset by 2^(BitsStored-1), so
/// that value order is preserved and integer algorithms (the watermark's predictor) see one range. Rows are contiguous;
/// frames follow each other.
/// </summary>
public sealed class GrayImage
{
    private readonly ushort[] samples;

    /// <summary>How many of <see cref="samples"/> are the image (a pooled buffer may be longer).</summary>
    private readonly int count;

    public GrayImage(int width, int height, int bitsStored, bool isSigned = false, int frames = 1,
        Photometric photometric = Photometric.Monochrome2, ushort[]? samples = null)
        : this(width, height, bitsStored, isSigned, frames, photometric, samples, pooled: false)
    {
    }

    /// <summary>
    /// With <paramref name="pooled"/>, an image over the first width×height×frames samples of a longer buffer (one rented
    /// from a pool); otherwise the buffer, if given, must hold exactly the image.
    /// </summary>
    internal GrayImage(int width, int height, int bitsStored, bool isSigned, int frames, Photometric photometric, ushort[]? buffer, bool pooled)
    {
        count = Validate(width, height, bitsStored, frames);
        if (buffer is not null && (pooled ? buffer.Length < count : buffer.Length != count))
        {
            throw new ArgumentException($"Expected {(pooled ? "at least " : "")}{count} samples, got {buffer.Length}.", pooled ? nameof(buffer) : "samples");
        }
        Width = width;
        Height = height;
        Frames = frames;
        BitsStored = bitsStored;
        IsSigned = isSigned;
        Photometric = photometric;
        samples = buffer ?? new ushort[count];
    }

    private static int Validate(int width, int height, int bitsStored, int frames)
    {
        if (width <= 0 || height <= 0 || frames <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"An image needs positive dimensions, not {width}x{height}x{frames}.");
        }
        if (bitsStored is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(bitsStored), $"Bits Stored must be 1..16, not {bitsStored}.");
        }
        var count = (long)width * height * frames;
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height}x{frames} samples do not fit in one buffer.");
        }
        return (int)count;
    }

    public int Width { get; }
    public int Height { get; }
    public int Frames { get; }
    public int BitsStored { get; }

    /// <summary>True when the DICOM values are two's complement (Pixel Representation 1); samples are offset.</summary>
    public bool IsSigned { get; }

    public Photometric Photometric { get; }

    /// <summary>The largest sample: 2^BitsStored - 1.</summary>
    public int MaxValue => (1 << BitsStored) - 1;

    public int FrameLength => Width * Height;

    /// <summary>The array behind <see cref="Samples"/>, for returning a rented one to its pool.</summary>
    internal ushort[] Buffer => samples;

    /// <summary>All samples, frame after frame.</summary>
    public Span<ushort> Samples => samples.AsSpan(0, count);

    public Span<ushort> Frame(int frame) => samples.AsSpan(CheckFrame(frame) * FrameLength, FrameLength);

    public Span<ushort> Row(int frame, int y)
    {
        if ((uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(y));
        }
        return samples.AsSpan(CheckFrame(frame) * FrameLength + y * Width, Width);
    }

    /// <summary>The signed DICOM value of a sample of a signed image (or the sample itself when unsigned).</summary>
    public int ToStoredValue(ushort sample) => IsSigned ? sample - (1 << (BitsStored - 1)) : sample;

    /// <summary>The sample for a DICOM stored value (inverse of <see cref="ToStoredValue"/>).</summary>
    public ushort FromStoredValue(int value) => (ushort)(IsSigned ? value + (1 << (BitsStored - 1)) : value);

    public GrayImage Clone() => new(Width, Height, BitsStored, IsSigned, Frames, Photometric, Samples.ToArray());

    /// <summary>Same geometry and format, other samples.</summary>
    public GrayImage WithSamples(ushort[] newSamples) => new(Width, Height, BitsStored, IsSigned, Frames, Photometric, newSamples);

    public bool SamplesEqual(GrayImage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Width == other.Width && Height == other.Height && Frames == other.Frames && BitsStored == other.BitsStored
            && IsSigned == other.IsSigned && Samples.SequenceEqual(other.Samples);
    }

    private int CheckFrame(int frame) =>
        (uint)frame < (uint)Frames ? frame : throw new ArgumentOutOfRangeException(nameof(frame), $"Frame {frame} of {Frames}.");
}
