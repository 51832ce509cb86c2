namespace RadSeal.Dicom.Networking;

/// <summary>
/// A DIMSE command set (PS3.7 9.3, group 0000), always encoded in Implicit VR Little Endian with the codec's own
/// encoder and parser. Only what C-ECHO and C-STORE need is typed here.
/// </summary>
internal sealed class DimseCommand
{
    public const ushort CStoreRequest = 0x0001;
    public const ushort CStoreResponse = 0x8001;
    public const ushort CEchoRequest = 0x0030;
    public const ushort CEchoResponse = 0x8030;

    /// <summary>(0000,0800) value meaning "no data set follows".</summary>
    public const ushort NoDataSet = 0x0101;

    /// <summary>The largest command set accepted: real ones are a few hundred bytes.</summary>
    public const int MaxEncodedLength = 64 * 1024;

    public DimseCommand(DicomDataSet dataSet) => DataSet = dataSet;

    public DicomDataSet DataSet { get; }

    public ushort CommandField => DataSet.GetValue<ushort>(DicomTags.CommandField) ?? 0;

    public ushort MessageId => DataSet.GetValue<ushort>(DicomTags.MessageID) ?? 0;

    public ushort MessageIdBeingRespondedTo => DataSet.GetValue<ushort>(DicomTags.MessageIDBeingRespondedTo) ?? 0;

    public bool HasDataSet => (DataSet.GetValue<ushort>(DicomTags.CommandDataSetType) ?? NoDataSet) != NoDataSet;

    public string AffectedSopClassUid => DataSet.GetString(DicomTags.AffectedSOPClassUID) ?? "";

    public string AffectedSopInstanceUid => DataSet.GetString(DicomTags.AffectedSOPInstanceUID) ?? "";

    public DimseStatus Status => new(DataSet.GetValue<ushort>(DicomTags.Status) ?? 0xFFFF);

    public string? ErrorComment => DataSet.GetString(DicomTags.ErrorComment);

    public static DimseCommand EchoRequest(ushort messageId) => Build(CEchoRequest, DicomUids.Verification, null, messageId, null, NoDataSet, null);

    public static DimseCommand StoreRequest(ushort messageId, string sopClass, string sopInstance) =>
        Build(CStoreRequest, sopClass, sopInstance, messageId, null, 0x0000, null, priority: true);

    public static DimseCommand Response(DimseCommand request, DimseStatus status, string? errorComment = null) =>
        Build((ushort)(request.CommandField | 0x8000),
            request.AffectedSopClassUid,
            request.CommandField == CStoreRequest ? request.AffectedSopInstanceUid : null,
            null, request.MessageId, NoDataSet, status, errorComment: errorComment);

    private static DimseCommand Build(ushort field, string sopClass, string? sopInstance, ushort? messageId,
        ushort? respondingTo, ushort dataSetType, DimseStatus? status, bool priority = false, string? errorComment = null)
    {
        var ds = new DicomDataSet();
        ds.SetValues(DicomTags.CommandGroupLength, DicomVR.UL, 0u);
        ds.Set(DicomWriter.UidElement(DicomTags.AffectedSOPClassUID, sopClass));
        ds.SetValues(DicomTags.CommandField, DicomVR.US, field);
        if (messageId is { } id)
        {
            ds.SetValues(DicomTags.MessageID, DicomVR.US, id);
        }
        if (respondingTo is { } r)
        {
            ds.SetValues(DicomTags.MessageIDBeingRespondedTo, DicomVR.US, r);
        }
        if (priority)
        {
            ds.SetValues(DicomTags.Priority, DicomVR.US, (ushort)0);
        }
        ds.SetValues(DicomTags.CommandDataSetType, DicomVR.US, dataSetType);
        if (status is { } s)
        {
            ds.SetValues(DicomTags.Status, DicomVR.US, s.Code);
        }
        if (errorComment is not null)
        {
            // LO: at most 64 characters.
            ds.Set(DicomWriter.TextElement(DicomTags.ErrorComment, DicomVR.LO, errorComment.Length > 64 ? errorComment[..64] : errorComment));
        }
        if (sopInstance is not null)
        {
            ds.Set(DicomWriter.UidElement(DicomTags.AffectedSOPInstanceUID, sopInstance));
        }
        return new DimseCommand(ds);
    }

    public byte[] Encode()
    {
        using var ms = new MemoryStream();
        new DicomEncoder(ms, TransferSyntax.ImplicitVRLittleEndian).WriteDataSet(DataSet);
        return ms.ToArray();
    }

    public static DimseCommand Decode(ReadOnlyMemory<byte> bytes)
    {
        var ds = new DicomDataSet();
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var source = new ByteSource(stream);
            var options = new ReadOptions { MaxDepth = 4, MaxBytesInMemory = MaxEncodedLength };
            new DicomParser(source, options, origin: null).ReadDataSet(ds, TransferSyntax.ImplicitVRLittleEndian);
        }
        catch (Exception ex) when (ex is DicomFormatException or EndOfStreamException)
        {
            throw new DicomNetworkException("The DIMSE command set does not parse: " + ex.Message, ex);
        }
        if (ds.FindElement(DicomTags.CommandField) is not { Length: 2 })
        {
            throw new DicomNetworkException("The DIMSE command set has no Command Field (0000,0100).");
        }
        return new DimseCommand(ds);
    }
}
