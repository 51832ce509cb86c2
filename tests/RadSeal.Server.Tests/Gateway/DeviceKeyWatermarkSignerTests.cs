using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using RadSeal.Provenance.Signatures;
using RadSeal.Server.Gateway;
using RadSeal.Watermark;

namespace RadSeal.Server.Tests.Gateway;

/// <summary>
/// Edge mode marks with the device key through <see cref="SignatureKey"/> (a PEM file here; a PKCS#11 token goes
/// through the same SignMac contract): the mark it makes must verify exactly like one from the watermark's own signer.
/// </summary>
public sealed class DeviceKeyWatermarkSignerTests
{
    private static readonly byte[] Identity = SHA256.HashData("1.2.826.0.1.3680043.10.99"u8);

    [Theory]
    [InlineData("nistP256")]
    [InlineData("nistP384")]
    public void A_mark_signed_through_the_device_key_verifies(string curve)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var caRequest = new CertificateRequest("CN=Edge Test CA", caKey, HashAlgorithmName.SHA384);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var deviceKey = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        var request = new CertificateRequest("CN=Edge Test Device", deviceKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var device = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2), [9, 8, 7, 6, 5, 4, 3, 2]);
        using var key = new SoftwareSignatureKey(deviceKey, X509CertificateLoader.LoadCertificate(device.RawData));

        var signer = new DeviceKeyWatermarkSigner(key);
        var image = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 512, 512, 12, Seed: 5));
        var marked = Watermarker.Embed(image, signer, Identity);

        X509Certificate2Collection anchors = [X509CertificateLoader.LoadCertificate(ca.RawData)];
        X509Certificate2Collection certificates = [X509CertificateLoader.LoadCertificate(device.RawData)];
        var (report, restored) = Watermarker.VerifyAndRestore(marked, anchors, Identity, certificates);
        Assert.Equal(WatermarkStatus.Valid, report.Status);
        Assert.True(restored!.SamplesEqual(image));
        // Fail closed: a changed pixel is tampered, another identity is not valid.
        var edited = marked.Clone();
        edited.Samples[100 * 512 + 100] ^= 1;
        Assert.Equal(WatermarkStatus.Tampered, Watermarker.Verify(edited, anchors, Identity, certificates).Status);
        Assert.NotEqual(WatermarkStatus.Valid, Watermarker.Verify(marked, anchors, SHA256.HashData("another"u8), certificates).Status);
    }

    [Fact]
    public void Der_signatures_become_fixed_width_r_and_s()
    {
        // r with a sign-guarding zero byte, s short: both land right-aligned in 32 bytes each.
        byte[] r = [0x00, 0x80, .. Enumerable.Repeat((byte)0x11, 31)];
        byte[] s = [0x05];
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(r.AsSpan(1));
            writer.WriteIntegerUnsigned(s);
        }
        var p1363 = DeviceKeyWatermarkSigner.DerToP1363(writer.Encode(), 32);
        Assert.Equal(64, p1363.Length);
        Assert.Equal(r.AsSpan(1).ToArray(), p1363[..32]);
        Assert.Equal([.. new byte[31], 0x05], p1363[32..]);
        Assert.Throws<CryptographicException>(() => DeviceKeyWatermarkSigner.DerToP1363(writer.Encode(), 16));
    }
}
