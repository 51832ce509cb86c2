using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Provenance.Tests;

/// <summary>Signer certificates are parsed once per distinct DER and thread; the cache never mixes two certificates up.</summary>
public class SignerCertificateCacheTests
{
    private static byte[] Certificate(ECDsa key, string subject, int serial)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(new X500DistinguishedName(subject), X509SignatureGenerator.CreateForECDsa(key), now.AddDays(-1), now.AddDays(1),
            BitConverter.GetBytes(serial + 1));
        return certificate.RawData;
    }

    [Fact]
    public void The_same_der_gives_the_same_instance_another_der_its_own_and_garbage_none()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var a = Certificate(key, "CN=Cache A " + Guid.NewGuid(), 1);
        var b = Certificate(key, "CN=Cache B " + Guid.NewGuid(), 2);
        var first = SignerCertificates.TryLoad(a);
        Assert.NotNull(first);
        Assert.Same(first, SignerCertificates.TryLoad(a.ToArray())); // equal bytes, another array: one parse
        var other = SignerCertificates.TryLoad(b);
        Assert.NotSame(first, other);
        Assert.Equal(a, first!.RawData);
        Assert.Equal(b, other!.RawData);
        Assert.Null(SignerCertificates.TryLoad([0x30, 0x03, 0x02, 0x01, 0x00]));
        Assert.Null(SignerCertificates.TryLoad([]));
        // Another thread gets an instance of its own: an X509Certificate2 is not safe to share between threads.
        X509Certificate2? elsewhere = null;
        var thread = new Thread(() => elsewhere = SignerCertificates.TryLoad(a));
        thread.Start();
        thread.Join();
        Assert.NotSame(first, elsewhere);
        Assert.Equal(a, elsewhere!.RawData);
    }

    [Fact]
    public void Past_its_capacity_the_cache_starts_over_and_still_answers_each_der_with_its_own_certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ders = Enumerable.Range(0, SignerCertificates.Capacity + 10).Select(i => Certificate(key, $"CN=Device {i}", i)).ToArray();
        foreach (var der in ders)
        {
            Assert.Equal(der, SignerCertificates.TryLoad(der)!.RawData);
        }
        Assert.Equal("CN=Device 0", SignerCertificates.TryLoad(ders[0])!.Subject);
        Assert.Equal($"CN=Device {ders.Length - 1}", SignerCertificates.TryLoad(ders[^1])!.Subject);
    }
}
