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
    private string path = "";

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
        path = Path.Combine(Path.GetTempPath(), $"radseal-verify-bench-{Environment.ProcessId}.dcm");
        file.Save(path);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(path);

    /// <summary>The bound for a file on disk: SHA-256 of the whole file read in 64 KiB chunks (page cache).</summary>
    [Benchmark]
    public byte[] Sha256OfFile()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            hash.AppendData(buffer.AsSpan(0, n));
        }
        return hash.GetHashAndReset();
    }

    /// <summary>What `radseal verify` does per file, less the trust policy: open, rebuild the MAC stream from disk, check.</summary>
    [Benchmark]
    public CryptoOutcome VerifyFileSignature()
    {
        var file = DicomFile.Open(path);
        return SignatureCheck.Verify(DicomSignatures.Find(file.DataSet)[0]).Outcome;
    }

    [Benchmark(Baseline = true)]
    public byte[] Sha256OfPixels() => System.Security.Cryptography.SHA256.HashData(pixels);

    [Benchmark]
    public CryptoOutcome VerifySignature() => SignatureCheck.Verify(signature).Outcome;

    [Benchmark]
    public byte[] Ripemd160OfPixels() => Ripemd160.HashData(pixels);
}
