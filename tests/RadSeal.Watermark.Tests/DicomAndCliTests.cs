using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Watermark.Tests;

public sealed class DicomAndCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("radseal-wm-").FullName;
    private readonly TestPki pki = new();

    public void Dispose()
    {
        pki.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private string Phantom(string name, PhantomRegion region, int bits, TransferSyntax? syntax = null)
    {
        var options = new PhantomOptions(region, 320, 256, bits, 8);
        var image = RadiographPhantom.Generate(options);
        var file = RadiographPhantom.ToDicom(image, options);
        if (syntax is not null)
        {
            file = DicomPixels.WithPixels(file, image, syntax);
        }
        var path = Path.Combine(dir, name);
        file.Save(path);
        return path;
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = RadSeal.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private const string PixelsAsText = """
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
print(ds.SOPInstanceUID)
print(",".join(str(int(v)) for v in ds.pixel_array.ravel()))
""";

    [Theory]
    [InlineData(12, "1.2.840.10008.1.2.1")]
    [InlineData(16, "1.2.840.10008.1.2.5")]
    [InlineData(14, "1.2.840.10008.1.2")]
    public void Dicom_embed_verify_restore_is_exact_for_pydicom_and_dcmdump(int bits, string syntax)
    {
        var original = Phantom("original.dcm", PhantomRegion.Chest, bits, TransferSyntax.FromUid(syntax));
        var (key, cert, ca) = pki.WritePem(dir);
        var marked = Path.Combine(dir, "marked.dcm");
        var restored = Path.Combine(dir, "restored.dcm");
        Assert.Equal(0, Cli("watermark", "embed", original, marked, "--key", key, "--cert", cert).Code);
        var markedFile = DicomFile.Open(marked);
        Assert.Equal(syntax, markedFile.TransferSyntax.Uid);
        Assert.True(DicomWatermark.IsRecordedAsMarked(markedFile.DataSet));
        var verify = Cli("watermark", "verify", marked, "--trust", ca, "--json");
        Assert.Equal(0, verify.Code);
        Assert.Equal("valid", JsonDocument.Parse(verify.Out).RootElement.GetProperty("status").GetString());
        var lint = Peers.Run("dciodvfy", "-new", marked);
        Assert.DoesNotContain("\nError", "\n" + lint.Stdout + lint.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, Cli("watermark", "restore", marked, restored).Code);
        var before = Peers.Python3(PixelsAsText, original).EnsureSuccess("pydicom original").Stdout;
        var after = Peers.Python3(PixelsAsText, restored).EnsureSuccess("pydicom restored").Stdout;
        var markedText = Peers.Python3(PixelsAsText, marked).EnsureSuccess("pydicom marked").Stdout;
        Assert.Equal(before, after);
        Assert.NotEqual(before.Split('\n')[1], markedText.Split('\n')[1]);
        Assert.NotEqual(before.Split('\n')[0], markedText.Split('\n')[0]); // the marked image is a new instance
        // The whole header is back as it was: dcmdump of the data sets agree line for line.
        string Dump(string path) => Peers.Run("dcmdump", "-q", "+L", path).EnsureSuccess("dcmdump").Stdout;
        Assert.Equal(Dump(original), Dump(restored));
    }

    [Fact]
    public void Dicom_marks_bound_to_their_instance_and_removed_marks_are_caught()
    {
        var original = Phantom("o.dcm", PhantomRegion.Knee, 12);
        var file = DicomFile.Open(original);
        var (marked, _) = DicomWatermark.Embed(file, pki.Signer);
        Assert.Equal(WatermarkStatus.Valid, DicomWatermark.Verify(marked, pki.Anchors).Status);
        // The marked pixels moved into another instance (the original header, other UID): not valid.
        var moved = DicomPixels.WithPixels(file, DicomPixels.Read(marked));
        Assert.Equal("identity-mismatch", DicomWatermark.Verify(moved, pki.Anchors).Reason);
        // The header says marked but the pixels were swapped back to unmarked ones.
        var stripped = DicomPixels.WithPixels(marked, DicomPixels.Read(file));
        var report = DicomWatermark.Verify(stripped, pki.Anchors);
        Assert.Equal((WatermarkStatus.Tampered, "mark-removed"), (report.Status, report.Reason));
        Assert.Equal(WatermarkStatus.Absent, DicomWatermark.Verify(file, pki.Anchors).Status);
        Assert.Throws<WatermarkException>(() => DicomWatermark.Embed(marked, pki.Signer));
    }

    [Fact]
    public void Cli_on_a_shared_chest_radiograph_valid_tampered_absent_and_the_map()
    {
        var source = Images.KermanySample(1)[0];
        var (key, cert, ca) = pki.WritePem(dir);
        var marked = Path.Combine(dir, "marked.png");
        var embed = Cli("watermark", "embed", source, marked, "--key", key, "--cert", cert, "--json");
        Assert.Equal(0, embed.Code);
        Assert.Equal(1, JsonDocument.Parse(embed.Out).RootElement.GetProperty("largestChange").GetInt32());
        Assert.Equal(0, Cli("watermark", "verify", marked, "--trust", ca, "--cert", cert).Code);
        // A PNG carries only a reference to the signer's certificate: without it the mark cannot be verified (exit 11), never valid.
        var unverifiable = Cli("watermark", "verify", marked, "--trust", ca, "--json");
        Assert.Equal(11, unverifiable.Code);
        var unverifiableJson = JsonDocument.Parse(unverifiable.Out).RootElement;
        Assert.Equal("unverifiable", unverifiableJson.GetProperty("status").GetString());
        Assert.Equal("signer-certificate-unavailable", unverifiableJson.GetProperty("reason").GetString());
        // The certificate may come from a folder, or sit in the trust bundle next to the CA.
        var folder = Directory.CreateDirectory(Path.Combine(dir, "certs")).FullName;
        File.Copy(cert, Path.Combine(folder, "device.pem"));
        Assert.Equal(0, Cli("watermark", "verify", marked, "--trust", ca, "--cert", folder).Code);
        var bundle = Path.Combine(dir, "bundle.pem");
        File.WriteAllText(bundle, File.ReadAllText(ca) + "\n" + File.ReadAllText(cert));
        Assert.Equal(0, Cli("watermark", "verify", marked, "--trust", bundle).Code);

        // Paint a small bright "lesion" into the marked picture.
        var image = ImageFiles.Load(marked);
        for (var y = 100; y < 110; y++)
        {
            for (var x = 60; x < 70; x++)
            {
                image.Samples[y * image.Width + x] = 250;
            }
        }
        var tampered = Path.Combine(dir, "tampered.png");
        File.WriteAllBytes(tampered, PngCodec.EncodeGray(image));
        var map = Path.Combine(dir, "map.png");
        var verify = Cli("watermark", "verify", tampered, "--trust", ca, "--cert", cert, "--json", "--map", map);
        Assert.Equal(5, verify.Code);
        var json = JsonDocument.Parse(verify.Out).RootElement;
        Assert.Equal("tampered", json.GetProperty("status").GetString());
        var block = Assert.Single(json.GetProperty("tamperedBlocks").EnumerateArray());
        var (bx, by, bw, bh) = (block.GetProperty("x").GetInt32(), block.GetProperty("y").GetInt32(), block.GetProperty("width").GetInt32(), block.GetProperty("height").GetInt32());
        Assert.InRange(65, bx, bx + bw - 1);
        Assert.InRange(105, by, by + bh - 1);
        using (var bitmap = SkiaSharp.SKBitmap.Decode(map))
        {
            Assert.Equal(new SkiaSharp.SKColor(255, 0, 0), bitmap.GetPixel(bx, by + bh / 2));
            Assert.NotEqual(new SkiaSharp.SKColor(255, 0, 0), bitmap.GetPixel(bx + bw / 2, by + bh / 2));
        }
        Assert.Equal(5, Cli("watermark", "restore", tampered, Path.Combine(dir, "no.png")).Code);
        Assert.False(File.Exists(Path.Combine(dir, "no.png")));

        var absent = Cli("watermark", "verify", source, "--trust", ca, "--json");
        Assert.Equal(6, absent.Code);
        Assert.Equal("absent", JsonDocument.Parse(absent.Out).RootElement.GetProperty("status").GetString());

        var restored = Path.Combine(dir, "restored.png");
        Assert.Equal(0, Cli("watermark", "restore", marked, restored).Code);
        Assert.True(ImageFiles.Load(restored).SamplesEqual(ImageFiles.Load(source)));
    }

    [Fact]
    public void Cli_errors_are_one_line_and_leave_no_output()
    {
        var original = Phantom("o.dcm", PhantomRegion.Hand, 12);
        var (key, cert, ca) = pki.WritePem(dir);
        var output = Path.Combine(dir, "out.dcm");
        File.WriteAllText(Path.Combine(dir, "bad.pem"), "not a key");
        var badKey = Cli("watermark", "embed", original, output, "--key", Path.Combine(dir, "bad.pem"), "--cert", cert);
        Assert.Equal(1, badKey.Code);
        Assert.Single(badKey.Err.Trim().Split('\n'));
        using var stranger = new TestPki("Other");
        var (otherKey, _, _) = stranger.WritePem(Directory.CreateDirectory(Path.Combine(dir, "other")).FullName);
        Assert.Equal(1, Cli("watermark", "embed", original, output, "--key", otherKey, "--cert", cert).Code);
        Assert.Equal(3, Cli("watermark", "embed", Path.Combine(dir, "missing.dcm"), output, "--key", key, "--cert", cert).Code);
        var picture = Path.Combine(dir, "picture.png");
        File.WriteAllBytes(picture, PngCodec.EncodeGray(Images.Synthetic(3, 256, 256, 8, 0.003, 0)));
        Assert.Equal(2, Cli("watermark", "embed", picture, Path.Combine(dir, "x.jpg"), "--key", key, "--cert", cert).Code);
        Assert.False(File.Exists(Path.Combine(dir, "x.jpg")));
        Assert.False(File.Exists(output));
        Assert.Equal(6, Cli("watermark", "restore", original, output).Code);
        Assert.False(File.Exists(output));
        Assert.Equal(2, Cli("watermark", "verify", original).Code);
        var notPem = Cli("watermark", "verify", original, "--trust", ca, "--cert", Path.Combine(dir, "bad.pem"));
        Assert.Equal(2, notPem.Code);
        Assert.Single(notPem.Err.Trim().Split('\n'));
    }
}
