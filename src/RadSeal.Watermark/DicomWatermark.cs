using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Watermark;

/// <summary>
/// The watermark on DICOM instances. Marking changes pixel values, so the marked image is a new instance: it gets a new
/// SOP Instance UID (PS3.3 C.12.1.1.1), Image Type value 1 becomes DERIVED and Derivation Description says what was done.
/// The mark is bound to the new UID (a mark moved into another instance fails with identity-mismatch). What embedding
/// changed in the header is kept in a private block so that restore gives back the original instance exactly:
/// <code>
/// (0009,0010) LO  "RADSEAL WATERMARK 4"         private creator ("RADSEAL WATERMARK 3" / "2" on format-3 / -2 files, still read)
/// (0009,1001) CS  "PEE_RHOMBUS_V4"              the method (the pixels carry a RadSeal reversible watermark; V3 / V2 on older files)
/// (0009,1002) UI  original SOP Instance UID
/// (0009,1003) CS  original Image Type values
/// (0009,1004) ST  original Derivation Description (absent when there was none)
/// (0009,1005) OB  the signer's certificate (DER): format-3 and -4 pixels carry only a reference to it, so DICOM stays self-contained
/// </code>
/// </summary>
public static class DicomWatermark
{
    public const string PrivateCreator = "RADSEAL WATERMARK 4";
    public const string Method = "PEE_RHOMBUS_V4";
    private const string PrivateCreatorV3 = "RADSEAL WATERMARK 3";
    private const string MethodV3 = "PEE_RHOMBUS_V3";
    private const string PrivateCreatorV2 = "RADSEAL WATERMARK 2";
    private const string MethodV2 = "PEE_RHOMBUS_V2";
    private static readonly DicomTag CreatorTag = new(0x0009, 0x0010);
    private static readonly DicomTag MethodTag = new(0x0009, 0x1001);
    private static readonly DicomTag OriginalUidTag = new(0x0009, 0x1002);
    private static readonly DicomTag OriginalImageTypeTag = new(0x0009, 0x1003);
    private static readonly DicomTag OriginalDerivationTag = new(0x0009, 0x1004);
    private static readonly DicomTag SignerCertificateTag = new(0x0009, 0x1005);

    /// <summary>SHA-256 of the UID's ASCII text: the image identity the mark is bound to.</summary>
    public static byte[] IdentityHash(string uid) => SHA256.HashData(Encoding.ASCII.GetBytes(uid.TrimEnd('\0', ' ')));

    /// <summary>True when the header records that the pixels were marked by RadSeal.</summary>
    public static bool IsRecordedAsMarked(DicomDataSet ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        return (ds.GetString(CreatorTag)?.Trim(), ds.GetString(MethodTag)?.Trim()) is (PrivateCreator, Method) or (PrivateCreatorV3, MethodV3) or (PrivateCreatorV2, MethodV2);
    }

    public static (DicomFile File, EmbedStatistics Statistics) Embed(DicomFile file, IWatermarkSigner signer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(signer);
        if (IsRecordedAsMarked(file.DataSet))
        {
            throw new WatermarkException("The instance already carries a RadSeal watermark; restore it first.");
        }
        if (file.DataSet.Contains(CreatorTag))
        {
            throw new WatermarkException("Private group 0009 block 10 is already in use by another creator.");
        }
        var originalUid = file.DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ')
            ?? throw new WatermarkException("The instance has no SOP Instance UID.");
        var image = DicomPixels.Read(file);
        var uid = DicomUid.Generate();
        var marked = image.Clone();
        var statistics = Watermarker.EmbedInPlace(marked.Samples, image.Width, image.Height, image.Frames, image.BitsStored, image.IsSigned,
            signer, IdentityHash(uid), cancellationToken);
        var result = DicomPixels.WithPixels(file, marked);
        var ds = result.DataSet;
        var imageType = ds.GetStrings(DicomTags.ImageType).ToArray();
        ds.SetString(CreatorTag, DicomVR.LO, PrivateCreator);
        ds.SetString(MethodTag, DicomVR.CS, Method);
        // The original values are kept as their encoded bytes so that restore puts back exactly what was there.
        CopyValue(ds, DicomTags.SOPInstanceUID, OriginalUidTag, DicomVR.UI);
        CopyValue(ds, DicomTags.ImageType, OriginalImageTypeTag, DicomVR.CS);
        CopyValue(ds, DicomTags.DerivationDescription, OriginalDerivationTag, DicomVR.ST);
        ds.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, uid);
        if (imageType.Length > 0)
        {
            imageType[0] = "DERIVED";
            ds.SetStrings(DicomTags.ImageType, DicomVR.CS, imageType);
        }
        ds.Set(new DicomElement(SignerCertificateTag, DicomVR.OB, PadEven(signer.Certificate.Span)));
        ds.SetString(DicomTags.DerivationDescription, DicomVR.ST,
            $"Reversible watermark (RadSeal {Method}); original pixels restorable bit for bit");
        result.Meta.SetString(DicomTags.MediaStorageSOPInstanceUID, DicomVR.UI, uid);
        return (result, statistics);
    }

    private static bool CopyValue(DicomDataSet ds, DicomTag from, DicomTag to, DicomVR vr)
    {
        if (ds.FindElement(from) is not { } element)
        {
            return false;
        }
        ds.Set(new DicomElement(to, vr, element.GetLittleEndianBytes().ToArray()));
        return true;
    }

    /// <summary>
    /// Verifies the mark, looking the signer's certificate up in <paramref name="certificates"/>, the trust anchors and
    /// the certificate the header keeps (0009,1005). A certificate from the header is only a candidate: the signature
    /// covers its full hash and it must still chain to a trust anchor.
    /// </summary>
    public static WatermarkReport Verify(DicomFile file, X509Certificate2Collection trustAnchors, X509Certificate2Collection? certificates = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        // Verify keeps nothing of the pixels, so they are read into a rented buffer: a gateway checking a stream of
        // large images would otherwise allocate one large buffer per image.
        using var pixels = DicomPixels.ReadPooled(file);
        var image = pixels.Image;
        var uid = file.DataSet.GetString(DicomTags.SOPInstanceUID) ?? "";
        var candidates = new X509Certificate2Collection();
        using var fromHeader = HeaderCertificate(file.DataSet);
        if (certificates is not null)
        {
            candidates.AddRange(certificates);
        }
        if (fromHeader is not null)
        {
            candidates.Add(fromHeader);
        }
        var report = Watermarker.Verify(image, trustAnchors, IdentityHash(uid), candidates);
        if (report.Status == WatermarkStatus.Absent && IsRecordedAsMarked(file.DataSet))
        {
            // The header says the pixels were marked but no mark is there: they were replaced or re-encoded.
            return report with
            {
                Status = WatermarkStatus.Tampered,
                Reason = "mark-removed",
                Detail = "The header records a RadSeal watermark but the pixels carry none.",
            };
        }
        return report;
    }

    /// <summary>The certificate the header keeps for a format-3 or -4 mark; null when there is none or it cannot be read (then it is simply not a candidate).</summary>
    private static X509Certificate2? HeaderCertificate(DicomDataSet ds)
    {
        if (!IsRecordedAsMarked(ds) || ds.FindElement(SignerCertificateTag) is not { } element)
        {
            return null;
        }
        try
        {
            var bytes = element.GetLittleEndianBytes();
            // DER knows its own length; the value may carry one byte of padding to an even length.
            return X509CertificateLoader.LoadCertificate(bytes.Span[..DerLength(bytes.Span)]);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The length of the DER element at the start of <paramref name="der"/> (the whole span when it cannot tell).</summary>
    private static int DerLength(ReadOnlySpan<byte> der)
    {
        if (der.Length < 2)
        {
            return der.Length;
        }
        if (der[1] < 0x80)
        {
            return Math.Min(der.Length, 2 + der[1]);
        }
        var count = der[1] & 0x7F;
        if (count is 0 or > 3 || der.Length < 2 + count)
        {
            return der.Length;
        }
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            length = (length << 8) | der[2 + i];
        }
        return Math.Min(der.Length, 2 + count + length);
    }

    private static byte[] PadEven(ReadOnlySpan<byte> value)
    {
        var padded = new byte[value.Length + (value.Length & 1)];
        value.CopyTo(padded);
        return padded;
    }

    /// <summary>The original instance: pixels restored bit for bit, the header attributes embedding changed put back.</summary>
    public static DicomFile Restore(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var image = DicomPixels.Read(file);
        var restored = Watermarker.Restore(image);
        var result = DicomPixels.WithPixels(file, restored);
        var ds = result.DataSet;
        if (!IsRecordedAsMarked(ds))
        {
            return result; // a marked picture without our header record: only the pixels can be given back
        }
        var originalUid = ds.GetString(OriginalUidTag)?.Trim('\0', ' ');
        if (!DicomUid.IsValid(originalUid))
        {
            throw new WatermarkException("The recorded original SOP Instance UID is not a valid UID.");
        }
        CopyValue(ds, OriginalUidTag, DicomTags.SOPInstanceUID, DicomVR.UI);
        result.Meta.SetString(DicomTags.MediaStorageSOPInstanceUID, DicomVR.UI, originalUid!);
        CopyValue(ds, OriginalImageTypeTag, DicomTags.ImageType, DicomVR.CS);
        if (!CopyValue(ds, OriginalDerivationTag, DicomTags.DerivationDescription, DicomVR.ST))
        {
            ds.Remove(DicomTags.DerivationDescription);
        }
        foreach (var tag in new[] { CreatorTag, MethodTag, OriginalUidTag, OriginalImageTypeTag, OriginalDerivationTag, SignerCertificateTag })
        {
            ds.Remove(tag);
        }
        return result;
    }
}
