using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using RadSeal.Watermark;

namespace RadSeal.Benchmarks.Watermark;

/// <summary>A throw-away ECDSA P-256 key with a self-signed certificate.</summary>
internal static class BenchSigner
{
    public static EcdsaSigner Create() => Create(out _);

    public static EcdsaSigner Create(out X509Certificate2 certificate)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=RadSeal bench device", key, HashAlgorithmName.SHA256);
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return new EcdsaSigner(key, certificate);
    }
}

/// <summary>Embed, and verify+restore, on a 3000×3000 16-bit chest phantom (one core: the code is single-threaded).</summary>
[MemoryDiagnoser]
public class WatermarkBenchmarks
{
    private GrayImage original = null!;
    private ushort[] buffer = null!;
    private GrayImage marked = null!;
    private EcdsaSigner signer = null!;
    private X509Certificate2Collection anchors = null!;
    private readonly byte[] identity = SHA256.HashData("2.25.1"u8);

    [GlobalSetup]
    public void Setup()
    {
        original = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 3000, 3000, 16, 1));
        signer = BenchSigner.Create(out var certificate);
        anchors = [certificate];
        marked = Watermarker.Embed(original, signer, identity);
        buffer = new ushort[original.Samples.Length];
    }

    [IterationSetup(Target = nameof(Embed))]
    public void Reset() => original.Samples.CopyTo(buffer);

    [Benchmark]
    public EmbedStatistics Embed() => Watermarker.EmbedInPlace(buffer, 3000, 3000, 1, 16, false, signer, identity);

    [Benchmark]
    public GrayImage? VerifyAndRestore()
    {
        var (report, restored) = Watermarker.VerifyAndRestore(marked, anchors, identity);
        return report.Status == WatermarkStatus.Valid ? restored : throw new InvalidOperationException(report.Detail);
    }
}
