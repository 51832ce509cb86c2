using System.Diagnostics;
using RadSeal.Dicom;
using RadSeal.Forensics;
using RadSeal.Provenance.Logging;
using RadSeal.Provenance.Pki;
using RadSeal.Provenance.Verification;
using RadSeal.Watermark;

namespace RadSeal.Benchmarks.Gateway;

/// <summary>
/// `gate-costs DIR TRUST.pem`: what each step of the gate's decision costs per image, one thread, files from the page
/// cache — where the gateway's time goes in bench/gateway.sh (docs/performance.md). The file is mapped and parsed as
/// the gateway does it (values are views of the page cache); "(read + parse)" is the copying read, for comparison.
/// </summary>
public static class GateCosts
{
    public static int Run(string dir, string trust)
    {
        var files = Directory.GetFiles(dir, "*.dcm").Order(StringComparer.Ordinal).ToArray();
        var anchors = PemFiles.LoadCertificates(trust);
        var verifier = new SignatureVerifier(new VerificationPolicy { TrustAnchors = anchors });
        // The opt-in inspect check as the gate configures it (policy `inspect`, pixels off): every layer over the file.
        var inspector = new Inspector(new InspectorOptions { SignaturePolicy = new VerificationPolicy { TrustAnchors = anchors }, WatermarkTrust = anchors });
        var steps = new[] { "map + parse", "signature", "watermark", "ledger entry", "header re-parse", "(read + parse)", "(wm: pixels)", "(wm: mark)", "(inspect check)" };
        var ticks = new long[steps.Length];
        long bytes = 0;
        for (var pass = 0; pass < 2; pass++) // the first pass warms the JIT and the page cache
        {
            Array.Clear(ticks);
            bytes = 0;
            foreach (var path in files)
            {
                var t = Stopwatch.GetTimestamp();
                using var mapping = DicomFileMapping.Open(path);
                var file = mapping.File;
                bytes += new FileInfo(path).Length;
                ticks[0] += Lap(ref t);
                _ = verifier.Verify(file.DataSet);
                ticks[1] += Lap(ref t);
                try
                {
                    _ = DicomWatermark.Verify(file, anchors);
                }
                catch (Exception ex) when (ex is WatermarkException or NotSupportedException)
                {
                }
                ticks[2] += Lap(ref t);
                _ = ImageEntries.Describe(file, requirePixelData: false);
                ticks[3] += Lap(ref t);
                _ = DicomFile.Open(path).DataSet.GetString(DicomTags.SOPInstanceUID);
                ticks[4] += Lap(ref t);
                _ = DicomFile.Read(new MemoryStream(File.ReadAllBytes(path), writable: false));
                ticks[5] += Lap(ref t);
                // The watermark check split: decoding the pixels (pooled, as the check does), then looking for the mark.
                using (var pixels = RadSeal.Imaging.DicomPixels.ReadPooled(file))
                {
                    ticks[6] += Lap(ref t);
                    _ = Watermarker.Verify(pixels.Image, anchors, new byte[32]);
                    ticks[7] += Lap(ref t);
                }
                _ = inspector.InspectAsync(path).GetAwaiter().GetResult();
                ticks[8] += Lap(ref t);
            }
        }
        Console.WriteLine($"{files.Length} files, {bytes / 1e6:F0} MB, one thread");
        double total = 0;
        for (var i = 0; i < steps.Length; i++)
        {
            var ms = ticks[i] * 1000.0 / Stopwatch.Frequency;
            total += steps[i].StartsWith('(') ? 0 : ms;
            Console.WriteLine($"{steps[i],-16} {ms,9:F1} ms total  {ms / files.Length,7:F3} ms/image");
        }
        Console.WriteLine($"{"all",-16} {total,9:F1} ms total  {total / files.Length,7:F3} ms/image");
        return 0;
    }

    private static long Lap(ref long t)
    {
        var now = Stopwatch.GetTimestamp();
        var d = now - t;
        t = now;
        return d;
    }
}
