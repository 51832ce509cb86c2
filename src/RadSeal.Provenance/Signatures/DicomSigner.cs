using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;

namespace RadSeal.Provenance.Signatures;

/// <summary>How to sign; an immutable options object.</summary>
public sealed record SigningOptions
{
    public static SigningOptions Default { get; } = new();

    /// <summary>SHA256 (default), SHA384 or SHA512. The legacy terms are accepted for verification only.</summary>
    public MacAlgorithm Mac { get; init; } = MacAlgorithm.Sha256;

    public SignatureProfile Profile { get; init; } = SignatureProfile.None;

    /// <summary>The elements to sign; null signs every signable element of the target (what "sign all" means in dcmsign).</summary>
    public IReadOnlyCollection<DicomTag>? Tags { get; init; }

    /// <summary>A sequence item to sign instead of the whole data set, e.g. "ReferencedSeriesSequence[0]".</summary>
    public string? ItemAddress { get; init; }

    /// <summary>The Digital Signature DateTime; null means now. Always written in UTC with the +0000 offset.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Digital Signature Purpose (ASTM E1762 code 1-18, as dcmsign +sp), or null for none.</summary>
    public int? Purpose { get; init; }

    /// <summary>A time-stamp authority to certify the signature value (RFC 3161, Certified Timestamp Type CMS_TSP).</summary>
    public Timestamps.ITimestampAuthority? TimestampAuthority { get; init; }

    /// <summary>
    /// Refuse to sign when the certificate is not valid at the signing time (default). Turning it off exists to build
    /// test fixtures for verifiers; a real signer never needs it.
    /// </summary>
    public bool RequireCertificateValidAtSigningTime { get; init; } = true;
}

/// <summary>
/// Adds a DICOM digital signature (PS3.3 C.12.1.1.3, PS3.15 Annex C) to a data set or one of its items, the way
/// DCMTK's dcmsign does so that each verifies the other's signatures.
/// </summary>
public static class DicomSigner
{
    public const string CertificateTypeX509 = "X509_1993_SIG";
    public const string TimestampTypeCms = "CMS_TSP";

    /// <summary>The ASTM E1762 signature purposes (code value 1-18, scheme ASTM-sigpurpose), as dcmsign +lp lists them.</summary>
    public static IReadOnlyList<string> Purposes { get; } =
    [
        "Author's Signature", "Coauthor's Signature", "Co-participant's Signature", "Transcriptionist/Recorder Signature",
        "Verification Signature", "Validation Signature", "Consent Signature", "Signature Witness Signature",
        "Event Witness Signature", "Identity Witness Signature", "Consent Witness Signature", "Interpreter Signature",
        "Review Signature", "Source Signature", "Addendum Signature", "Modification Signature",
        "Administrative (Error/Edit) Signature", "Timestamp Signature",
    ];

    /// <summary>
    /// The syntax a signed file must be written in: its own, unless that is implicit VR or big endian, which cannot
    /// carry a signature safely (PS3.15 A.3: a later reader cannot recover private VRs), so Explicit VR LE.
    /// </summary>
    public static TransferSyntax OutputSyntax(TransferSyntax fileSyntax)
    {
        ArgumentNullException.ThrowIfNull(fileSyntax);
        return fileSyntax.IsExplicitVR && fileSyntax.IsLittleEndian ? fileSyntax : TransferSyntax.ExplicitVRLittleEndian;
    }

    /// <summary>The MAC Calculation Transfer Syntax for a file: its own when explicit LE (incl. encapsulated), else Explicit VR LE.</summary>
    public static TransferSyntax MacSyntax(TransferSyntax fileSyntax) => OutputSyntax(fileSyntax);

    /// <summary>
    /// Signs <paramref name="file"/>'s data set (or the item <see cref="SigningOptions.ItemAddress"/> names) in place and
    /// returns the new signature. Save the file in <see cref="OutputSyntax"/> afterwards.
    /// </summary>
    public static DicomSignature Sign(DicomFile file, SignatureKey key, SigningOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(key);
        options ??= SigningOptions.Default;
        if (options.Mac.IsLegacy)
        {
            throw new SigningException($"{options.Mac.Term} is accepted for verifying old signatures only; sign with SHA256, SHA384 or SHA512.");
        }
        CheckKey(key, options.Profile);
        var time = (options.Time ?? DateTimeOffset.UtcNow).ToUniversalTime();
        if (options.RequireCertificateValidAtSigningTime &&
            (time.UtcDateTime < key.Certificate.NotBefore.ToUniversalTime() || time.UtcDateTime > key.Certificate.NotAfter.ToUniversalTime()))
        {
            throw new SigningException(
                $"the certificate is valid from {key.Certificate.NotBefore.ToUniversalTime():u} to {key.Certificate.NotAfter.ToUniversalTime():u}, not at the signing time {time:u}");
        }
        if (options.Purpose is { } p && (p < 1 || p > Purposes.Count))
        {
            throw new SigningException($"signature purpose {p} is not an ASTM E1762 code (1-{Purposes.Count})");
        }

        var target = options.ItemAddress is null ? file.DataSet : DicomSignatures.ResolveItem(file.DataSet, options.ItemAddress);
        var macSyntax = MacSyntax(file.TransferSyntax);
        var tags = SelectTags(target, options);
        var macId = AllocateMacId(target);

        var macParameters = new DicomDataSet();
        macParameters.SetValues(DicomTags.MACIDNumber, DicomVR.US, macId);
        macParameters.SetString(DicomTags.MACCalculationTransferSyntaxUID, DicomVR.UI, macSyntax.Uid);
        macParameters.SetString(DicomTags.MACAlgorithm, DicomVR.CS, options.Mac.Term);
        macParameters.Set(new DicomElement(DicomTags.DataElementsSigned, DicomVR.AT, EncodeTags(tags)));

        var signatureItem = new DicomDataSet();
        signatureItem.SetValues(DicomTags.MACIDNumber, DicomVR.US, macId);
        signatureItem.SetString(DicomTags.DigitalSignatureUID, DicomVR.UI, DicomUid.Generate());
        signatureItem.SetString(DicomTags.DigitalSignatureDateTime, DicomVR.DT, FormatDateTime(time));
        signatureItem.SetString(DicomTags.CertificateType, DicomVR.CS, CertificateTypeX509);
        if (options.Purpose is { } purpose)
        {
            var code = new DicomDataSet();
            code.SetString(DicomTags.CodeValue, DicomVR.SH, purpose.ToString(CultureInfo.InvariantCulture));
            code.SetString(DicomTags.CodingSchemeDesignator, DicomVR.SH, "ASTM-sigpurpose");
            code.SetString(DicomTags.CodeMeaning, DicomVR.LO, Purposes[purpose - 1]);
            signatureItem.Set(new DicomSequence(DicomTags.DigitalSignaturePurposeCodeSequence, [code]));
        }

        byte[] mac;
        using (var hasher = options.Mac.CreateHasher())
        {
            MacStreamBuilder.WriteDataElements(hasher, target, tags.ToHashSet(), macSyntax, cancellationToken);
            MacStreamBuilder.WriteSignatureItem(hasher, signatureItem, cancellationToken);
            mac = hasher.GetHashAndReset();
        }
        var value = key.SignMac(mac, options.Mac);
        signatureItem.Set(new DicomElement(DicomTags.CertificateOfSigner, DicomVR.OB, PadEven(key.Certificate.RawData)));
        signatureItem.Set(new DicomElement(DicomTags.Signature, DicomVR.OB, PadEven(value)));
        if (options.TimestampAuthority is { } tsa)
        {
            // The token certifies the signature value as signed, without the even-length pad (dcmsign does the same).
            var token = tsa.RequestToken(value, cancellationToken);
            signatureItem.SetString(DicomTags.CertifiedTimestampType, DicomVR.CS, TimestampTypeCms);
            signatureItem.Set(new DicomElement(DicomTags.CertifiedTimestamp, DicomVR.OB, PadEven(token)));
        }

        Append(target, DicomTags.MACParametersSequence, macParameters);
        Append(target, DicomTags.DigitalSignaturesSequence, signatureItem);
        var location = options.ItemAddress ?? DicomSignatures.MainDataset;
        return new DicomSignature(target, signatureItem, location, inOriginalAttributes: false);
    }

    /// <summary>Formats a signature DateTime as dcmsign does: YYYYMMDDHHMMSS.FFFFFF+0000, always UTC.</summary>
    public static string FormatDateTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyyMMddHHmmss.ffffff", CultureInfo.InvariantCulture) + "+0000";

    private static void CheckKey(SignatureKey key, SignatureProfile profile)
    {
        var certificate = key.Certificate;
        if (profile.RsaOnly && key.Algorithm != SignerKeyAlgorithm.Rsa)
        {
            throw new SigningException($"the {profile.Name} profile ({profile.Clause}) allows RSA keys only; sign ECDSA keys without a profile");
        }
        if (key.Algorithm == SignerKeyAlgorithm.Rsa)
        {
            using var rsa = certificate.GetRSAPublicKey()!;
            if (rsa.KeySize < 2048)
            {
                throw new SigningException($"the RSA key has {rsa.KeySize} bits; RadSeal signs with 2048 bits or more");
            }
        }
        else
        {
            using var ecdsa = certificate.GetECDsaPublicKey()!;
            var curve = ecdsa.ExportParameters(false).Curve.Oid.FriendlyName ?? "";
            // DCMTK 3.6.7 cannot strip the pad of an odd-length P-521 DER signature (long-form 0x81 length): it would
            // reject a good share of our signatures, so only the curves it verifies reliably are used.
            if (ecdsa.KeySize is not (256 or 384))
            {
                throw new SigningException($"the ECDSA curve {curve} ({ecdsa.KeySize} bits) is not supported; use P-256 or P-384");
            }
        }
    }

    private static List<DicomTag> SelectTags(DicomDataSet target, SigningOptions options)
    {
        var selected = new HashSet<DicomTag>();
        if (options.Tags is null)
        {
            foreach (var item in target)
            {
                if (MacStreamBuilder.IsSignable(item))
                {
                    selected.Add(item.Tag);
                }
            }
        }
        else
        {
            foreach (var tag in options.Tags)
            {
                if (target.Find(tag) is not { } item)
                {
                    throw new SigningException($"{tag} is not in the data set being signed");
                }
                if (!MacStreamBuilder.IsSignable(item))
                {
                    throw new SigningException($"{tag} ({item.VR}) cannot be signed (PS3.3 C.12.1.1.3.1.1: group lengths, groups below 0008, UN and sequences holding UN, signature elements)");
                }
                selected.Add(tag);
            }
        }
        selected.UnionWith(options.Profile.RequiredIn(target));
        if (selected.Count == 0)
        {
            throw new SigningException("nothing to sign: the data set has no signable element");
        }
        return [.. selected.Order()];
    }

    /// <summary>The lowest MAC ID Number used by neither a MAC Parameters item nor a signature item at this level.</summary>
    private static ushort AllocateMacId(DicomDataSet target)
    {
        var used = new HashSet<int>();
        foreach (var tag in new[] { DicomTags.MACParametersSequence, DicomTags.DigitalSignaturesSequence })
        {
            foreach (var item in target.FindSequence(tag)?.Items ?? [])
            {
                if (item.GetValue<ushort>(DicomTags.MACIDNumber) is { } id)
                {
                    used.Add(id);
                }
            }
        }
        for (var id = 0; id <= ushort.MaxValue; id++)
        {
            if (!used.Contains(id))
            {
                return (ushort)id;
            }
        }
        throw new SigningException("every MAC ID Number is in use");
    }

    private static byte[] EncodeTags(List<DicomTag> tags)
    {
        var bytes = new byte[tags.Count * 4];
        for (var i = 0; i < tags.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 4), tags[i].Group);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 4 + 2), tags[i].Element);
        }
        return bytes;
    }

    private static byte[] PadEven(byte[] bytes)
    {
        if ((bytes.Length & 1) == 0)
        {
            return bytes;
        }
        var padded = new byte[bytes.Length + 1];
        bytes.CopyTo(padded, 0);
        return padded;
    }

    private static void Append(DicomDataSet target, DicomTag sequenceTag, DicomDataSet item)
    {
        var existing = target.FindSequence(sequenceTag)?.Items ?? [];
        target.Set(new DicomSequence(sequenceTag, [.. existing, item]));
    }
}
