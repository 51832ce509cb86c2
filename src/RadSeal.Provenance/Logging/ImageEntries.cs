using System.Security.Cryptography;
using RadSeal.Dicom;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Provenance.Logging;

/// <summary>What the transparency ledger records about one image (docs/ledger.md, entry format v1).</summary>
/// <param name="SopInstanceUid">The SOP Instance UID, committed to (never stored) by the log.</param>
/// <param name="PixelHash">SHA-256 of the pixel content.</param>
/// <param name="SignatureHash">SHA-256 over every Signature value; zero without a digital signature.</param>
/// <param name="DeviceCertificateFingerprint">SHA-256 of the first signer certificate; zero without one.</param>
public sealed record ImageEntry(string SopInstanceUid, Hash PixelHash, Hash SignatureHash, Hash DeviceCertificateFingerprint);

/// <summary>Computes the ledger's description of a DICOM image; shared by `radseal log append` and the gateway.</summary>
public static class ImageEntries
{
    /// <summary>
    /// Describes an image. Without a digital signature both signature fields are zero; without Pixel Data the pixel hash
    /// is zero when <paramref name="requirePixelData"/> is false (objects such as SR have none).
    /// </summary>
    /// <exception cref="DicomFormatException">No SOP Instance UID, a UID that is not UID-shaped, or no Pixel Data.</exception>
    public static ImageEntry Describe(DicomFile file, bool requirePixelData = true)
    {
        ArgumentNullException.ThrowIfNull(file);
        var uid = file.DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ')
            ?? throw new DicomFormatException("no SOP Instance UID (0008,0018)");
        if (!SubjectCommitments.IsUidShaped(uid))
        {
            throw new DicomFormatException($"SOP Instance UID '{uid}' is not a UID");
        }
        var pixels = file.DataSet.Find(DicomTags.PixelData) switch
        {
            DicomElement e => Hash.Sha256(e.GetLittleEndianBytes().Span),
            DicomFragmentSequence f => HashFragments(f),
            _ when !requirePixelData => default,
            _ => throw new DicomFormatException("no Pixel Data (7FE0,0010)"),
        };
        var signature = default(Hash);
        var device = default(Hash);
        if (file.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence) is { Items.Count: > 0 } signatures)
        {
            using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var item in signatures.Items)
            {
                if (item.FindElement(DicomTags.Signature) is { } s)
                {
                    all.AppendData(s.Value.GetMemory().Span);
                }
            }
            signature = Hash.FromBytes(all.GetHashAndReset());
            if (signatures.Items[0].FindElement(DicomTags.CertificateOfSigner) is { } certificate)
            {
                device = Hash.Sha256(certificate.Value.GetMemory().Span);
            }
        }
        return new ImageEntry(uid, pixels, signature, device);
    }

    private static Hash HashFragments(DicomFragmentSequence fragments)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var fragment in fragments.Fragments)
        {
            sha.AppendData(fragment.GetMemory().Span);
        }
        return Hash.FromBytes(sha.GetHashAndReset());
    }
}
