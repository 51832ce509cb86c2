using BenchmarkDotNet.Attributes;
using RadSeal.Dicom;
using RadSeal.Provenance.Crypto;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Benchmarks.Signatures;

/// <summary>
/// The cost of checking one signature on a 20 MB DX image held in memory (MAC stream + SHA-256 + ECDSA), against
/// hashing the same number of bytes with SHA-256 alone: the ratio is the MAC stream's overhead. RIPEMD-160 (managed,
/// for dcmsign's default) is measured on the same bytes.
/// </summary>
[MemoryDiagnoser]
public class VerifyBenchmarks
{
    private DicomSignature signature = null!;
    private byte[] pixels = [];

    [GlobalSetup]
    public void Setup()
    {
        var file = Corpus.Make(3328, 3072, 1, "DX");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=bench", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var signer = new SoftwareSignatureKey(System.Security.Cryptography.ECDsa.Create(key.ExportParameters(true)), cert);
        signature = DicomSigner.Sign(file, signer);
        pixels = ((DicomElement)file.DataSet[DicomTag.PixelData]).Value.GetMemory().ToArray();
    }

    [Benchmark(Baseline = true)]
    public byte[] Sha256OfPixels() => System.Security.Cryptography.SHA256.HashData(pixels);

    [Benchmark]
    public CryptoOutcome VerifySignature() => SignatureCheck.Verify(signature).Outcome;

    [Benchmark]
    public byte[] Ripemd160OfPixels() => Ripemd160.HashData(pixels);
}
