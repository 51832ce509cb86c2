using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Provenance.Pki;

/// <summary>
/// A parsed X.509 CRL (RFC 5280 5.1): issuer, validity and revoked serial numbers. The BCL builds CRLs but does not
/// read their entries, so this reads the DER; the signature is checked against the issuer before any entry is trusted.
/// </summary>
public sealed class RevocationList
{
    private readonly byte[] tbs;
    private readonly string signatureAlgorithm;
    private readonly byte[] signature;
    private readonly Dictionary<string, DateTimeOffset> revoked;

    private RevocationList(byte[] tbs, string signatureAlgorithm, byte[] signature, X500DistinguishedName issuer,
        DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, Dictionary<string, DateTimeOffset> revoked)
    {
        this.tbs = tbs;
        this.signatureAlgorithm = signatureAlgorithm;
        this.signature = signature;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        this.revoked = revoked;
    }

    public X500DistinguishedName Issuer { get; }
    public DateTimeOffset ThisUpdate { get; }
    public DateTimeOffset? NextUpdate { get; }

    public int Count => revoked.Count;

    /// <summary>Reads a DER CRL. Throws <see cref="CryptographicException"/> with a precise message on anything else.</summary>
    public static RevocationList Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var certList = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var tbsBytes = certList.ReadEncodedValue().ToArray();
            var algorithm = certList.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            var sig = certList.ReadBitString(out _);
            certList.ThrowIfNotEmpty();

            var t = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
            if (t.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                t.ReadInteger();
            }
            t.ReadSequence();
            var issuer = new X500DistinguishedName(t.ReadEncodedValue().Span);
            var thisUpdate = ReadTime(t);
            DateTimeOffset? nextUpdate = null;
            if (t.HasData && (t.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || t.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(t);
            }
            var entries = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            if (t.HasData && t.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var list = t.ReadSequence();
                while (list.HasData)
                {
                    var entry = list.ReadSequence();
                    var serial = entry.ReadIntegerBytes().ToArray();
                    entries[SerialKey(serial)] = ReadTime(entry);
                }
            }
            return new RevocationList(tbsBytes, oid, sig, issuer, thisUpdate, nextUpdate, entries);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"not a DER X.509 CRL: {ex.Message}", ex);
        }
    }

    /// <summary>Whether <paramref name="issuer"/>'s key signed this CRL (ECDSA or RSA PKCS #1 v1.5 with SHA-2).</summary>
    public bool IsSignedBy(X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData))
        {
            return false;
        }
        var (hash, ecdsa) = signatureAlgorithm switch
        {
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, true),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, true),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, true),
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, false),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, false),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, false),
            _ => (default(HashAlgorithmName), false),
        };
        if (hash == default)
        {
            return false;
        }
        if (ecdsa)
        {
            using var key = issuer.GetECDsaPublicKey();
            return key is not null && key.VerifyData(tbs, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        using var rsa = issuer.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(tbs, signature, hash, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The revocation date of <paramref name="certificate"/>, or null when this CRL does not list it.</summary>
    public DateTimeOffset? RevocationDate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return revoked.TryGetValue(SerialKey(certificate.SerialNumberBytes.Span), out var date) ? date : null;
    }

    private static string SerialKey(ReadOnlySpan<byte> bigEndianSerial) =>
        new BigInteger(bigEndianSerial, isUnsigned: false, isBigEndian: true).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
