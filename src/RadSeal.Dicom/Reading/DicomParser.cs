namespace RadSeal.Dicom;

/// <summary>
/// The per-call parsing state (after ImageSharp's *DecoderCore): a recursive descent over elements, sequences,
/// items and fragments, with every length checked against what remains and nesting bounded.
/// </summary>
internal sealed class DicomParser(ByteSource source, ReadOptions options, FileOrigin? origin)
{
    private const uint Undefined = 0xFFFFFFFF;
    /// <summary>Returned for an item delimiter that ends the current undefined-length item.</summary>
    private static readonly DicomItem EndOfItem = new DicomElement(DicomTag.ItemDelimitation, DicomVR.UN, ValueBuffer.Empty);

    private long bytesInMemory;

    /// <summary>The data sets being filled, outermost first: where an ambiguous implicit VR looks for Pixel Representation.</summary>
    private readonly List<DicomDataSet> scopes = [];

    /// <summary>Added to offsets in messages when the source is not the file itself.</summary>
    public string OffsetNote { get; init; } = "";

    /// <summary>Reads the file meta group: Explicit VR Little Endian elements while the group is 0002.</summary>
    public void ReadMeta(DicomDataSet meta)
    {
        var syntax = TransferSyntax.ExplicitVRLittleEndian;
        while (true)
        {
            var next = source.PeekUpTo(2);
            if (next.Length < 2 || next[0] != 0x02 || next[1] != 0x00)
            {
                return;
            }
            var item = ReadElement(syntax, depth: 0, inItem: false);
            if (item is not null)
            {
                meta.Set(item);
            }
        }
    }

    /// <summary>Reads top-level elements to the end of the source (or to <see cref="ReadOptions.StopAtTag"/>).</summary>
    public void ReadDataSet(DicomDataSet dataSet, TransferSyntax syntax)
    {
        var stopAt = options.StopAtTag?.Value ?? uint.MaxValue;
        scopes.Add(dataSet);
        while (!source.IsAtEnd)
        {
            if (stopAt != uint.MaxValue && PeekTag(syntax).Value >= stopAt)
            {
                break;
            }
            var item = ReadElement(syntax, depth: 0, inItem: false);
            if (item is not null)
            {
                dataSet.Set(item);
            }
        }
        scopes.RemoveAt(scopes.Count - 1);
    }

    private DicomTag PeekTag(TransferSyntax syntax)
    {
        var b = source.PeekUpTo(4);
        if (b.Length < 4)
        {
            return new DicomTag(0, 0);
        }
        return syntax.IsLittleEndian
            ? new DicomTag((ushort)(b[0] | b[1] << 8), (ushort)(b[2] | b[3] << 8))
            : new DicomTag((ushort)(b[0] << 8 | b[1]), (ushort)(b[2] << 8 | b[3]));
    }

    /// <summary>
    /// Reads one element. Returns null for a delimiter met where none belongs (skipped leniently, as DCMTK does)
    /// and <see cref="EndOfItem"/> for an item delimiter inside an item.
    /// </summary>
    private DicomItem? ReadElement(TransferSyntax syntax, int depth, bool inItem)
    {
        var le = syntax.IsLittleEndian;
        var start = source.ReportOffset;
        var group = source.ReadUInt16(le);
        var element = source.ReadUInt16(le);
        var tag = new DicomTag(group, element);

        if (tag.IsDelimiter)
        {
            source.Skip(4); // a delimiter's length field carries nothing (PS3.5 7.5)
            if (tag == DicomTag.ItemDelimitation && inItem)
            {
                return EndOfItem;
            }
            if (tag == DicomTag.Item)
            {
                throw Fail("An item tag (FFFE,E000) appears outside any sequence", start, tag);
            }
            return null;
        }

        DicomVR vr;
        uint length;
        if (syntax.IsExplicitVR)
        {
            var vrBytes = source.Peek(2);
            if (vrBytes.IsEmpty)
            {
                throw new EndOfStreamException();
            }
            if (DicomVR.TryGet(vrBytes[0], vrBytes[1], out vr))
            {
                source.Skip(2);
                if (vr.HasLongLength)
                {
                    source.Skip(2);
                    length = source.ReadUInt32(le);
                }
                else
                {
                    length = source.ReadUInt16(le);
                }
            }
            else if (IsUpper(vrBytes[0]) && IsUpper(vrBytes[1]))
            {
                // A VR this edition does not know: PS3.5 6.2 says new VRs use the long form; keep the value as UN.
                source.Skip(4);
                vr = DicomVR.UN;
                length = source.ReadUInt32(le);
            }
            else
            {
                // No VR where one must be: an implicit element in an explicit stream (a known writer fault that
                // DCMTK reads the same way). The dictionary supplies the VR.
                vr = ImplicitVR(tag);
                length = source.ReadUInt32(le);
            }
        }
        else
        {
            vr = ImplicitVR(tag);
            length = source.ReadUInt32(le);
        }

        if (vr == DicomVR.SQ)
        {
            return ReadSequence(tag, vr, length, syntax, depth, start);
        }
        if (length == Undefined)
        {
            if (vr == DicomVR.UN || (!syntax.IsExplicitVR && vr.Kind != VRKind.Bytes))
            {
                // An undefined-length UN is a sequence whose items are Implicit VR Little Endian (PS3.5 6.2.2 note 4);
                // in implicit syntaxes an undefined length can only mean a sequence the dictionary does not know.
                if (tag == DicomTag.PixelData)
                {
                    return ReadFragments(tag, DicomVR.OB, syntax, start);
                }
                return syntax.IsExplicitVR
                    ? ReadSequence(tag, DicomVR.UN, length, TransferSyntax.ImplicitVRLittleEndian, depth, start)
                    : ReadSequence(tag, DicomVR.SQ, length, syntax, depth, start);
            }
            if (vr == DicomVR.OB || vr == DicomVR.OW)
            {
                // Encapsulated pixel data is OB (PS3.5 A.4); in implicit VR the dictionary's OW (A.1) does not apply.
                return ReadFragments(tag, syntax.IsExplicitVR ? vr : DicomVR.OB, syntax, start);
            }
            throw Fail($"Undefined length is not allowed for VR {vr}", start, tag);
        }

        if (length > source.Remaining)
        {
            throw Fail($"Value length {length} exceeds the {source.Remaining} bytes left in the file", start, tag);
        }
        return new DicomElement(tag, vr, ReadValue(length, start, tag), le);
    }

    private ValueBuffer ReadValue(long length, long start, DicomTag tag)
    {
        if (length == 0)
        {
            return ValueBuffer.Empty;
        }
        if (origin is not null && length >= options.DeferThreshold && source.CanSeek)
        {
            var offset = source.Position;
            source.Skip(length);
            return new FileValueBuffer(origin, offset, length);
        }
        bytesInMemory += length;
        if (bytesInMemory > options.MaxBytesInMemory)
        {
            throw Fail($"The data set needs more than {options.MaxBytesInMemory} bytes in memory (ReadOptions.MaxBytesInMemory)", start, tag);
        }
        return ValueBuffer.From(source.ReadMemory(length));
    }

    private DicomSequence ReadSequence(DicomTag tag, DicomVR vr, uint length, TransferSyntax syntax, int depth, long start)
    {
        if (depth >= options.MaxDepth)
        {
            throw Fail($"Sequences are nested more than {options.MaxDepth} deep (ReadOptions.MaxDepth)", start, tag);
        }
        var le = syntax.IsLittleEndian;
        var undefined = length == Undefined;
        if (!undefined && length > source.Remaining)
        {
            throw Fail($"Sequence length {length} exceeds the {source.Remaining} bytes left in the file", start, tag);
        }
        var end = undefined ? long.MaxValue : source.Position + length;
        var items = new List<DicomDataSet>();
        while (source.Position < end)
        {
            var itemStart = source.ReportOffset;
            if (undefined && source.IsAtEnd)
            {
                throw Fail("The file ends inside a sequence that has no Sequence Delimitation Item", itemStart, tag);
            }
            var itemTag = new DicomTag(source.ReadUInt16(le), source.ReadUInt16(le));
            var itemLength = source.ReadUInt32(le);
            if (itemTag == DicomTag.SequenceDelimitation)
            {
                if (undefined)
                {
                    break;
                }
                continue;
            }
            if (itemTag != DicomTag.Item)
            {
                throw Fail($"Expected an item (FFFE,E000) in the sequence but found {itemTag}", itemStart, tag);
            }
            items.Add(ReadItem(itemLength, syntax, depth + 1, itemStart, end));
        }
        if (!undefined && source.Position != end)
        {
            throw Fail($"The items of the sequence overrun its length {length}", start, tag);
        }
        return new DicomSequence(tag, items, undefined, vr);
    }

    private DicomDataSet ReadItem(uint length, TransferSyntax syntax, int depth, long start, long sequenceEnd)
    {
        var item = new DicomDataSet { UndefinedLength = length == Undefined };
        scopes.Add(item);
        try
        {
            return ReadItemContent(item, length, syntax, depth, start, sequenceEnd);
        }
        finally
        {
            scopes.RemoveAt(scopes.Count - 1);
        }
    }

    private DicomDataSet ReadItemContent(DicomDataSet item, uint length, TransferSyntax syntax, int depth, long start, long sequenceEnd)
    {
        if (length == Undefined)
        {
            while (true)
            {
                if (source.IsAtEnd)
                {
                    throw Fail("The file ends inside an item that has no Item Delimitation Item", start, DicomTag.Item);
                }
                var e = ReadElement(syntax, depth, inItem: true);
                if (ReferenceEquals(e, EndOfItem))
                {
                    return item;
                }
                AddTo(item, e);
            }
        }
        // An item claiming more than its defined-length sequence holds (e.g. a DICOMDIR whose elements were removed
        // without fixing the item length) ends with the sequence, as DCMTK and pydicom read it. The sequence's own
        // length was already checked against the file.
        var end = Math.Min(source.Position + length, sequenceEnd);
        if (end - source.Position > source.Remaining)
        {
            throw Fail($"Item length {length} exceeds the {source.Remaining} bytes left in the file", start, DicomTag.Item);
        }
        while (source.Position < end)
        {
            var e = ReadElement(syntax, depth, inItem: true);
            if (ReferenceEquals(e, EndOfItem))
            {
                // An item delimiter inside a defined-length item: tolerated and skipped, as DCMTK does.
                continue;
            }
            AddTo(item, e);
        }
        if (source.Position != end)
        {
            throw Fail($"The elements of the item overrun its length {length}", start, DicomTag.Item);
        }
        return item;
    }

    /// <summary>
    /// The dictionary's VR for an element whose VR is not in the stream. Where PS3.6 allows "US or SS" the choice
    /// follows Pixel Representation (0028,0103) of the data set or the nearest enclosing one that has it: 1 (two's
    /// complement) gives SS, as DCMTK and pydicom decide; otherwise US. Without this, converting to explicit VR
    /// would label signed values US.
    /// </summary>
    private DicomVR ImplicitVR(DicomTag tag)
    {
        var vr = DicomDictionary.ImplicitVR(tag);
        if (vr != DicomVR.US || DicomDictionary.Lookup(tag)?.VRs is not [_, var second] || second != DicomVR.SS)
        {
            return vr;
        }
        for (var i = scopes.Count - 1; i >= 0; i--)
        {
            if (scopes[i].FindElement(PixelRepresentation) is { Length: >= 2 } pr)
            {
                var bytes = pr.GetLittleEndianBytes().Span;
                return (bytes[0] | bytes[1] << 8) == 1 ? DicomVR.SS : DicomVR.US;
            }
        }
        return vr;
    }

    private static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);

    private static void AddTo(DicomDataSet item, DicomItem? element)
    {
        if (element is not null)
        {
            item.Set(element);
        }
    }

    private DicomFragmentSequence ReadFragments(DicomTag tag, DicomVR vr, TransferSyntax syntax, long start)
    {
        var le = syntax.IsLittleEndian;
        ValueBuffer? offsetTable = null;
        var fragments = new List<ValueBuffer>();
        while (true)
        {
            var itemStart = source.ReportOffset;
            if (source.IsAtEnd)
            {
                throw Fail("The file ends inside encapsulated pixel data that has no Sequence Delimitation Item", itemStart, tag);
            }
            var itemTag = new DicomTag(source.ReadUInt16(le), source.ReadUInt16(le));
            var itemLength = source.ReadUInt32(le);
            if (itemTag == DicomTag.SequenceDelimitation)
            {
                break;
            }
            if (itemTag != DicomTag.Item)
            {
                throw Fail($"Expected a fragment item (FFFE,E000) in encapsulated pixel data but found {itemTag}", itemStart, tag);
            }
            if (itemLength == Undefined || itemLength > source.Remaining)
            {
                throw Fail($"Fragment length {itemLength:X8}h is undefined or exceeds the bytes left in the file", itemStart, tag);
            }
            var value = ReadValue(itemLength, itemStart, tag);
            if (offsetTable is null)
            {
                offsetTable = value;
            }
            else
            {
                fragments.Add(value);
            }
        }
        return new DicomFragmentSequence(tag, vr, offsetTable ?? ValueBuffer.Empty, fragments);
    }

    private DicomFormatException Fail(string message, long offset, DicomTag tag) => new(message + OffsetNote, offset, tag);

    private static bool IsUpper(byte b) => b is >= (byte)'A' and <= (byte)'Z';
}
