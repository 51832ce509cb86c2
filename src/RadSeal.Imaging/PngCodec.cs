using System.Buffers.Binary;
using System.IO.Compression;

namespace RadSeal.Imaging;

/// <summary>
/// PNG for grayscale images, written here rather than through SkiaSharp because Skia has no 16-bit gray surface: a
/// reversible watermark needs every 16-bit sample back exactly. Writes gray 8/16-bit and RGB 8-bit (the tamper map);
/// reads non-interlaced gray, gray+alpha, RGB and RGBA at 8 or 16 bits (colour becomes gray only when R = G = B,
/// otherwise luma). Anything else (palette, 1/2/4-bit, Adam7) goes to SkiaSharp through <see cref="ImageFiles"/>.
/// </summary>
public static class PngCodec
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The largest image accepted when reading: bounds the memory a hostile header can ask for.</summary>
    public const long MaxPixels = 1L << 28;

    public static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..8].SequenceEqual(Signature);

    /// <summary>Encodes frame <paramref name="frame"/> as gray PNG: 8-bit when Bits Stored ≤ 8, else 16-bit (values unscaled).</summary>
    public static byte[] EncodeGray(GrayImage image, int frame = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        var depth = image.BitsStored <= 8 ? 8 : 16;
        var bytesPerPixel = depth / 8;
        var pixels = image.Frame(frame);
        var raw = new byte[image.Height * image.Width * bytesPerPixel];
        for (var i = 0; i < pixels.Length; i++)
        {
            if (depth == 8)
            {
                raw[i] = (byte)pixels[i];
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan(2 * i), pixels[i]);
            }
        }
        return Encode(raw, image.Width, image.Height, depth, colorType: 0, bytesPerPixel);
    }

    /// <summary>Encodes 8-bit RGB rows (3 bytes per pixel).</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"{rgb.Length} bytes are not {width}x{height} RGB pixels.", nameof(rgb));
        }
        return Encode(rgb, width, height, 8, colorType: 2, bytesPerPixel: 3);
    }

    /// <summary>Decodes a PNG this codec supports; null when the file needs the general decoder (palette, low bit depth, interlaced).</summary>
    public static GrayImage? TryDecodeGray(ReadOnlySpan<byte> png)
    {
        if (!HasSignature(png))
        {
            throw new PixelDataException("Not a PNG file (bad signature).");
        }
        var position = 8;
        int width = 0, height = 0, depth = 0, colorType = -1, interlace = 0;
        using var idat = new MemoryStream();
        var seenEnd = false;
        while (!seenEnd)
        {
            if (position + 12 > png.Length)
            {
                throw new PixelDataException("PNG ends inside a chunk header.");
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            var type = png.Slice(position + 4, 4);
            if (length > int.MaxValue || position + 12 + (long)length > png.Length)
            {
                throw new PixelDataException($"PNG chunk '{System.Text.Encoding.ASCII.GetString(type)}' of {length} bytes overruns the file.");
            }
            var data = png.Slice(position + 8, (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png[(position + 8 + (int)length)..]);
            if (Crc(png.Slice(position + 4, 4 + (int)length)) != crc)
            {
                throw new PixelDataException($"PNG chunk '{System.Text.Encoding.ASCII.GetString(type)}' has a bad CRC.");
            }
            switch (System.Text.Encoding.ASCII.GetString(type))
            {
                case "IHDR":
                    if (data.Length != 13)
                    {
                        throw new PixelDataException("PNG IHDR is not 13 bytes.");
                    }
                    width = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data), int.MaxValue);
                    height = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data[4..]), int.MaxValue);
                    depth = data[8];
                    colorType = data[9];
                    interlace = data[12];
                    if (width == 0 || height == 0 || (long)width * height > MaxPixels)
                    {
                        throw new PixelDataException($"PNG of {width}x{height} pixels is empty or larger than {MaxPixels} pixels.");
                    }
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
            }
            position += 12 + (int)length;
        }
        if (colorType < 0)
        {
            throw new PixelDataException("PNG has no IHDR chunk.");
        }
        var channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || depth is not (8 or 16) || interlace != 0)
        {
            return null;
        }
        var bytesPerPixel = channels * depth / 8;
        var stride = width * bytesPerPixel;
        var raw = new byte[(long)(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            var done = 0;
            try
            {
                while (done < raw.Length)
                {
                    var n = z.Read(raw, done, raw.Length - done);
                    if (n == 0)
                    {
                        break;
                    }
                    done += n;
                }
            }
            catch (InvalidDataException ex)
            {
                throw new PixelDataException("PNG image data is not a valid zlib stream: " + ex.Message, ex);
            }
            if (done < raw.Length)
            {
                throw new PixelDataException($"PNG image data ends after {done} of {raw.Length} bytes.");
            }
        }
        Unfilter(raw, stride, height, bytesPerPixel);
        var samples = new ushort[width * height];
        for (var y = 0; y < height; y++)
        {
            var rowStart = y * (stride + 1) + 1;
            for (var x = 0; x < width; x++)
            {
                var at = rowStart + x * bytesPerPixel;
                int Sample(int c) => depth == 8 ? raw[at + c] : (raw[at + 2 * c] << 8) | raw[at + 2 * c + 1];
                if (channels >= 3)
                {
                    // Colour is reduced to luma; R = G = B (a gray image saved as RGB) gives the exact value back.
                    int r = Sample(0), g = Sample(1), b = Sample(2);
                    samples[y * width + x] = (ushort)((r * 299 + g * 587 + b * 114 + 500) / 1000);
                }
                else
                {
                    samples[y * width + x] = (ushort)Sample(0);
                }
            }
        }
        return new GrayImage(width, height, depth, samples: samples);
    }

    private static byte[] Encode(ReadOnlySpan<byte> raw, int width, int height, int depth, int colorType, int bytesPerPixel)
    {
        var stride = width * bytesPerPixel;
        var filtered = new byte[(stride + 1) * height];
        var candidate = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var row = raw.Slice(y * stride, stride);
            var previous = y > 0 ? raw.Slice((y - 1) * stride, stride) : [];
            // Pick the filter with the smallest sum of absolute residuals (the usual PNG heuristic).
            var bestSum = long.MaxValue;
            for (byte filter = 0; filter <= 4; filter++)
            {
                long sum = 0;
                for (var i = 0; i < stride; i++)
                {
                    int a = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
                    int b = previous.IsEmpty ? 0 : previous[i];
                    int c = i >= bytesPerPixel && !previous.IsEmpty ? previous[i - bytesPerPixel] : 0;
                    var predicted = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) >> 1, _ => Paeth(a, b, c) };
                    var value = (byte)(row[i] - predicted);
                    candidate[i] = value;
                    sum += (sbyte)value < 0 ? -(sbyte)value : value;
                }
                if (sum < bestSum)
                {
                    bestSum = sum;
                    filtered[y * (stride + 1)] = filter;
                    candidate.CopyTo(filtered, y * (stride + 1) + 1);
                }
            }
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(filtered);
        }
        using var output = new MemoryStream();
        output.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = (byte)depth;
        header[9] = (byte)colorType;
        WriteChunk(output, "IHDR", header);
        WriteChunk(output, "IDAT", compressed.ToArray());
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Unfilter(byte[] raw, int stride, int height, int bpp)
    {
        for (var y = 0; y < height; y++)
        {
            var start = y * (stride + 1);
            var filter = raw[start];
            if (filter > 4)
            {
                throw new PixelDataException($"PNG row {y} has unknown filter type {filter}.");
            }
            var row = raw.AsSpan(start + 1, stride);
            var previous = y > 0 ? raw.AsSpan(start - stride, stride) : Span<byte>.Empty;
            for (var i = 0; i < stride; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0;
                int b = previous.IsEmpty ? 0 : previous[i];
                int c = i >= bpp && !previous.IsEmpty ? previous[i - bpp] : 0;
                row[i] += (byte)(filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) >> 1, _ => Paeth(a, b, c) });
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed.AsSpan(4));
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typed));
        output.Write(word);
    }

    private static uint Crc(ReadOnlySpan<byte> bytes) => Crc32.Compute(bytes);
}

/// <summary>CRC-32 (IEEE 802.3, as PNG and zlib use it), optionally continuing from a seed.</summary>
public static class Crc32
{
    private static readonly uint[] Table = Build();

    public static uint Compute(ReadOnlySpan<byte> bytes, uint seed = 0)
    {
        var crc = ~seed;
        foreach (var b in bytes)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
