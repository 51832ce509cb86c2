using RadSeal.Dicom;

namespace RadSeal.Provenance.Signatures;

/// <summary>
/// The byte stream a DICOM digital signature's MAC is computed over (PS3.3 C.12.1.1.3.1.1 and C.12.1.1.3.1.2), byte
/// for byte as DCMTK's dcmsign 3.6.7 writes it with <c>dcmsign +d</c>:
/// <list type="bullet">
/// <item>Explicit VR Little Endian, whatever the file's own syntax;</item>
/// <item>a primitive element exactly as Explicit VR LE encodes it (tag, VR, reserved bytes, length, value);</item>
/// <item>a sequence as tag, "SQ", 00 00 without its length; each item as (FFFE,E000) without its length followed by its
/// signable elements, no item delimiter; then (FFFE,E0DD) without a length, whether or not the file had one;</item>
/// <item>encapsulated pixel data as tag, VR, 00 00; the offset table and each fragment as (FFFE,E000) and the raw bytes
/// without the item length; then (FFFE,E0DD);</item>
/// <item>after the signed elements, the signature item's own elements except Certificate of Signer, Signature and the
/// certified time-stamp (these are produced after the MAC, so cannot be in it).</item>
/// </list>
/// </summary>
public static class MacStreamBuilder
{
    private static readonly byte[] ItemTag = [0xFE, 0xFF, 0x00, 0xE0];
    private static readonly byte[] SequenceDelimiter = [0xFE, 0xFF, 0xDD, 0xE0];

    /// <summary>
    /// Tags that are never signable, wherever they appear (C.12.1.1.3.1.1): group lengths, Length to End, groups below
    /// 0008, group FFFA, MAC Parameters Sequence, Data Set Trailing Padding and the delimitation items.
    /// </summary>
    public static bool IsSignableTag(DicomTag tag) =>
        tag.Element != 0
        && tag != new DicomTag(0x0008, 0x0001)
        && tag.Group >= 0x0008
        && tag.Group != 0xFFFA
        && tag != DicomTags.MACParametersSequence
        && tag != new DicomTag(0xFFFC, 0xFFFC)
        && tag != DicomTag.ItemDelimitation
        && tag != DicomTag.SequenceDelimitation;

    /// <summary>
    /// Whether an element may be covered by a MAC: a signable tag, a VR other than UN, and for a sequence no UN element at
    /// any depth (a UN value's bytes depend on the byte order it was read in, so no signature could survive a transcode).
    /// </summary>
    public static bool IsSignable(DicomItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!IsSignableTag(item.Tag) || item.VR == DicomVR.UN)
        {
            return false;
        }
        return item is not DicomSequence sq || !ContainsUnknownVR(sq);
    }

    private static bool ContainsUnknownVR(DicomSequence sq)
    {
        foreach (var child in sq.Items)
        {
            foreach (var e in child)
            {
                // Elements the MAC skips anyway (nested signatures, group lengths) do not taint the sequence.
                if (!IsSignableTag(e.Tag))
                {
                    continue;
                }
                if (e.VR == DicomVR.UN || (e is DicomSequence inner && ContainsUnknownVR(inner)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// Writes the elements of <paramref name="dataSet"/> whose tags are in <paramref name="signedTags"/>, in data set
    /// order, as the MAC stream encodes them. The caller has checked that every selected element is signable; one that
    /// is not is refused here too, so no stream ever silently leaves out a listed element.
    /// </summary>
    public static void WriteDataElements(
        Stream output, DicomDataSet dataSet, IReadOnlySet<DicomTag> signedTags, TransferSyntax macSyntax,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(dataSet);
        ArgumentNullException.ThrowIfNull(signedTags);
        ArgumentNullException.ThrowIfNull(macSyntax);
        var writer = new Writer(output, macSyntax, cancellationToken);
        foreach (var item in dataSet)
        {
            if (!signedTags.Contains(item.Tag))
            {
                continue;
            }
            if (!IsSignable(item))
            {
                throw new MacStreamException(item.Tag, $"{item.Tag} ({item.VR}) is listed in Data Elements Signed but is not signable (PS3.3 C.12.1.1.3.1.1)");
            }
            writer.WriteItem(item);
        }
    }

    /// <summary>
    /// Writes the Digital Signatures Sequence item's elements that the MAC covers: all but Certificate of Signer,
    /// Signature, Certified Timestamp Type and Certified Timestamp (as dcmsign's encodeDigitalSignatureItem does).
    /// </summary>
    public static void WriteSignatureItem(Stream output, DicomDataSet signatureItem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(signatureItem);
        var writer = new Writer(output, TransferSyntax.ExplicitVRLittleEndian, cancellationToken);
        foreach (var item in signatureItem)
        {
            if (IsExcludedFromSignatureItem(item.Tag) || !IsSignableTag(item.Tag))
            {
                continue;
            }
            writer.WriteItem(item);
        }
    }

    /// <summary>The whole stream for one signature, in memory (tests and small data sets; signing streams into a hash).</summary>
    public static byte[] Build(DicomDataSet dataSet, IReadOnlySet<DicomTag> signedTags, TransferSyntax macSyntax, DicomDataSet signatureItem)
    {
        using var memory = new MemoryStream();
        WriteDataElements(memory, dataSet, signedTags, macSyntax);
        WriteSignatureItem(memory, signatureItem);
        return memory.ToArray();
    }

    internal static bool IsExcludedFromSignatureItem(DicomTag tag) =>
        tag == DicomTags.CertificateOfSigner || tag == DicomTags.Signature
        || tag == DicomTags.CertifiedTimestampType || tag == DicomTags.CertifiedTimestamp;

    private sealed class Writer(Stream output, TransferSyntax macSyntax, CancellationToken cancellationToken)
    {
        private readonly DicomEncoder encoder = new(output, TransferSyntax.ExplicitVRLittleEndian);

        public void WriteItem(DicomItem item)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (item)
            {
                case DicomElement e:
                    encoder.WriteItem(e);
                    break;
                case DicomSequence sq:
                    WriteOpenHeader(sq.Tag, sq.VR);
                    foreach (var child in sq.Items)
                    {
                        output.Write(ItemTag);
                        foreach (var inner in child)
                        {
                            if (IsSignable(inner))
                            {
                                WriteItem(inner);
                            }
                        }
                    }
                    output.Write(SequenceDelimiter);
                    break;
                case DicomFragmentSequence f:
                    if (!macSyntax.IsEncapsulated)
                    {
                        throw new MacStreamException(f.Tag,
                            $"{f.Tag} is encapsulated but the MAC transfer syntax {macSyntax.Uid} is not: the signed pixel data was transcoded after signing");
                    }
                    WriteOpenHeader(f.Tag, f.VR);
                    output.Write(ItemTag);
                    f.OffsetTable.CopyTo(output, cancellationToken);
                    foreach (var fragment in f.Fragments)
                    {
                        output.Write(ItemTag);
                        fragment.CopyTo(output, cancellationToken);
                    }
                    output.Write(SequenceDelimiter);
                    break;
                default:
                    throw new MacStreamException(item.Tag, $"Unknown element kind {item.GetType().Name} at {item.Tag}");
            }
        }

        private void WriteOpenHeader(DicomTag tag, DicomVR vr)
        {
            Span<byte> header = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(header, tag.Group);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(header[2..], tag.Element);
            header[4] = (byte)vr.Code[0];
            header[5] = (byte)vr.Code[1];
            header[6] = 0;
            header[7] = 0;
            output.Write(header);
        }
    }
}

/// <summary>The MAC stream cannot be built for this data set (an element is not signable, or the syntax does not fit).</summary>
public sealed class MacStreamException(DicomTag tag, string message) : Exception(message)
{
    public DicomTag Tag { get; } = tag;
}
