using SkiaSharp;

namespace RadSeal.Imaging;

/// <summary>The file formats of a picture outside DICOM.</summary>
public enum ImageFormat
{
    Png,
    Jpeg,
}

/// <summary>
/// PNG and JPEG files as grayscale images. Grayscale PNG (8/16-bit) goes through <see cref="PngCodec"/> so every value
/// comes back exactly; JPEG and the PNG variants it does not handle go through SkiaSharp, reduced to 8-bit luma.
/// </summary>
public static class ImageFiles
{
    /// <summary>Bounds what a hostile file may make the decoder allocate.</summary>
    public const long MaxFileBytes = 1L << 30;

    public static GrayImage Decode(ReadOnlySpan<byte> bytes)
    {
        if (PngCodec.HasSignature(bytes))
        {
            return PngCodec.TryDecodeGray(bytes) ?? DecodeWithSkia(bytes);
        }
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return DecodeWithSkia(bytes);
        }
        throw new PixelDataException("Not a PNG or JPEG file.");
    }

    public static GrayImage Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxFileBytes)
        {
            throw new PixelDataException($"{info.Length} bytes is larger than the {MaxFileBytes}-byte limit for a picture.");
        }
        return Decode(File.ReadAllBytes(path));
    }

    /// <summary>True when <paramref name="bytes"/> start like a PNG or JPEG file.</summary>
    public static bool IsPicture(ReadOnlySpan<byte> bytes) =>
        PngCodec.HasSignature(bytes) || (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF);

    /// <summary>Encodes frame 0. PNG keeps every bit (8 or 16-bit gray); JPEG needs an 8-bit image and is lossy.</summary>
    public static byte[] Encode(GrayImage image, ImageFormat format, int jpegQuality = 90)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (format == ImageFormat.Png)
        {
            return PngCodec.EncodeGray(image);
        }
        if (image.BitsStored > 8)
        {
            throw new PixelDataException("JPEG export needs an 8-bit image: window it first (VoiTransform).");
        }
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var pixels = bitmap.GetPixelSpan();
        var frame = image.Frame(0);
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                pixels[y * bitmap.RowBytes + x] = (byte)frame[y * image.Width + x];
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, jpegQuality)
            ?? throw new PixelDataException("SkiaSharp could not encode the JPEG.");
        return data.ToArray();
    }

    /// <summary>Writes atomically: a temporary file beside the target, then a rename, so no half-written file remains.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static GrayImage DecodeWithSkia(ReadOnlySpan<byte> bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new PixelDataException("SkiaSharp cannot decode this picture.");
        var size = codec.Info;
        if (size.Width <= 0 || size.Height <= 0 || (long)size.Width * size.Height > PngCodec.MaxPixels)
        {
            throw new PixelDataException($"Picture of {size.Width}x{size.Height} pixels is empty or too large.");
        }
        // Skia cannot convert every source straight to Gray8; RGBA is always available and luma is taken below.
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new PixelDataException($"SkiaSharp could not decode the picture: {result}.");
        }
        if (result == SKCodecResult.IncompleteInput)
        {
            throw new PixelDataException("The picture is truncated.");
        }
        var pixels = bitmap.GetPixelSpan();
        var samples = new ushort[size.Width * size.Height];
        for (var y = 0; y < size.Height; y++)
        {
            for (var x = 0; x < size.Width; x++)
            {
                var at = y * bitmap.RowBytes + 4 * x;
                samples[y * size.Width + x] = (ushort)((pixels[at] * 299 + pixels[at + 1] * 587 + pixels[at + 2] * 114 + 500) / 1000);
            }
        }
        return new GrayImage(size.Width, size.Height, 8, samples: samples);
    }
}
