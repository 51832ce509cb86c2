using System.Buffers.Binary;
using System.IO.Compression;

namespace RadSeal.Dicom.Tests.Interop;

/// <summary>
/// Whether a rewrite in the file's own syntax gave back the input's bytes, and where it legitimately could not:
/// input without preamble or "DICM" (the writer always writes both: compared from the data set on), a meta group the
/// writer completes (PS3.10 7.1), a deflated data set (compared inflated: the compressed bytes depend on the deflate
/// encoder), and length fields that were wrong in the input and are recomputed (group, item and sequence lengths).
/// </summary>
internal static class ByteComparison
{
    /// <param name="GroupLengths">Top-level data set group lengths the writer recomputed: group -> written value.</param>
    public sealed record Verdict(bool Same, string Note, IReadOnlyDictionary<ushort, uint>? GroupLengths = null);

    public static Verdict Check(DicomFile file, byte[] input, byte[] written)
    {
        if (input.AsSpan().SequenceEqual(written))
        {
            return new(true, "Byte for byte identical.");
        }
        var notes = new List<string>();
        var back = DicomFile.Read(new MemoryStream(written));
        var inMetaLength = (int)DicomEncoder.EncodedLength(file.Meta, TransferSyntax.ExplicitVRLittleEndian);
        var (inMetaStart, note) = file.Format switch
        {
            DicomFileFormat.Part10 => (132, (string?)null),
            DicomFileFormat.Part10WithoutPreamble => (4, "The input has no preamble (PS3.10 7.1 requires one; the writer adds it): compared from the meta group on."),
            DicomFileFormat.MetaWithoutMagic => (0, "The input has neither preamble nor \"DICM\" (the writer adds them): compared from the meta group on."),
            _ => (0, "The input is a bare data set without preamble, \"DICM\" or meta group (the writer adds them): compared from the data set on."),
        };
        if (note is not null)
        {
            notes.Add(note);
        }
        else if (!input.AsSpan(0, 132).SequenceEqual(written.AsSpan(0, 132)))
        {
            return new(false, "The preamble or \"DICM\" differs.");
        }
        var inStart = inMetaStart + inMetaLength;
        var outMetaLength = (int)DicomEncoder.EncodedLength(back.Meta, TransferSyntax.ExplicitVRLittleEndian);
        var outStart = 132 + outMetaLength;

        if (file.Format != DicomFileFormat.DataSetOnly)
        {
            var inMeta = input.AsSpan(inMetaStart, inMetaLength);
            var outMeta = written.AsSpan(132, outMetaLength);
            var added = back.Meta.Select(e => e.Tag).Except(file.Meta.Select(e => e.Tag)).ToList();
            if (added.Count > 0)
            {
                notes.Add($"The input's meta group lacks {string.Join(", ", added)}, which the writer adds (PS3.10 7.1): compared from the data set on.");
            }
            else if (!inMeta.SequenceEqual(outMeta))
            {
                var fields = LengthFieldDifferences(inMeta.ToArray(), outMeta.ToArray(), littleEndian: true, explicitVR: true);
                if (fields is null)
                {
                    return new(false, $"The meta group differs at offset {inMetaStart + FirstDifference(inMeta, outMeta)}.");
                }
                notes.Add($"Wrong length field(s) in the input's meta group, recomputed by the writer: {fields}.");
            }
        }

        byte[] inData = input[inStart..];
        byte[] outData = written[outStart..];
        if (file.TransferSyntax.IsDeflated)
        {
            inData = Inflate(inData);
            outData = Inflate(outData);
            notes.Add("Deflated: the inflated data sets are compared (the compressed bytes depend on the deflate encoder).");
        }
        if (!inData.AsSpan().SequenceEqual(outData))
        {
            var fields = LengthFieldDifferences(inData, outData, file.TransferSyntax.IsLittleEndian, file.TransferSyntax.IsExplicitVR);
            if (fields is null)
            {
                var at = FirstDifference(inData, outData);
                return new(false, $"The data set differs at offset {at} of the data set (file offset {inStart + at}; " +
                    $"{inData.Length} bytes in, {outData.Length} out). " + string.Join(" ", notes));
            }
            notes.Add($"Wrong length field(s) in the input's data set, recomputed by the writer: {fields}.");
            var groups = file.DataSet.OfType<DicomElement>().Where(e => e.Tag.IsGroupLength)
                .ToDictionary(e => e.Tag.Group, e => back.DataSet.GetValue<uint>(e.Tag) ?? 0);
            return new(true, "Identical except: " + string.Join(" ", notes), groups);
        }
        return new(true, "Identical except: " + string.Join(" ", notes));
    }

    private static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }
        return n;
    }

    /// <summary>
    /// Null unless both are the same length and every differing byte lies in the 32-bit length or value field of a
    /// group length element (gggg,0000) UL, an item (FFFE,E000) or an explicit-VR sequence: then a description of
    /// each field, input value -> written value.
    /// </summary>
    private static string? LengthFieldDifferences(byte[] a, byte[] b, bool littleEndian, bool explicitVR)
    {
        if (a.Length != b.Length)
        {
            return null;
        }
        var fields = new SortedDictionary<int, string>();
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                continue;
            }
            var found = false;
            for (var s = Math.Max(i - 3, 8); s <= i && !found; s++)
            {
                if (s + 4 > a.Length || !a.AsSpan(s - 8, 8).SequenceEqual(b.AsSpan(s - 8, 8)) || Kind(a, s, littleEndian, explicitVR) is not { } kind)
                {
                    continue;
                }
                found = true;
                fields[s] = $"{kind} at {s}: {Read(a, s, littleEndian)} -> {Read(b, s, littleEndian)}";
            }
            if (!found)
            {
                return null;
            }
        }
        return string.Join("; ", fields.Values);
    }

    /// <summary>What the 4 bytes at <paramref name="s"/> are, judged from the 8 bytes before them.</summary>
    private static string? Kind(byte[] d, int s, bool le, bool explicitVR)
    {
        ushort U16(int at) => le ? BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at));
        // Item header: (FFFE,E000) then the 32-bit length at s.
        if (U16(s - 4) == 0xFFFE && U16(s - 2) == 0xE000)
        {
            return "item length";
        }
        // Explicit VR sequence header: tag, "SQ", 0000, then the 32-bit length at s.
        if (explicitVR && s >= 12 && d[s - 4] == (byte)'S' && d[s - 3] == (byte)'Q' && d[s - 2] == 0 && d[s - 1] == 0)
        {
            return $"sequence ({U16(s - 8):X4},{U16(s - 6):X4}) length";
        }
        // Group length: (gggg,0000) UL 0004 (explicit) or (gggg,0000) 00000004 (implicit), then the value at s.
        if (U16(s - 6) == 0 && (explicitVR
            ? d[s - 4] == (byte)'U' && d[s - 3] == (byte)'L' && U16(s - 2) == 4
            : (le ? BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(s - 4)) : BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(s - 4))) == 4))
        {
            return $"group length ({U16(s - 8):X4},0000)";
        }
        return null;
    }

    private static uint Read(byte[] d, int s, bool le) =>
        le ? BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(s)) : BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(s));

    private static byte[] Inflate(byte[] deflated)
    {
        using var inflate = new DeflateStream(new MemoryStream(deflated), CompressionMode.Decompress);
        using var result = new MemoryStream();
        inflate.CopyTo(result);
        return result.ToArray();
    }
}
