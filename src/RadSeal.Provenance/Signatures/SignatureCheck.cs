using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;

namespace RadSeal.Provenance.Signatures;

/// <summary>What the cryptographic check of one signature found.</summary>
public enum CryptoOutcome
{
    /// <summary>The signature matches the MAC of the data as it now is.</summary>
    Valid,
    /// <summary>The signature is a well-formed signature by the certificate's key, but over another MAC: the signed data changed.</summary>
    MacMismatch,
    /// <summary>The signature value is not a signature by the certificate's key at all (damaged, forged, wrong key).</summary>
    BadSignature,
    /// <summary>An element listed in Data Elements Signed cannot be signed (VR UN, e.g. after an implicit-VR transcode).</summary>
    UnsignableElement,
    /// <summary>The MAC transfer syntax cannot be used with the data as stored (transcoded pixel data, implicit VR).</summary>
    MacSyntaxUnusable,
    /// <summary>The MAC algorithm or key type is not one DICOM defines.</summary>
    UnsupportedAlgorithm,
    /// <summary>A required part is missing or malformed (MAC parameters, certificate, Data Elements Signed).</summary>
    Malformed,
}

public sealed record CryptoResult(CryptoOutcome Outcome, string Detail, byte[]? Mac = null, X509Certificate2? Certificate = null);

/// <summary>Recomputes a signature's MAC and checks the signature value against the signer's public key. Stateless.</summary>
public static class SignatureCheck
{
    public static CryptoResult Verify(DicomSignature signature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.MacParameters is null)
        {
            return new(CryptoOutcome.Malformed, $"no MAC Parameters Sequence item with MAC ID Number {signature.MacId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}");
        }
        if (signature.MacAlgorithm is not { } algorithm)
        {
            return new(CryptoOutcome.UnsupportedAlgorithm, $"MAC Algorithm '{signature.MacAlgorithmTerm}' is not a defined term of PS3.3 C.12.1.1.3");
        }
        if (signature.SignedTags.Count == 0)
        {
            return new(CryptoOutcome.Malformed, "Data Elements Signed (0400,0020) is missing, empty or not AT");
        }
        if (ResolveMacSyntax(signature.MacSyntaxUid) is not { } macSyntax)
        {
            return new(CryptoOutcome.MacSyntaxUnusable,
                $"MAC Calculation Transfer Syntax '{signature.MacSyntaxUid}' is not an explicit VR little endian syntax (PS3.3 C.12.1.1.3)");
        }
        if (!string.Equals(signature.CertificateType, "X509_1993_SIG", StringComparison.Ordinal))
        {
            return new(CryptoOutcome.Malformed, $"Certificate Type '{signature.CertificateType}' is not X509_1993_SIG (PS3.15 C.1)");
        }
        var certificate = signature.TryGetCertificate();
        if (certificate is null)
        {
            return new(CryptoOutcome.Malformed, "Certificate of Signer (0400,0115) is missing or not a DER X.509 certificate");
        }
        var signed = signature.SignedTags.ToHashSet();
        foreach (var item in signature.Container)
        {
            if (!signed.Contains(item.Tag))
            {
                continue;
            }
            if (!MacStreamBuilder.IsSignable(item))
            {
                return new(CryptoOutcome.UnsignableElement,
                    $"{item.Tag} is listed in Data Elements Signed but is now {item.VR}, which cannot be signed (was it transcoded through implicit VR?)",
                    Certificate: certificate);
            }
            if (item.Tag == DicomTag.PixelData && item is DicomElement && macSyntax.IsEncapsulated)
            {
                return new(CryptoOutcome.MacSyntaxUnusable,
                    $"the MAC was computed over encapsulated pixel data ({macSyntax.Uid}) but the pixel data is now native: it was decompressed after signing",
                    Certificate: certificate);
            }
        }
        byte[] mac;
        using (var hasher = algorithm.CreateHasher())
        {
            try
            {
                MacStreamBuilder.WriteDataElements(hasher, signature.Container, signed, macSyntax, cancellationToken);
            }
            catch (MacStreamException ex)
            {
                return new(CryptoOutcome.MacSyntaxUnusable, ex.Message, Certificate: certificate);
            }
            MacStreamBuilder.WriteSignatureItem(hasher, signature.SignatureItem, cancellationToken);
            mac = hasher.GetHashAndReset();
        }
        var result = VerifyValue(certificate, algorithm, mac, signature.UnpaddedSignature.Span);
        return result with { Mac = mac, Certificate = certificate };
    }

    /// <summary>The syntax the stream is encoded in: always explicit VR LE bytes; encapsulated ones keep their fragments.</summary>
    internal static TransferSyntax? ResolveMacSyntax(string? uid)
    {
        if (uid is null || !TransferSyntax.IsKnown(uid))
        {
            return null;
        }
        var syntax = TransferSyntax.FromUid(uid);
        return syntax.IsExplicitVR && syntax.IsLittleEndian ? syntax : null;
    }

    private static CryptoResult VerifyValue(X509Certificate2 certificate, MacAlgorithm algorithm, byte[] mac, ReadOnlySpan<byte> value)
    {
        switch (SignatureKey.AlgorithmOf(certificate))
        {
            case SignerKeyAlgorithm.Rsa:
                using (var rsa = certificate.GetRSAPublicKey()!)
                {
                    return VerifyRsa(rsa.ExportParameters(false), algorithm, mac, value);
                }
            case SignerKeyAlgorithm.Ecdsa:
                using (var ecdsa = certificate.GetECDsaPublicKey()!)
                {
                    if (ecdsa.VerifyHash(mac, value, DSASignatureFormat.Rfc3279DerSequence))
                    {
                        return new(CryptoOutcome.Valid, "ECDSA signature verified");
                    }
                    // ECDSA cannot say whether the data or the signature changed; a well-formed (r, s) pair that does not
                    // verify is reported as a MAC mismatch, anything else as a bad signature.
                    return IsDerSignature(value)
                        ? new(CryptoOutcome.MacMismatch, "the ECDSA signature does not match the MAC of the data as it now is")
                        : new(CryptoOutcome.BadSignature, "the signature value is not a DER ECDSA-Sig-Value");
                }
            default:
                return new(CryptoOutcome.UnsupportedAlgorithm, $"the signer's key ({certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}) is neither RSA nor ECDSA");
        }
    }

    /// <summary>
    /// RSASSA-PKCS1-v1_5 verification by encoding comparison (RFC 8017 8.2.2): recover EM = s^e mod n and compare it
    /// whole with 00 01 FF..FF 00 || DigestInfo || MAC. Done by hand because the BCL has no RIPEMD-160; comparing the
    /// padding and DigestInfo separately from the digest tells a changed data set from a forged value.
    /// </summary>
    private static CryptoResult VerifyRsa(RSAParameters key, MacAlgorithm algorithm, byte[] mac, ReadOnlySpan<byte> value)
    {
        var k = key.Modulus!.Length;
        // Bounds on attacker-supplied keys keep ModPow cheap: no real signer uses a larger modulus or exponent.
        if (k > 2048 || key.Exponent!.Length > 8)
        {
            return new(CryptoOutcome.UnsupportedAlgorithm, $"RSA key of {k * 8} bits with a {key.Exponent!.Length}-byte exponent is outside what RadSeal verifies (≤ 16384 bits, exponent ≤ 64 bits)");
        }
        if (value.Length != k)
        {
            return new(CryptoOutcome.BadSignature, $"the RSA signature is {value.Length} bytes, the key's modulus {k}");
        }
        var n = new BigInteger(key.Modulus, isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(key.Exponent!, isUnsigned: true, isBigEndian: true);
        var s = new BigInteger(value, isUnsigned: true, isBigEndian: true);
        if (s >= n)
        {
            return new(CryptoOutcome.BadSignature, "the RSA signature value is not smaller than the modulus");
        }
        var m = BigInteger.ModPow(s, e, n);
        var em = new byte[k];
        var count = m.GetByteCount(isUnsigned: true);
        m.TryWriteBytes(em.AsSpan(k - count), out _, isUnsigned: true, isBigEndian: true);
        var prefix = algorithm.DigestInfoPrefix.Span;
        var tLength = prefix.Length + algorithm.HashSizeInBytes;
        if (k < tLength + 11)
        {
            return new(CryptoOutcome.BadSignature, "the RSA key is too short for this MAC algorithm");
        }
        var expected = new byte[k - algorithm.HashSizeInBytes];
        expected[0] = 0x00;
        expected[1] = 0x01;
        expected.AsSpan(2, k - tLength - 3).Fill(0xFF);
        expected[k - tLength - 1] = 0x00;
        prefix.CopyTo(expected.AsSpan(k - tLength));
        if (!CryptographicOperations.FixedTimeEquals(em.AsSpan(0, expected.Length), expected))
        {
            return new(CryptoOutcome.BadSignature, $"the RSA signature does not hold a PKCS #1 v1.5 {algorithm.Term} DigestInfo under the signer's key");
        }
        return CryptographicOperations.FixedTimeEquals(em.AsSpan(expected.Length), mac)
            ? new(CryptoOutcome.Valid, "RSA PKCS #1 v1.5 signature verified")
            : new(CryptoOutcome.MacMismatch, "the signed MAC differs from the MAC of the data as it now is");
    }

    private static bool IsDerSignature(ReadOnlySpan<byte> value)
    {
        try
        {
            var reader = new AsnReader(value.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            sequence.ReadInteger();
            sequence.ReadInteger();
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
