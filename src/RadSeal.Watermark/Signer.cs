using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Watermark;

/// <summary>
/// Signs the mark's Merkle root. A key file today; a device key or a PKCS#11 token (the signatures work) plugs in by
/// implementing this interface. The signature is ECDSA in IEEE P1363 form (r‖s), hashed with the curve's hash.
/// </summary>
public interface IWatermarkSigner
{
    /// <summary>The signer's X.509 certificate (DER): embedded in the mark so a verifier needs only its trust anchors.</summary>
    ReadOnlyMemory<byte> Certificate { get; }

    byte[] Sign(ReadOnlySpan<byte> message);
}

/// <summary>An ECDSA key and its certificate from PEM files.</summary>
public sealed class EcdsaSigner : IWatermarkSigner, IDisposable
{
    private readonly ECDsa key;
    private readonly byte[] certificate;

    public EcdsaSigner(ECDsa key, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        using var certificateKey = certificate.GetECDsaPublicKey()
            ?? throw new WatermarkException("The certificate does not hold an ECDSA public key.");
        if (!certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new WatermarkException("The private key does not belong to the certificate.");
        }
        this.key = key;
        this.certificate = certificate.RawData;
    }

    public static EcdsaSigner FromPemFiles(string keyPath, string certificatePath)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new WatermarkException($"{keyPath}: not a PEM ECDSA private key ({ex.Message})", ex);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new WatermarkException($"{keyPath}: not a PEM ECDSA private key ({ex.Message})", ex);
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new WatermarkException($"{certificatePath}: not a PEM certificate ({ex.Message})", ex);
        }
        using (certificate)
        {
            return new EcdsaSigner(key, certificate);
        }
    }

    public ReadOnlyMemory<byte> Certificate => certificate;

    public byte[] Sign(ReadOnlySpan<byte> message) =>
        key.SignData(message, HashFor(key.KeySize), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => key.Dispose();

    /// <summary>The hash a mark's ECDSA signature uses: the curve's size picks it (signers and the verifier share this rule).</summary>
    public static HashAlgorithmName HashFor(int keySize) => keySize switch
    {
        <= 256 => HashAlgorithmName.SHA256,
        <= 384 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };
}
