using System.Collections.Frozen;

namespace RadSeal.Dicom;

/// <summary>
/// A transfer syntax as a descriptor (PS3.5 section 10): the one object that tells the reader and the writer how
/// the data set after the file meta group is encoded.
/// </summary>
public sealed class TransferSyntax : IEquatable<TransferSyntax>
{
    private TransferSyntax(string uid, string name, bool explicitVR, bool littleEndian, bool encapsulated, bool deflated, bool lossy)
    {
        Uid = uid;
        Name = name;
        IsExplicitVR = explicitVR;
        IsLittleEndian = littleEndian;
        IsEncapsulated = encapsulated;
        IsDeflated = deflated;
        IsLossy = lossy;
    }

    public string Uid { get; }
    public string Name { get; }
    public bool IsExplicitVR { get; }
    public bool IsLittleEndian { get; }

    /// <summary>Pixel Data is stored as a sequence of fragments (compressed or otherwise packaged).</summary>
    public bool IsEncapsulated { get; }

    /// <summary>Everything after the file meta group is raw DEFLATE (RFC 1951) compressed.</summary>
    public bool IsDeflated { get; }

    public bool IsLossy { get; }

    /// <summary>Whether this syntax is one RadSeal can write and transcode to (the uncompressed family).</summary>
    public bool IsUncompressed => !IsEncapsulated;

    public bool Equals(TransferSyntax? other) => other is not null && Uid == other.Uid;
    public override bool Equals(object? obj) => Equals(obj as TransferSyntax);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Uid);
    public override string ToString() => $"{Name} ({Uid})";

    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, true, false, false, false);
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, true, false, false, false);
    public static readonly TransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", true, true, true, false, false);
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, true, false, true, false);
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", true, false, false, false, false);
    public static readonly TransferSyntax JpegBaseline = Compressed("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true);
    public static readonly TransferSyntax JpegExtended = Compressed("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true);
    public static readonly TransferSyntax JpegLossless = Compressed("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", false);
    public static readonly TransferSyntax JpegLosslessSV1 = Compressed("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", false);
    public static readonly TransferSyntax JpegLSLossless = Compressed("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", false);
    public static readonly TransferSyntax JpegLSNearLossless = Compressed("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", true);
    public static readonly TransferSyntax Jpeg2000Lossless = Compressed("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", false);
    public static readonly TransferSyntax Jpeg2000 = Compressed("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true);
    public static readonly TransferSyntax Jpeg2000Part2Lossless = Compressed("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", false);
    public static readonly TransferSyntax Jpeg2000Part2 = Compressed("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", true);
    public static readonly TransferSyntax Mpeg2MainProfile = Compressed("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true);
    public static readonly TransferSyntax Mpeg4 = Compressed("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", true);
    public static readonly TransferSyntax HighThroughputJpeg2000Lossless = Compressed("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", false);
    public static readonly TransferSyntax HighThroughputJpeg2000RpclLossless = Compressed("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)", false);
    public static readonly TransferSyntax HighThroughputJpeg2000 = Compressed("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", true);
    public static readonly TransferSyntax RleLossless = Compressed("1.2.840.10008.1.2.5", "RLE Lossless", false);

    private static TransferSyntax Compressed(string uid, string name, bool lossy) => new(uid, name, true, true, true, false, lossy);

    public static IReadOnlyList<TransferSyntax> Known { get; } =
    [
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, EncapsulatedUncompressedExplicitVRLittleEndian,
        DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, JpegBaseline, JpegExtended, JpegLossless, JpegLosslessSV1,
        JpegLSLossless, JpegLSNearLossless, Jpeg2000Lossless, Jpeg2000, Jpeg2000Part2Lossless, Jpeg2000Part2,
        Mpeg2MainProfile, Mpeg4, HighThroughputJpeg2000Lossless, HighThroughputJpeg2000RpclLossless,
        HighThroughputJpeg2000, RleLossless,
    ];

    private static readonly FrozenDictionary<string, TransferSyntax> ByUid = Known.ToFrozenDictionary(t => t.Uid, StringComparer.Ordinal);

    /// <summary>
    /// Finds the syntax for a UID. An unknown UID is taken, as DCMTK and pydicom do, to be an encapsulated
    /// Explicit VR Little Endian syntax: every compressed syntax defined since has had that shape.
    /// </summary>
    public static TransferSyntax FromUid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var clean = uid.TrimEnd('\0', ' ');
        if (ByUid.TryGetValue(clean, out var ts))
        {
            return ts;
        }
        return new TransferSyntax(clean, "Unknown transfer syntax", true, true, true, false, false);
    }

    public static bool IsKnown(string uid) => ByUid.ContainsKey(uid.TrimEnd('\0', ' '));
}
