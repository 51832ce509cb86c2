using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Provenance.Signatures;

/// <summary>The public-key algorithm of a signer.</summary>
public enum SignerKeyAlgorithm
{
    Rsa,
    Ecdsa,
}

/// <summary>
/// A private key that signs MACs, with the certificate that names it. The key may live in a file (<see cref="SoftwareSignatureKey"/>)
/// or in a token; either way only the MAC goes in and only the signature comes out.
/// </summary>
public abstract class SignatureKey : IDisposable
{
    public abstract X509Certificate2 Certificate { get; }

    public abstract SignerKeyAlgorithm Algorithm { get; }

    /// <summary>
    /// Signs a MAC: RSASSA-PKCS1-v1_5 over DigestInfo(hash, MAC) for RSA (PS3.15 C.1, RFC 8017), the DER
    /// ECDSA-Sig-Value for ECDSA (as dcmsign does; no DICOM profile covers ECDSA).
    /// </summary>
    public abstract byte[] SignMac(ReadOnlySpan<byte> mac, MacAlgorithm algorithm);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }

    /// <summary>The algorithm of a certificate's public key, or null for one RadSeal cannot use.</summary>
    public static SignerKeyAlgorithm? AlgorithmOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.PublicKey.Oid.Value switch
        {
            "1.2.840.113549.1.1.1" => SignerKeyAlgorithm.Rsa,
            "1.2.840.10045.2.1" => SignerKeyAlgorithm.Ecdsa,
            _ => null,
        };
    }
}

/// <summary>A key held in memory, loaded from a PEM file (PKCS#8, encrypted or not, PKCS#1 or SEC1).</summary>
public sealed class SoftwareSignatureKey : SignatureKey
{
    private readonly RSA? rsa;
    private readonly ECDsa? ecdsa;
    private readonly Lock gate = new();

    public SoftwareSignatureKey(AsymmetricAlgorithm key, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        Certificate = certificate;
        switch (key)
        {
            case RSA r:
                rsa = r;
                CheckMatches(certificate.GetRSAPublicKey()?.ExportSubjectPublicKeyInfo(), r.ExportSubjectPublicKeyInfo());
                break;
            case ECDsa e:
                ecdsa = e;
                CheckMatches(certificate.GetECDsaPublicKey()?.ExportSubjectPublicKeyInfo(), e.ExportSubjectPublicKeyInfo());
                break;
            default:
                throw new SigningException($"Keys of type {key.GetType().Name} cannot sign DICOM; use RSA or ECDSA (P-256, P-384).");
        }
    }

    public override X509Certificate2 Certificate { get; }

    public override SignerKeyAlgorithm Algorithm => rsa is not null ? SignerKeyAlgorithm.Rsa : SignerKeyAlgorithm.Ecdsa;

    /// <summary>Loads a PEM private key (with <paramref name="password"/> if it is encrypted PKCS#8) and a PEM or DER certificate.</summary>
    public static SoftwareSignatureKey Load(string keyPath, string certificatePath, string? password = null)
    {
        var certificate = Pki.PemFiles.LoadCertificate(certificatePath);
        var pem = File.ReadAllText(keyPath);
        AsymmetricAlgorithm key = SignatureKey.AlgorithmOf(certificate) switch
        {
            SignerKeyAlgorithm.Rsa => RSA.Create(),
            SignerKeyAlgorithm.Ecdsa => ECDsa.Create(),
            _ => throw new SigningException($"{certificatePath}: the certificate's key is neither RSA nor ECDSA."),
        };
        try
        {
            if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                if (password is null)
                {
                    throw new SigningException($"{keyPath}: the key is encrypted; give its password.");
                }
                key.ImportFromEncryptedPem(pem, password);
            }
            else
            {
                key.ImportFromPem(pem);
            }
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new SigningException($"{keyPath}: cannot read the private key ({ex.Message}); a wrong password reads the same.", ex);
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new SigningException($"{keyPath}: no PEM private key of the certificate's type in the file ({ex.Message}).", ex);
        }
        try
        {
            return new SoftwareSignatureKey(key, certificate);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public override byte[] SignMac(ReadOnlySpan<byte> mac, MacAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        // One key object may serve a parallel batch; the BCL does not promise concurrent use of one instance.
        lock (gate)
        {
            if (rsa is not null)
            {
                if (algorithm.BclName is not { } name)
                {
                    throw new SigningException($"RadSeal does not sign with {algorithm.Term}; use SHA256, SHA384 or SHA512.");
                }
                return rsa.SignHash(mac.ToArray(), name, RSASignaturePadding.Pkcs1);
            }
            return ecdsa!.SignHash(mac, DSASignatureFormat.Rfc3279DerSequence);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rsa?.Dispose();
            ecdsa?.Dispose();
        }
        base.Dispose(disposing);
    }

    private static void CheckMatches(byte[]? certificateKey, byte[] privateKey)
    {
        if (certificateKey is null || !certificateKey.AsSpan().SequenceEqual(privateKey))
        {
            throw new SigningException("The private key does not belong to the certificate.");
        }
    }
}

/// <summary>Signing cannot proceed as asked (bad key, element not signable, profile not met).</summary>
public sealed class SigningException : Exception
{
    public SigningException(string message) : base(message) { }

    public SigningException(string message, Exception inner) : base(message, inner) { }
}
