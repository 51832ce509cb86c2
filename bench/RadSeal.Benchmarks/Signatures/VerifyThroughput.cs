using System.Diagnostics;
using System.Security.Cryptography;
using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Benchmarks.Signatures;

/// <summary>
/// `verify-throughput DIR [ROUNDS]`: single-threaded, in one warm process, the bytes per CPU-second of checking every
/// file's signature (open, MAC stream from disk, SHA-256, signature) next to SHA-256 of the same files read in 64 KiB
/// chunks. CPU time, not wall time, so a busy machine does not distort the ratio; compare with the user-CPU figure of
/// `openssl speed -evp sha256`.
/// </summary>
public static class VerifyThroughput
{
    public static void Run(string dir, int rounds)
    {
        var files = Directory.GetFiles(dir, "*.dcm").Order(StringComparer.Ordinal).ToArray();
        var bytes = files.Sum(f => new FileInfo(f).Length);
        var me = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            me.Refresh();
            var c0 = me.TotalProcessorTime;
            foreach (var f in files)
            {
                var file = DicomFile.Open(f);
                foreach (var signature in DicomSignatures.Find(file.DataSet))
                {
                    if (SignatureCheck.Verify(signature).Outcome != CryptoOutcome.Valid)
                    {
                        throw new InvalidOperationException($"{f}: signature does not verify");
                    }
                }
            }
            me.Refresh();
            var c1 = me.TotalProcessorTime;
            var buffer = new byte[1 << 16];
            foreach (var f in files)
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                int n;
                while ((n = stream.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer.AsSpan(0, n));
                }
                hash.GetHashAndReset();
            }
            me.Refresh();
            var c2 = me.TotalProcessorTime;
            var verify = bytes / (c1 - c0).TotalSeconds / 1e6;
            var sha = bytes / (c2 - c1).TotalSeconds / 1e6;
            Console.WriteLine(FormattableString.Invariant(
                $"round {round + 1}: verify {verify:F0} MB/CPU-s, SHA-256 of the files {sha:F0} MB/CPU-s, ratio {verify / sha:F2} ({bytes / 1e6:F0} MB, {files.Length} files)"));
        }
    }
}
