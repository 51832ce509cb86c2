using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Watermark;

namespace RadSeal.Watermark.Tests;

/// <summary>A throw-away CA and a device certificate it issued, made with the BCL (no fixed keys in the repository).</summary>
public sealed class TestPki : IDisposable
{
    public TestPki(string name = "RadSeal Test")
    {
        CaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} CA", CaKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        DeviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} Device 1", DeviceKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        Device = request.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2), [1, 2, 3, 4, 5, 6, 7, 8]);
        Signer = new EcdsaSigner(DeviceKey, Device);
        Anchors = [X509CertificateLoader.LoadCertificate(Ca.RawData)];
        Certificates = [X509CertificateLoader.LoadCertificate(Device.RawData)];
    }

    public ECDsa CaKey { get; }
    public X509Certificate2 Ca { get; }
    public ECDsa DeviceKey { get; }
    public X509Certificate2 Device { get; }
    public EcdsaSigner Signer { get; }
    public X509Certificate2Collection Anchors { get; }

    /// <summary>The device certificate, as a verifier holds it (format-3 marks carry only a reference to it).</summary>
    public X509Certificate2Collection Certificates { get; }

    /// <summary>Writes key.pem, cert.pem and ca.pem into <paramref name="directory"/> (for the CLI).</summary>
    public (string Key, string Cert, string Ca) WritePem(string directory)
    {
        var key = Path.Combine(directory, "key.pem");
        var cert = Path.Combine(directory, "cert.pem");
        var ca = Path.Combine(directory, "ca.pem");
        File.WriteAllText(key, DeviceKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(cert, Device.ExportCertificatePem());
        File.WriteAllText(ca, Ca.ExportCertificatePem());
        return (key, cert, ca);
    }

    public void Dispose()
    {
        Signer.Dispose();
        CaKey.Dispose();
        Ca.Dispose();
        Device.Dispose();
        foreach (var c in Anchors.Concat(Certificates))
        {
            c.Dispose();
        }
    }
}
