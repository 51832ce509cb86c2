using System.Buffers.Binary;

namespace RadSeal.Imaging;

/// <summary>
/// RLE Lossless (PS3.5 Annex G): each frame is a 64-byte header (segment count, 15 offsets) followed by one PackBits
/// segment per byte plane, most significant byte first. Encoding works row by row so that no run crosses a row
/// boundary (G.3.1), which is what DCMTK and GDCM do as well.
/// </summary>
public static class RleCodec
{
    private const int HeaderLength = 64;

    /// <summary>Decodes one frame to little-endian samples of <paramref name="bytesPerSample"/> bytes each.</summary>
    public static byte[] DecodeFrame(ReadOnlySpan<byte> frame, int width, int height, int bytesPerSample)
    {
        if (bytesPerSample is not (1 or 2))
        {
            throw new PixelDataException($"RLE frames of {bytesPerSample * 8}-bit samples are not supported (8 or 16).");
        }
        if (frame.Length < HeaderLength)
        {
            throw new PixelDataException($"RLE frame of {frame.Length} bytes is shorter than its 64-byte header.");
        }
        var segments = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (segments != (uint)bytesPerSample)
        {
            throw new PixelDataException($"RLE frame has {segments} segments; {bytesPerSample} expected for one {bytesPerSample * 8}-bit sample per pixel.");
        }
        var pixels = width * height;
        var output = new byte[pixels * bytesPerSample];
        var plane = new byte[pixels];
        for (var s = 0; s < segments; s++)
        {
            var start = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + 4 * s)..]);
            var end = s + 1 < segments ? BinaryPrimitives.ReadUInt32LittleEndian(frame[(8 + 4 * s)..]) : (uint)frame.Length;
            if (start < HeaderLength || start > end || end > frame.Length)
            {
                throw new PixelDataException($"RLE segment {s + 1} has offsets {start}..{end} outside the {frame.Length}-byte frame.");
            }
            UnpackBits(frame[(int)start..(int)end], plane, s + 1);
            // Segment 1 holds the most significant byte; samples are stored little endian.
            var byteIndex = bytesPerSample - 1 - s;
            for (var i = 0; i < pixels; i++)
            {
                output[i * bytesPerSample + byteIndex] = plane[i];
            }
        }
        return output;
    }

    /// <summary>Encodes one frame of little-endian samples.</summary>
    public static byte[] EncodeFrame(ReadOnlySpan<byte> samples, int width, int height, int bytesPerSample)
    {
        if (bytesPerSample is not (1 or 2) || samples.Length != width * height * bytesPerSample)
        {
            throw new PixelDataException($"Cannot RLE-encode {samples.Length} bytes as {width}x{height} samples of {bytesPerSample} bytes.");
        }
        using var output = new MemoryStream();
        output.Write(new byte[HeaderLength]);
        var header = new byte[HeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)bytesPerSample);
        var row = new byte[width];
        for (var s = 0; s < bytesPerSample; s++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4 + 4 * s), (uint)output.Length);
            var byteIndex = bytesPerSample - 1 - s;
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    row[x] = samples[(y * width + x) * bytesPerSample + byteIndex];
                }
                PackBits(row, output);
            }
            if ((output.Length & 1) == 1)
            {
                output.WriteByte(0); // segments are padded to even length (G.3.1)
            }
        }
        var result = output.ToArray();
        header.CopyTo(result, 0);
        return result;
    }

    private static void UnpackBits(ReadOnlySpan<byte> source, Span<byte> destination, int segment)
    {
        int i = 0, o = 0;
        while (o < destination.Length)
        {
            if (i >= source.Length)
            {
                throw new PixelDataException($"RLE segment {segment} ends after {o} of {destination.Length} bytes.");
            }
            var n = (sbyte)source[i++];
            if (n >= 0)
            {
                var count = n + 1;
                if (i + count > source.Length || o + count > destination.Length)
                {
                    throw new PixelDataException($"RLE segment {segment}: literal run of {count} bytes overruns the segment or the frame.");
                }
                source.Slice(i, count).CopyTo(destination[o..]);
                i += count;
                o += count;
            }
            else if (n != -128)
            {
                var count = 1 - n;
                if (i >= source.Length || o + count > destination.Length)
                {
                    throw new PixelDataException($"RLE segment {segment}: replicate run of {count} bytes overruns the segment or the frame.");
                }
                destination.Slice(o, count).Fill(source[i++]);
                o += count;
            }
        }
    }

    private static void PackBits(ReadOnlySpan<byte> row, Stream output)
    {
        var i = 0;
        Span<byte> literal = stackalloc byte[128];
        var literalCount = 0;
        while (i < row.Length)
        {
            var run = 1;
            while (i + run < row.Length && run < 128 && row[i + run] == row[i])
            {
                run++;
            }
            if (run >= 3 || (run == 2 && literalCount == 0))
            {
                FlushLiteral(output, literal, ref literalCount);
                output.WriteByte((byte)(1 - run));
                output.WriteByte(row[i]);
                i += run;
            }
            else
            {
                literal[literalCount++] = row[i++];
                if (literalCount == 128)
                {
                    FlushLiteral(output, literal, ref literalCount);
                }
            }
        }
        FlushLiteral(output, literal, ref literalCount);
    }

    private static void FlushLiteral(Stream output, Span<byte> literal, ref int count)
    {
        if (count > 0)
        {
            output.WriteByte((byte)(count - 1));
            output.Write(literal[..count]);
            count = 0;
        }
    }
}
