using System.Text;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Tests;

/// <summary>
/// Signed C2PA files made by @trustnxt/c2pa-ts (a C2PA implementation nobody at RadSeal wrote), made once per run in
/// the fixture, read and judged by RadSeal.
/// </summary>
public sealed class C2paFiles : IDisposable
{
    public C2paFiles()
    {
        Dir = Support.TempDir();
        var node = Path.Combine(Support.RepoRoot(), "tests", "RadSeal.Forensics.Tests", "c2pa");
        Assert.True(Directory.Exists(Path.Combine(node, "node_modules", "@trustnxt", "c2pa-ts")),
            $"{node}/node_modules is missing: run 'npm ci' there (scripts/test.sh does; needs the nodejs and npm packages)");
        (Key, Cert, Ca) = Support.C2paCredentials(Dir, "peer");
        (_, _, OtherCa) = Support.C2paCredentials(Dir, "other");
        var jpeg = Path.Combine(Dir, "source.jpg");
        File.Copy(Support.KermanyJpeg(), jpeg);
        var png = Path.Combine(Dir, "source.png");
        File.WriteAllBytes(png, ImageFiles.Encode(ImageFiles.Load(jpeg), ImageFormat.Png));
        Make(node, "ai", jpeg, AiJpeg);
        Make(node, "ai", png, AiPng);
        Make(node, "camera", png, CameraPng);
        Make(node, "camera", jpeg, CameraJpeg);
        Make(node, "converted", AiJpeg, ConvertedJpeg);

        // Pixels changed after signing: one byte of the JPEG's entropy-coded scan flipped (the file still decodes).
        var bytes = File.ReadAllBytes(CameraJpeg);
        var sos = LastIndexOf(bytes, [0xFF, 0xDA]);
        bytes[sos + (bytes.Length - sos) / 2] ^= 0x10;
        File.WriteAllBytes(PixelsChanged, bytes);

        // Manifest signature altered: a byte near the end of the c2pa.signature box's CBOR (inside the signature value).
        bytes = File.ReadAllBytes(AiJpeg);
        var label = IndexOf(bytes, Encoding.ASCII.GetBytes("c2pa.signature\0"));
        var cbor = IndexOf(bytes, "cbor"u8.ToArray(), label);
        var end = cbor - 4 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(cbor - 4));
        bytes[end - 5] ^= 0x01;
        File.WriteAllBytes(SignatureAltered, bytes);
    }

    public string Dir { get; }
    public string Key { get; }
    public string Cert { get; }
    public string Ca { get; }
    public string OtherCa { get; }
    public List<string> PeerVerdicts { get; } = [];
    public string AiJpeg => Path.Combine(Dir, "ai.jpg");
    public string AiPng => Path.Combine(Dir, "ai.png");
    public string CameraPng => Path.Combine(Dir, "camera.png");
    public string CameraJpeg => Path.Combine(Dir, "camera.jpg");
    public string ConvertedJpeg => Path.Combine(Dir, "converted.jpg");
    public string PixelsChanged => Path.Combine(Dir, "pixels-changed.jpg");
    public string SignatureAltered => Path.Combine(Dir, "signature-altered.jpg");

    private void Make(string node, string mode, string input, string output)
    {
        var result = Peers.Run("node", [Path.Combine(node, "make.mjs"), mode, input, output, Key, Cert], stdin: null, TimeSpan.FromMinutes(2))
            .EnsureSuccess($"c2pa-ts {mode} {Path.GetFileName(output)}");
        PeerVerdicts.Add(result.Stdout.Trim());
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int from = 0)
    {
        var i = haystack.AsSpan(from).IndexOf(needle);
        Assert.True(i >= 0, "marker not found in the peer's file");
        return from + i;
    }

    private static int LastIndexOf(byte[] haystack, byte[] needle)
    {
        var i = haystack.AsSpan().LastIndexOf(needle);
        Assert.True(i >= 0);
        return i;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class C2paPeerTests(C2paFiles files) : IClassFixture<C2paFiles>
{
    [Fact]
    public void The_peer_itself_judges_its_files_valid()
    {
        Assert.Equal(5, files.PeerVerdicts.Count);
        Assert.All(files.PeerVerdicts, v => Assert.Contains("\"valid\":true", v, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ai.jpg")]
    [InlineData("ai.png")]
    public void An_ai_declaration_from_the_peer_is_read_and_verified(string name)
    {
        var report = Assert.Single(Support.InspectJson(Path.Combine(files.Dir, name)));
        Assert.Equal("declared-ai", report.Verdict);
        Assert.Contains(report.Findings, f => f.Code == "C2PA_DECLARED_AI" && f.Message.Contains("trainedAlgorithmicMedia", StringComparison.Ordinal)
            && f.Message.Contains("Example Diffusion Model", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Code == "C2PA_HARD_BINDING_MATCH");
        var manifest = Assert.Single(report.Findings, f => f.Code == "C2PA_MANIFEST");
        Assert.Contains("c2pa-ts-peer 0.9.4", manifest.Message, StringComparison.Ordinal);
        Assert.Contains("peer Signer", manifest.Message, StringComparison.Ordinal);
        Assert.Contains("ES256", manifest.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Severity == "failure");
    }

    [Fact]
    public void A_converted_image_keeps_the_declaration_in_its_ingredient()
    {
        var report = Assert.Single(Support.InspectJson(files.ConvertedJpeg));
        Assert.Equal("declared-ai", report.Verdict);
        var manifests = report.Findings.Where(f => f.Code == "C2PA_MANIFEST").ToArray();
        Assert.Equal(2, manifests.Length);
        Assert.StartsWith("active manifest", manifests[0].Message, StringComparison.Ordinal);
        Assert.Contains("c2pa.converted", manifests[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("trainedAlgorithmicMedia", manifests[0].Message, StringComparison.Ordinal);
        var declaration = Assert.Single(report.Findings, f => f.Code == "C2PA_DECLARED_AI");
        Assert.StartsWith("ingredient manifest", declaration.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_manifest_proves_nothing_without_trust_and_authenticity_with_it()
    {
        var untrusted = Assert.Single(Support.InspectJson(files.CameraPng));
        Assert.Equal("no-evidence", untrusted.Verdict);
        Assert.Contains(untrusted.Findings, f => f.Code == "C2PA_TRUST_NOT_CHECKED");

        var otherAnchor = Assert.Single(Support.InspectJson(files.CameraPng, "--c2pa-trust", files.OtherCa));
        Assert.Equal("no-evidence", otherAnchor.Verdict);
        Assert.Contains(otherAnchor.Findings, f => f.Code == "C2PA_SIGNER_UNTRUSTED");

        foreach (var file in new[] { files.CameraPng, files.CameraJpeg })
        {
            var trusted = Assert.Single(Support.InspectJson(file, "--c2pa-trust", files.Ca));
            Assert.Equal("authentic", trusted.Verdict);
            Assert.Contains(trusted.Findings, f => f.Code == "C2PA_PROVEN");
        }
    }

    [Fact]
    public void Pixels_changed_after_signing_break_the_hard_binding()
    {
        Assert.NotNull(ImageFiles.Load(files.PixelsChanged)); // still a picture, with different pixels
        var report = Assert.Single(Support.InspectJson(files.PixelsChanged, "--c2pa-trust", files.Ca));
        Assert.Equal("tampered", report.Verdict);
        Assert.Contains(report.Findings, f => f.Code == "C2PA_HARD_BINDING_MISMATCH" && f.Severity == "failure");
        Assert.DoesNotContain(report.Findings, f => f.Code == "C2PA_SIGNATURE_INVALID");
    }

    [Fact]
    public void An_altered_manifest_signature_is_tampered()
    {
        var report = Assert.Single(Support.InspectJson(files.SignatureAltered));
        Assert.Equal("tampered", report.Verdict);
        Assert.Contains(report.Findings, f => f.Code == "C2PA_SIGNATURE_INVALID" && f.Severity == "failure");
        Assert.Contains(report.Findings, f => f.Code == "C2PA_HARD_BINDING_MATCH");
    }

    [Fact]
    public async Task Damaged_manifests_never_crash_and_never_prove_anything()
    {
        var original = File.ReadAllBytes(files.ConvertedJpeg);
        var start = original.AsSpan().IndexOf("jumb"u8);
        var random = new Random(6);
        var inspector = new Inspector(new InspectorOptions { C2paTrust = null });
        for (var i = 0; i < 200; i++)
        {
            var bytes = (byte[])original.Clone();
            var at = start + random.Next(Math.Min(20000, bytes.Length - start));
            bytes[at] ^= (byte)(1 << random.Next(8));
            var report = await inspector.InspectAsync(Subject.FromBytes($"flip-{i}.jpg", bytes));
            Assert.NotEqual(Verdict.Authentic, report.Verdict);
            Assert.Contains(report.Verdict, new[] { Verdict.Tampered, Verdict.DeclaredAi, Verdict.Suspicious, Verdict.NoEvidence });
        }
    }

    [Fact]
    public async Task Truncated_and_flipped_files_never_crash_and_a_change_outside_the_manifest_is_never_authentic()
    {
        var original = File.ReadAllBytes(files.CameraPng);
        var chunk = original.AsSpan().IndexOf("caBX"u8) - 4;
        var chunkEnd = chunk + 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(original.AsSpan(chunk));
        var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        anchors.ImportFromPemFile(files.Ca);
        var inspector = new Inspector(new InspectorOptions { C2paTrust = anchors, Thumbnails = true });
        Assert.Equal(Verdict.Authentic, (await inspector.InspectAsync(Subject.FromBytes("camera.png", original))).Verdict);
        var random = new Random(66);
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])original.Clone();
            var truncate = i % 3 == 0;
            var at = random.Next(8, bytes.Length);
            if (truncate)
            {
                bytes = bytes[..at];
            }
            else
            {
                bytes[at] ^= (byte)(1 << random.Next(8));
            }
            var report = await inspector.InspectAsync(Subject.FromBytes($"case-{i}.png", bytes));
            if (truncate || at < chunk || at >= chunkEnd)
            {
                Assert.True(report.Verdict != Verdict.Authentic, $"case {i}: {(truncate ? "truncated" : "flipped")} at {at} (manifest chunk {chunk}..{chunkEnd}) still authentic");
            }
        }
    }
}
