using System.Buffers.Binary;

namespace RadSeal.Dicom;

/// <summary>
/// Encodes data sets in one transfer syntax. Sequences and items keep the length form they were read with (defined
/// lengths are recomputed from content); group lengths present are recomputed. Public because the signature code
/// hashes exactly these bytes.
/// </summary>
public sealed class DicomEncoder
{
    private const uint Undefined = 0xFFFFFFFF;
    private readonly Stream output;
    private readonly TransferSyntax syntax;
    private readonly byte[] scratch = new byte[12];

    public DicomEncoder(Stream output, TransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(syntax);
        this.output = output;
        this.syntax = syntax;
    }

    public void WriteDataSet(DicomDataSet dataSet)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        foreach (var item in dataSet)
        {
            if (item.Tag.IsGroupLength && item is DicomElement)
            {
                WriteGroupLength(dataSet, item.Tag);
                continue;
            }
            WriteItem(item);
        }
    }

    public void WriteItem(DicomItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        switch (item)
        {
            case DicomElement e:
                WriteElement(e);
                break;
            case DicomSequence sq:
                WriteSequence(sq);
                break;
            case DicomFragmentSequence f:
                WriteFragments(f);
                break;
            default:
                throw new DicomEncodingException($"Unknown element kind {item.GetType().Name} at {item.Tag}.");
        }
    }

    /// <summary>The number of bytes <paramref name="item"/> encodes to in <paramref name="syntax"/>, header included.</summary>
    public static long EncodedLength(DicomItem item, TransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(syntax);
        var header = HeaderLength(item.VR, syntax);
        return item switch
        {
            DicomElement e => header + e.Length,
            DicomSequence sq => header + SequenceContentLength(sq, syntax) + (sq.UndefinedLength ? 8 : 0),
            DicomFragmentSequence f => header + 8 + f.OffsetTable.Length + f.Fragments.Sum(x => 8 + x.Length) + 8,
            _ => throw new DicomEncodingException($"Unknown element kind at {item.Tag}."),
        };
    }

    /// <summary>The encoded length of the elements of a data set (an item's content).</summary>
    public static long EncodedLength(DicomDataSet dataSet, TransferSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        long total = 0;
        foreach (var item in dataSet)
        {
            // WriteDataSet replaces a group length element by a recomputed UL of 4 bytes, whatever it held.
            total += item.Tag.IsGroupLength && item is DicomElement
                ? HeaderLength(DicomVR.UL, syntax) + 4
                : EncodedLength(item, syntax);
        }
        return total;
    }

    private static long HeaderLength(DicomVR vr, TransferSyntax syntax) =>
        !syntax.IsExplicitVR ? 8 : vr.HasLongLength ? 12 : 8;

    private static TransferSyntax ItemSyntax(DicomSequence sq, TransferSyntax syntax) =>
        sq.VR == DicomVR.UN && syntax.IsExplicitVR ? TransferSyntax.ImplicitVRLittleEndian : syntax;

    private static long SequenceContentLength(DicomSequence sq, TransferSyntax syntax)
    {
        var inner = ItemSyntax(sq, syntax);
        long total = 0;
        foreach (var item in sq.Items)
        {
            total += 8 + EncodedLength(item, inner) + (item.UndefinedLength ? 8 : 0);
        }
        return total;
    }

    private void WriteGroupLength(DicomDataSet dataSet, DicomTag groupLengthTag)
    {
        long total = 0;
        foreach (var item in dataSet)
        {
            if (item.Tag.Group == groupLengthTag.Group && !item.Tag.IsGroupLength)
            {
                total += EncodedLength(item, syntax);
            }
        }
        if (total > uint.MaxValue)
        {
            throw new DicomEncodingException($"Group {groupLengthTag.Group:X4} is longer than a group length can state.");
        }
        var value = new byte[4];
        if (syntax.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)total);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(value, (uint)total);
        }
        WriteHeader(groupLengthTag, DicomVR.UL, 4);
        output.Write(value);
    }

    private void WriteElement(DicomElement e)
    {
        var length = e.Length;
        if (length >= Undefined)
        {
            throw new DicomEncodingException($"The value of {e.Tag} is too long for a 32-bit length.");
        }
        if (syntax.IsExplicitVR && !e.VR.HasLongLength && length > ushort.MaxValue)
        {
            throw new DicomEncodingException(
                $"The value of {e.Tag} ({e.VR}) is {length} bytes, more than its 16-bit length field in explicit VR can state.");
        }
        WriteHeader(e.Tag, e.VR, (uint)length);
        if (e.IsLittleEndian == syntax.IsLittleEndian || e.VR.UnitSize == 1)
        {
            e.Value.CopyTo(output);
        }
        else
        {
            var copy = e.Value.GetMemory().ToArray();
            ByteSwap.InPlace(copy, e.VR.UnitSize);
            output.Write(copy);
        }
    }

    private void WriteSequence(DicomSequence sq)
    {
        var inner = ItemSyntax(sq, syntax);
        var length = sq.UndefinedLength ? Undefined : CheckedLength(SequenceContentLength(sq, syntax), sq.Tag);
        WriteHeader(sq.Tag, sq.VR, length);
        var encoder = ReferenceEquals(inner, syntax) ? this : new DicomEncoder(output, inner);
        foreach (var item in sq.Items)
        {
            var itemLength = item.UndefinedLength ? Undefined : CheckedLength(EncodedLength(item, inner), sq.Tag);
            encoder.WriteDelimiter(DicomTag.Item, itemLength);
            encoder.WriteDataSet(item);
            if (item.UndefinedLength)
            {
                encoder.WriteDelimiter(DicomTag.ItemDelimitation, 0);
            }
        }
        if (sq.UndefinedLength)
        {
            // In the items' syntax: an undefined-length UN closes in Implicit VR Little Endian even in big endian files.
            encoder.WriteDelimiter(DicomTag.SequenceDelimitation, 0);
        }
    }

    private void WriteFragments(DicomFragmentSequence f)
    {
        WriteHeader(f.Tag, f.VR, Undefined);
        WriteDelimiter(DicomTag.Item, CheckedLength(f.OffsetTable.Length, f.Tag));
        f.OffsetTable.CopyTo(output);
        foreach (var fragment in f.Fragments)
        {
            WriteDelimiter(DicomTag.Item, CheckedLength(fragment.Length, f.Tag));
            fragment.CopyTo(output);
        }
        WriteDelimiter(DicomTag.SequenceDelimitation, 0);
    }

    private static uint CheckedLength(long length, DicomTag tag) =>
        length < Undefined ? (uint)length : throw new DicomEncodingException($"{tag} is too long for a 32-bit length.");

    private void WriteDelimiter(DicomTag tag, uint length)
    {
        var s = scratch.AsSpan(0, 8);
        WriteTag(s, tag);
        WriteUInt32(s[4..], length);
        output.Write(s);
    }

    private void WriteHeader(DicomTag tag, DicomVR vr, uint length)
    {
        var s = scratch.AsSpan();
        WriteTag(s, tag);
        if (!syntax.IsExplicitVR)
        {
            WriteUInt32(s[4..], length);
            output.Write(s[..8]);
            return;
        }
        s[4] = (byte)vr.Code[0];
        s[5] = (byte)vr.Code[1];
        if (vr.HasLongLength)
        {
            s[6] = 0;
            s[7] = 0;
            WriteUInt32(s[8..], length);
            output.Write(s[..12]);
        }
        else
        {
            if (syntax.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(s[6..], (ushort)length);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(s[6..], (ushort)length);
            }
            output.Write(s[..8]);
        }
    }

    private void WriteTag(Span<byte> s, DicomTag tag)
    {
        if (syntax.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(s[2..], tag.Element);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(s, tag.Group);
            BinaryPrimitives.WriteUInt16BigEndian(s[2..], tag.Element);
        }
    }

    private void WriteUInt32(Span<byte> s, uint value)
    {
        if (syntax.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(s, value);
        }
    }
}
