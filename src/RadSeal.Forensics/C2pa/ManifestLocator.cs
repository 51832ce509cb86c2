using System.Buffers.Binary;

namespace RadSeal.Forensics.C2pa;

/// <summary>
/// Finds the embedded C2PA manifest store: a PNG's <c>caBX</c> chunk, or a JPEG's APP11 segments (JPEG XT boxes,
/// ISO/IEC 18477-3), whose payloads are reassembled in packet order.
/// </summary>
public static class ManifestLocator
{
    /// <summary>The JUMBF bytes of the manifest store, or null when the file carries none.</summary>
    public static byte[]? Find(ReadOnlySpan<byte> file, SubjectKind kind) => kind switch
    {
        SubjectKind.Png => FromPng(file),
        SubjectKind.Jpeg => FromJpeg(file),
        _ => null,
    };

    private static byte[]? FromPng(ReadOnlySpan<byte> file)
    {
        var offset = 8;
        while (offset + 12 <= file.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(file[offset..]);
            if (length > (uint)(file.Length - offset - 12))
            {
                throw new C2paFormatException($"PNG chunk at offset {offset} claims {length} bytes past the end of the file");
            }
            var type = file.Slice(offset + 4, 4);
            if (type.SequenceEqual("caBX"u8))
            {
                return file.Slice(offset + 8, (int)length).ToArray();
            }
            if (type.SequenceEqual("IEND"u8))
            {
                break;
            }
            offset += 12 + (int)length;
        }
        return null;
    }

    private static byte[]? FromJpeg(ReadOnlySpan<byte> file)
    {
        // Box instance number -> (sequence number -> segment payload without the repeated box header).
        var packets = new SortedDictionary<uint, byte[]>();
        byte[]? header = null;
        ushort? instance = null;
        var offset = 2;
        while (offset + 4 <= file.Length)
        {
            if (file[offset] != 0xFF)
            {
                throw new C2paFormatException($"JPEG marker expected at offset {offset}");
            }
            var marker = file[offset + 1];
            if (marker == 0xFF)
            {
                offset++; // fill byte
                continue;
            }
            if (marker is 0xD9 or 0xDA)
            {
                break; // end of image, or start of scan: no more metadata segments before the entropy-coded data
            }
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                offset += 2;
                continue;
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(file[(offset + 2)..]);
            if (length < 2 || offset + 2 + length > file.Length)
            {
                throw new C2paFormatException($"JPEG segment at offset {offset} runs past the end of the file");
            }
            var segment = file.Slice(offset + 4, length - 2);
            // APP11, common identifier "JP", box instance, packet sequence, then LBox/TBox of the (split) box.
            if (marker == 0xEB && segment.Length >= 16 && segment[0] == (byte)'J' && segment[1] == (byte)'P')
            {
                var en = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
                var z = BinaryPrimitives.ReadUInt32BigEndian(segment[4..]);
                var box = segment[8..];
                var isJumbf = box.Slice(4, 4).SequenceEqual("jumb"u8);
                if (isJumbf && (instance is null || instance == en))
                {
                    var boxHeader = BinaryPrimitives.ReadUInt32BigEndian(box) == 1 ? 16 : 8;
                    if (box.Length < boxHeader)
                    {
                        throw new C2paFormatException("truncated JUMBF box header in an APP11 segment");
                    }
                    if (instance is null)
                    {
                        instance = en;
                        header = box[..boxHeader].ToArray();
                    }
                    if (!packets.TryAdd(z, box[boxHeader..].ToArray()))
                    {
                        throw new C2paFormatException($"APP11 packet {z} of box instance {en} appears twice");
                    }
                }
            }
            offset += 2 + length;
        }
        if (header is null)
        {
            return null;
        }
        using var assembled = new MemoryStream();
        assembled.Write(header);
        foreach (var part in packets.Values)
        {
            assembled.Write(part);
        }
        return assembled.ToArray();
    }
}
