namespace RadSeal.Dicom;

/// <summary>One data element of a data set: a primitive value, a sequence of items, or encapsulated fragments.</summary>
public abstract class DicomItem
{
    private protected DicomItem(DicomTag tag, DicomVR vr)
    {
        Tag = tag;
        VR = vr;
    }

    public DicomTag Tag { get; }

    /// <summary>The VR as read (explicit syntaxes) or as the dictionary says (implicit syntaxes).</summary>
    public DicomVR VR { get; }

    public override string ToString() => $"{Tag} {VR}";
}

/// <summary>
/// A data element with a primitive value, kept as its encoded bytes so that writing it again in the same transfer
/// syntax gives back the same bytes. Decoding to strings or numbers happens on request (see <see cref="DicomDataSet"/>).
/// </summary>
public sealed class DicomElement : DicomItem
{
    public DicomElement(DicomTag tag, DicomVR vr, ValueBuffer value, bool littleEndian = true) : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        IsLittleEndian = littleEndian;
    }

    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value) : this(tag, vr, ValueBuffer.From(value)) { }

    public ValueBuffer Value { get; }

    /// <summary>Byte order of the numbers in <see cref="Value"/> (that of the syntax it was read in).</summary>
    public bool IsLittleEndian { get; }

    public long Length => Value.Length;

    /// <summary>The value bytes in little-endian order, swapping a big-endian value per the VR's unit size.</summary>
    public ReadOnlyMemory<byte> GetLittleEndianBytes()
    {
        var bytes = Value.GetMemory();
        if (IsLittleEndian || VR.UnitSize == 1)
        {
            return bytes;
        }
        var copy = bytes.ToArray();
        ByteSwap.InPlace(copy, VR.UnitSize);
        return copy;
    }
}

/// <summary>A sequence (SQ, or an undefined-length UN read as a sequence) holding items that are data sets.</summary>
public sealed class DicomSequence : DicomItem
{
    public DicomSequence(DicomTag tag, IEnumerable<DicomDataSet> items, bool undefinedLength = true, DicomVR? vr = null)
        : base(tag, vr ?? DicomVR.SQ)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items];
        UndefinedLength = undefinedLength;
    }

    public IReadOnlyList<DicomDataSet> Items { get; }

    /// <summary>Whether the sequence was (and will be) encoded with undefined length and a delimitation item.</summary>
    public bool UndefinedLength { get; }
}

/// <summary>
/// Encapsulated pixel data (PS3.5 A.4): the Basic Offset Table item followed by fragments, each kept as bytes,
/// deferred in the file for large images.
/// </summary>
public sealed class DicomFragmentSequence : DicomItem
{
    public DicomFragmentSequence(DicomTag tag, DicomVR vr, ValueBuffer offsetTable, IEnumerable<ValueBuffer> fragments)
        : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(offsetTable);
        ArgumentNullException.ThrowIfNull(fragments);
        OffsetTable = offsetTable;
        Fragments = [.. fragments];
    }

    /// <summary>The first item: the Basic Offset Table, often empty (then the Extended Offset Table may apply).</summary>
    public ValueBuffer OffsetTable { get; }

    public IReadOnlyList<ValueBuffer> Fragments { get; }

    /// <summary>The Basic Offset Table as 32-bit offsets of each frame's first fragment, relative to the first fragment.</summary>
    public IReadOnlyList<uint> GetBasicOffsets()
    {
        var bytes = OffsetTable.GetMemory().Span;
        var result = new uint[bytes.Length / 4];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        }
        return result;
    }
}
