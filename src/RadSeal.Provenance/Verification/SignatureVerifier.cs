using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Provenance.Verification;

/// <summary>
/// Verifies every signature in a data set against a <see cref="VerificationPolicy"/> and returns a report. Stateless
/// and thread-safe: one verifier serves a whole folder in parallel.
/// </summary>
public sealed class SignatureVerifier
{
    private readonly VerificationPolicy policy;

    // A folder of images from one device repeats one chain thousands of times. Without revocation checking inside
    // X509Chain, its outcome depends on the time only through the validity periods, so a result is reused for any
    // time inside all of them (keyed by certificate bytes and anchor set).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, bool), CachedChain> chains = new();

    private sealed record CachedChain(string? Status, X509Certificate2[] Elements, DateTime From, DateTime To);

    public SignatureVerifier(VerificationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        this.policy = policy;
    }

    /// <summary>Opens and verifies one file; an unreadable file is a failed report, not an exception.</summary>
    public VerificationReport VerifyFile(string path, CancellationToken cancellationToken = default)
    {
        DicomFile file;
        try
        {
            file = DicomFile.Open(path);
        }
        catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return new VerificationReport { Path = path, FileFindings = [Finding.Fail(ReasonCodes.UnreadableFile, ex.Message)] };
        }
        return Verify(file.DataSet, cancellationToken) with { Path = path };
    }

    public VerificationReport Verify(DicomDataSet dataSet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        var verdicts = new List<SignatureVerdict>();
        var found = DicomSignatures.Find(dataSet);
        if (found.Count > policy.MaxSignatures)
        {
            // Each signature may hash the whole file again: a file with thousands is an attack on the verifier.
            return new VerificationReport
            {
                FileFindings = [Finding.Fail(ReasonCodes.TooManySignatures, $"the file holds {found.Count} signatures; the policy verifies at most {policy.MaxSignatures}")],
            };
        }
        foreach (var signature in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            verdicts.Add(VerifySignature(signature, cancellationToken));
        }
        var fileFindings = new List<Finding>();
        if (!verdicts.Any(v => v.IsTopLevel && v.Counted))
        {
            fileFindings.Add(Finding.Fail(ReasonCodes.NoSignature, verdicts.Count == 0
                ? "the file has no digital signature"
                : "no digital signature covers the main data set (only item-level or Original Attributes signatures)"));
        }
        return new VerificationReport { Signatures = verdicts, FileFindings = fileFindings };
    }

    private SignatureVerdict VerifySignature(DicomSignature signature, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        if (signature.InOriginalAttributes)
        {
            findings.Add(Finding.Info(ReasonCodes.IgnoredOriginalAttributes,
                "inside Original Attributes Sequence: a signature of an earlier version, reported but never trusted"));
        }
        var crypto = SignatureCheck.Verify(signature, cancellationToken);
        findings.Add(crypto.Outcome switch
        {
            CryptoOutcome.Valid => Finding.Info(ReasonCodes.SignatureValid, crypto.Detail),
            CryptoOutcome.MacMismatch => Finding.Fail(ReasonCodes.MacMismatch, crypto.Detail),
            CryptoOutcome.BadSignature => Finding.Fail(ReasonCodes.BadSignature, crypto.Detail),
            CryptoOutcome.UnsignableElement => Finding.Fail(ReasonCodes.UnsignableElement, crypto.Detail),
            CryptoOutcome.MacSyntaxUnusable => Finding.Fail(ReasonCodes.MacSyntaxUnusable, crypto.Detail),
            CryptoOutcome.UnsupportedAlgorithm => Finding.Fail(ReasonCodes.UnsupportedAlgorithm, crypto.Detail),
            _ => Finding.Fail(ReasonCodes.MalformedSignature, crypto.Detail),
        });
        if (signature.MacAlgorithmTerm is { } term && signature.MacAlgorithm is not null && !policy.AllowedMacAlgorithms.Contains(term.Trim()))
        {
            findings.Add(Finding.Fail(ReasonCodes.WeakAlgorithm, $"MAC algorithm {term} is not allowed by the policy"));
        }

        var certificate = crypto.Certificate ?? signature.TryGetCertificate();
        var (time, timeSource) = SigningTime(signature, findings);
        if (certificate is not null)
        {
            CheckKey(certificate, findings);
            if (time is { } at)
            {
                CheckChain(certificate, at, findings);
            }
        }
        if (signature.IsTopLevel)
        {
            CheckCoverage(signature, findings);
            if (policy.RequireDeviceSerialMatch)
            {
                CheckDevice(signature, certificate, findings);
            }
        }
        return new SignatureVerdict
        {
            Location = signature.Location,
            MacId = signature.MacId,
            Uid = signature.Uid,
            MacAlgorithm = signature.MacAlgorithmTerm,
            Signer = certificate?.Subject,
            SignerSerialNumber = certificate is null ? null : SubjectSerialNumber(certificate),
            Issuer = certificate?.Issuer,
            KeyAlgorithm = certificate is null ? null : KeyDescription(certificate),
            SigningTime = time,
            TimeSource = timeSource,
            SignedTags = signature.SignedTags,
            InOriginalAttributes = signature.InOriginalAttributes,
            IsTopLevel = signature.IsTopLevel,
            Findings = findings,
        };
    }

    /// <summary>
    /// The time the certificate must be valid at: the verified time-stamp's when present (a TSA vouches for it), else
    /// the signer's own Digital Signature DateTime, which must not lie in the future.
    /// </summary>
    private (DateTimeOffset? Time, string? Source) SigningTime(DicomSignature signature, List<Finding> findings)
    {
        var now = policy.Now ?? DateTimeOffset.UtcNow;
        if (signature.DateTime is not { } claimed)
        {
            findings.Add(Finding.Fail(ReasonCodes.SignatureTimeInvalid, $"Digital Signature DateTime '{signature.DateTimeText}' is missing or not a DICOM DT"));
            return (null, null);
        }
        if (!signature.DateTimeHasOffset)
        {
            findings.Add(Finding.Info(ReasonCodes.DateTimeWithoutOffset, "Digital Signature DateTime has no UTC offset (PS3.3 requires one); read as UTC"));
            claimed = new DateTimeOffset(claimed.DateTime, TimeSpan.Zero);
        }
        if (claimed > now + policy.ClockSkew)
        {
            findings.Add(Finding.Fail(ReasonCodes.SignatureTimeInvalid, $"the signature claims to be made at {claimed:u}, in the future"));
        }
        if (signature.TimestampBytes is not { } token)
        {
            if (policy.RequireTimestamp)
            {
                findings.Add(Finding.Fail(ReasonCodes.TimestampMissing, "the policy requires a certified time-stamp and the signature has none"));
            }
            return (claimed, "signature");
        }
        if (!string.Equals(signature.TimestampType, DicomSigner.TimestampTypeCms, StringComparison.Ordinal))
        {
            findings.Add(Finding.Fail(ReasonCodes.TimestampInvalid, $"Certified Timestamp Type '{signature.TimestampType}' is not CMS_TSP"));
            return (claimed, "signature");
        }
        var stamped = VerifyTimestamp(token, signature.UnpaddedSignature, findings);
        return stamped is { } t ? (t, "timestamp") : (claimed, "signature");
    }

    private DateTimeOffset? VerifyTimestamp(ReadOnlyMemory<byte> token, ReadOnlyMemory<byte> signatureValue, List<Finding> findings)
    {
        if (!Rfc3161TimestampToken.TryDecode(token, out var decoded, out _))
        {
            findings.Add(Finding.Fail(ReasonCodes.TimestampInvalid, "Certified Timestamp is not an RFC 3161 TimeStampToken"));
            return null;
        }
        X509Certificate2? tsa;
        try
        {
            if (!decoded.VerifySignatureForData(signatureValue.Span, out tsa, policy.TimestampAnchors.Count > 0 ? policy.TimestampAnchors : policy.TrustAnchors) || tsa is null)
            {
                findings.Add(Finding.Fail(ReasonCodes.TimestampInvalid,
                    "the time-stamp does not certify this signature value (message imprint or TSA signature does not match)"));
                return null;
            }
        }
        catch (CryptographicException ex)
        {
            findings.Add(Finding.Fail(ReasonCodes.TimestampInvalid, $"the time-stamp cannot be checked: {ex.Message}"));
            return null;
        }
        var time = decoded.TokenInfo.Timestamp;
        var anchors = policy.TimestampAnchors.Count > 0 ? policy.TimestampAnchors : policy.TrustAnchors;
        var extra = new X509Certificate2Collection();
        extra.AddRange(decoded.AsSignedCms().Certificates);
        var status = CachedBuildChain(tsa, time, anchors, extra, forTimestamp: true, out _);
        if (status is not null)
        {
            findings.Add(Finding.Fail(ReasonCodes.TimestampInvalid, $"the time-stamp authority '{tsa.Subject}' is not trusted at {time:u}: {status}"));
            return null;
        }
        findings.Add(Finding.Info(ReasonCodes.TimestampValid, $"time-stamped by '{tsa.Subject}' at {time:u}"));
        return time;
    }

    private void CheckKey(X509Certificate2 certificate, List<Finding> findings)
    {
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } ku &&
            (ku.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0)
        {
            findings.Add(Finding.Fail(ReasonCodes.KeyUsageNotAllowed, $"the certificate's key usage ({ku.KeyUsages}) allows neither digitalSignature nor nonRepudiation"));
        }
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } eku)
        {
            var usages = eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToArray();
            if (!usages.Any(u => policy.AllowedExtendedKeyUsages.Contains(u!)))
            {
                findings.Add(Finding.Fail(ReasonCodes.KeyUsageNotAllowed,
                    $"the certificate's extended key usage ({string.Join(", ", usages)}) has none of {string.Join(", ", policy.AllowedExtendedKeyUsages)}"));
            }
        }
        if (SignatureKey.AlgorithmOf(certificate) == SignerKeyAlgorithm.Rsa)
        {
            using var rsa = certificate.GetRSAPublicKey()!;
            if (rsa.KeySize < policy.MinimumRsaBits)
            {
                findings.Add(Finding.Fail(ReasonCodes.WeakAlgorithm, $"RSA key of {rsa.KeySize} bits; the policy requires {policy.MinimumRsaBits}"));
            }
        }
    }

    private void CheckChain(X509Certificate2 certificate, DateTimeOffset at, List<Finding> findings)
    {
        var utc = at.UtcDateTime;
        if (utc > certificate.NotAfter.ToUniversalTime())
        {
            findings.Add(Finding.Fail(ReasonCodes.CertExpired, $"the certificate expired {certificate.NotAfter.ToUniversalTime():u}, before the signing time {at:u}"));
        }
        else if (utc < certificate.NotBefore.ToUniversalTime())
        {
            findings.Add(Finding.Fail(ReasonCodes.CertNotYetValid, $"the certificate is valid only from {certificate.NotBefore.ToUniversalTime():u}, after the signing time {at:u}"));
        }
        if (policy.TrustAnchors.Count == 0)
        {
            findings.Add(Finding.Fail(ReasonCodes.UntrustedSigner, "no trust anchor is configured, so no signer can be trusted"));
            return;
        }
        var status = CachedBuildChain(certificate, at, policy.TrustAnchors, policy.Intermediates, forTimestamp: false, out var chain);
        if (status is not null)
        {
            // Time problems are reported above with their own codes; anything else means the chain is not trusted.
            if (status != "time")
            {
                findings.Add(Finding.Fail(ReasonCodes.UntrustedSigner, $"'{certificate.Subject}' does not chain to a trust anchor: {status}"));
            }
            return;
        }
        CheckRevocation(chain, at, findings);
    }

    private string? CachedBuildChain(X509Certificate2 leaf, DateTimeOffset at, X509Certificate2Collection anchors,
        X509Certificate2Collection extra, bool forTimestamp, out X509Certificate2[] elements)
    {
        var key = (Convert.ToHexString(SHA256.HashData(leaf.RawData)), forTimestamp);
        var utc = at.UtcDateTime;
        if (chains.TryGetValue(key, out var cached) && utc >= cached.From && utc <= cached.To)
        {
            elements = cached.Elements;
            return cached.Status;
        }
        var status = BuildChain(leaf, at, anchors, extra, out elements);
        if (status != "time" && elements.Length > 0)
        {
            var from = elements.Max(e => e.NotBefore.ToUniversalTime());
            var to = elements.Min(e => e.NotAfter.ToUniversalTime());
            if (utc >= from && utc <= to)
            {
                chains[key] = new CachedChain(status, elements, from, to);
            }
        }
        return status;
    }

    /// <summary>Null when the chain is trusted at <paramref name="at"/>; "time" for validity-period problems only; else the reasons.</summary>
    private static string? BuildChain(X509Certificate2 leaf, DateTimeOffset at, X509Certificate2Collection anchors,
        X509Certificate2Collection extra, out X509Certificate2[] elements)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        var ok = chain.Build(leaf);
        elements = [.. chain.ChainElements.Select(e => e.Certificate)];
        if (ok)
        {
            return null;
        }
        var problems = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).ToArray();
        if (problems.Length > 0 && problems.All(s => s.Status == X509ChainStatusFlags.NotTimeValid))
        {
            return "time";
        }
        return string.Join("; ", problems.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty("chain not trusted"));
    }

    private void CheckRevocation(X509Certificate2[] chain, DateTimeOffset at, List<Finding> findings)
    {
        // Every certificate but the anchor needs a CRL signed by its issuer (the next element of the chain).
        for (var i = 0; i < chain.Length - 1; i++)
        {
            var subject = chain[i];
            var issuer = chain[i + 1];
            var crl = policy.RevocationLists.FirstOrDefault(c => c.IsSignedBy(issuer));
            if (crl is null)
            {
                if (policy.RequireRevocationCheck)
                {
                    findings.Add(Finding.Fail(ReasonCodes.RevocationUnknown, $"no CRL signed by '{issuer.Subject}' to check '{subject.Subject}' against"));
                }
                else
                {
                    findings.Add(Finding.Info(ReasonCodes.RevocationNotChecked, $"no CRL given for '{issuer.Subject}'; revocation of '{subject.Subject}' not checked"));
                }
                continue;
            }
            if (crl.RevocationDate(subject) is { } revokedAt)
            {
                // Revoked keys are distrusted whatever the claimed signing time: a stolen key can sign with any date.
                findings.Add(Finding.Fail(ReasonCodes.CertRevoked, $"'{subject.Subject}' was revoked at {revokedAt:u} (signature time {at:u})"));
            }
            else if (policy.RequireRevocationCheck && crl.NextUpdate is { } next && next < (policy.Now ?? DateTimeOffset.UtcNow))
            {
                findings.Add(Finding.Fail(ReasonCodes.RevocationUnknown, $"the CRL from '{issuer.Subject}' expired at {next:u}"));
            }
        }
    }

    private void CheckCoverage(DicomSignature signature, List<Finding> findings)
    {
        var signed = signature.SignedTags.ToHashSet();
        var data = signature.Container;
        if (policy.RequirePixelData)
        {
            var pixelTag = new[] { DicomTag.PixelData, DicomTag.FloatPixelData, DicomTag.DoubleFloatPixelData }.FirstOrDefault(data.Contains);
            if (pixelTag == default)
            {
                findings.Add(Finding.Fail(ReasonCodes.PixelsNotCovered, "the data set has no pixel data and the policy requires signed pixels"));
            }
            else if (!signed.Contains(pixelTag))
            {
                findings.Add(Finding.Fail(ReasonCodes.PixelsNotCovered, $"{pixelTag} is not in Data Elements Signed: the pixels are not protected"));
            }
        }
        foreach (var tag in policy.RequiredElements)
        {
            if (data.Contains(tag) && !signed.Contains(tag))
            {
                var name = DicomDictionary.Lookup(tag)?.Keyword ?? tag.ToString();
                findings.Add(Finding.Fail(ReasonCodes.RequiredElementNotCovered, $"{tag} {name} is present but not signed"));
            }
        }
    }

    private static void CheckDevice(DicomSignature signature, X509Certificate2? certificate, List<Finding> findings)
    {
        if (certificate is null)
        {
            return;
        }
        var certSerial = SubjectSerialNumber(certificate);
        var dataSerial = signature.Container.GetString(DicomTags.DeviceSerialNumber);
        if (certSerial is null)
        {
            findings.Add(Finding.Fail(ReasonCodes.DeviceSerialMismatch, $"the certificate '{certificate.Subject}' names no device (no serialNumber in its subject)"));
        }
        else if (dataSerial is null)
        {
            findings.Add(Finding.Fail(ReasonCodes.DeviceSerialMismatch, $"the data set has no Device Serial Number (0018,1000) to match the certificate's '{certSerial}'"));
        }
        else if (!string.Equals(certSerial, dataSerial, StringComparison.Ordinal))
        {
            findings.Add(Finding.Fail(ReasonCodes.DeviceSerialMismatch, $"Device Serial Number '{dataSerial}' is not the certificate's device '{certSerial}'"));
        }
    }

    /// <summary>The X.520 serialNumber (2.5.4.5) of a certificate's subject, or null.</summary>
    public static string? SubjectSerialNumber(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == VerificationPolicy.SerialNumberOid)
            {
                return rdn.GetSingleElementValue();
            }
        }
        return null;
    }

    internal static string KeyDescription(X509Certificate2 certificate)
    {
        switch (SignatureKey.AlgorithmOf(certificate))
        {
            case SignerKeyAlgorithm.Rsa:
                using (var rsa = certificate.GetRSAPublicKey()!)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"RSA {rsa.KeySize}");
                }
            case SignerKeyAlgorithm.Ecdsa:
                using (var ec = certificate.GetECDsaPublicKey()!)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"ECDSA P-{ec.KeySize}");
                }
            default:
                return certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown";
        }
    }
}
