using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Provenance.Signatures;
using RadSeal.Watermark;

namespace RadSeal.Server.Gateway;

/// <summary>
/// Lets any ECDSA device key — a PEM file or a key that never leaves a PKCS#11 token — sign the watermark's record, so
/// edge mode marks what it signs whatever holds the key. The watermark wants ECDSA over the curve's hash in IEEE P1363
/// form; device keys sign a given digest and answer in DER (as DICOM signatures store it), so this hashes and converts.
/// </summary>
public sealed class DeviceKeyWatermarkSigner : IWatermarkSigner
{
    private readonly SignatureKey key;
    private readonly byte[] certificate;
    private readonly HashAlgorithmName hash;
    private readonly int fieldBytes;

    public DeviceKeyWatermarkSigner(SignatureKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Algorithm != SignerKeyAlgorithm.Ecdsa)
        {
            throw new ArgumentException("the watermark's record is signed with ECDSA; this device key is RSA", nameof(key));
        }
        using var publicKey = key.Certificate.GetECDsaPublicKey()
            ?? throw new ArgumentException("the device certificate holds no ECDSA public key", nameof(key));
        this.key = key;
        certificate = key.Certificate.RawData;
        fieldBytes = (publicKey.KeySize + 7) / 8;
        // The same rule as the watermark's own file signer and its verifier.
        hash = EcdsaSigner.HashFor(publicKey.KeySize);
    }

    public ReadOnlyMemory<byte> Certificate => certificate;

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var digest = CryptographicOperations.HashData(hash, message);
        var mac = hash == HashAlgorithmName.SHA256 ? MacAlgorithm.Sha256 : hash == HashAlgorithmName.SHA384 ? MacAlgorithm.Sha384 : MacAlgorithm.Sha512;
        return DerToP1363(key.SignMac(digest, mac), fieldBytes);
    }

    /// <summary>ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) to r‖s, each left-padded to the field size.</summary>
    internal static byte[] DerToP1363(byte[] der, int fieldBytes)
    {
        var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var r = sequence.ReadIntegerBytes().Span;
        var s = sequence.ReadIntegerBytes().Span;
        sequence.ThrowIfNotEmpty();
        var result = new byte[2 * fieldBytes];
        Place(r, result.AsSpan(0, fieldBytes));
        Place(s, result.AsSpan(fieldBytes, fieldBytes));
        return result;

        static void Place(ReadOnlySpan<byte> integer, Span<byte> target)
        {
            // DER integers are minimal and signed: a leading zero byte keeps a high bit positive.
            while (integer.Length > 0 && integer[0] == 0)
            {
                integer = integer[1..];
            }
            if (integer.Length > target.Length)
            {
                throw new CryptographicException("the device key's ECDSA signature does not fit its curve");
            }
            integer.CopyTo(target[(target.Length - integer.Length)..]);
        }
    }
}
