using System.Security.Cryptography;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using Xunit.Abstractions;

namespace RadSeal.Watermark.Tests;

public sealed class TamperTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestPki pki = new();
    private static readonly byte[] Identity = SHA256.HashData("1.2.3.4"u8);

    public void Dispose() => pki.Dispose();


    [Fact]
    public void Each_edit_flags_exactly_the_blocks_it_touches()
    {
        var original = Images.Phantom(PhantomRegion.Chest, 12, 512, 5);
        var marked = Watermarker.Embed(original, pki.Signer, Identity);
        var random = new Random(2024);
        // The embedder picks the block size (finest within the distortion budget); the verifier reports it.
        var grid = BlockGrid.For(512, 512, 1, Watermarker.Verify(marked, pki.Anchors, Identity, pki.Certificates).BlockSize);
        int falseFlags = 0, missed = 0, edits = 0;
        while (edits < Edits.Count)
        {
            var edited = Edits.Random(marked, random, 90);
            var touched = Edits.Touched(grid, marked, edited);
            if (touched.Count == 0)
            {
                continue;
            }
            edits++;
            var report = Watermarker.Verify(edited, pki.Anchors, Identity, pki.Certificates);
            Assert.Equal(WatermarkStatus.Tampered, report.Status);
            var flagged = report.TamperedBlocks.Select(b => (b.X, b.Y)).ToHashSet();
            falseFlags += flagged.Except(touched).Count();
            missed += touched.Except(flagged).Count();
        }
        output.WriteLine($"{edits} edits: {falseFlags} false flags, {missed} missed blocks");
        Assert.Equal(0, falseFlags);
        Assert.Equal(0, missed);
    }

    [Fact]
    public void A_mark_copied_onto_another_image_fails()
    {
        var a = Images.Phantom(PhantomRegion.Hand, 12, 512, 1);
        var b = Images.Phantom(PhantomRegion.Hand, 12, 512, 2);
        var markedA = Watermarker.Embed(a, pki.Signer, Identity);
        // Carry the mark's pixel changes over to b.
        var forged = b.Clone();
        for (var i = 0; i < forged.Samples.Length; i++)
        {
            forged.Samples[i] = (ushort)Math.Clamp(b.Samples[i] + markedA.Samples[i] - a.Samples[i], 0, 4095);
        }
        Assert.NotEqual(WatermarkStatus.Valid, Watermarker.Verify(forged, pki.Anchors, Identity, pki.Certificates).Status);
        // Or graft a's marked top row of blocks into a marked b (a collage of two marked images).
        var markedB = Watermarker.Embed(b, pki.Signer, SHA256.HashData("other"u8));
        var rows = Watermarker.Verify(markedB, pki.Anchors, SHA256.HashData("other"u8), pki.Certificates).BlockSize;
        Assert.True(rows <= 128, $"the grid of b should have at least 4 rows of blocks (block size {rows})");
        var collage = markedB.Clone();
        markedA.Samples[..(rows * 512)].CopyTo(collage.Samples);
        var report = Watermarker.Verify(collage, pki.Anchors, SHA256.HashData("other"u8), pki.Certificates);
        Assert.Equal("blocks-changed", report.Reason);
        Assert.All(report.TamperedBlocks, r => Assert.Equal(0, r.Y));
        Assert.NotEmpty(report.TamperedBlocks);
        // The whole of a's marked pixels under another identity: the identity check catches it.
        Assert.Equal("identity-mismatch", Watermarker.Verify(markedA, pki.Anchors, SHA256.HashData("other"u8), pki.Certificates).Reason);
    }

    [Theory]
    [InlineData(0, 0, 250, 256)]
    [InlineData(3, 5, 240, 240)]
    [InlineData(64, 0, 192, 256)]
    [InlineData(0, 0, 192, 192)]
    public void A_crop_fails(int x0, int y0, int w, int h)
    {
        var image = Images.Phantom(PhantomRegion.Knee, 14, 256, 4);
        var marked = Watermarker.Embed(image, pki.Signer, Identity);
        var crop = new ushort[w * h];
        for (var y = 0; y < h; y++)
        {
            marked.Samples.Slice((y0 + y) * 256 + x0, w).CopyTo(crop.AsSpan(y * w));
        }
        var report = Watermarker.Verify(new GrayImage(w, h, 14, samples: crop), pki.Anchors, Identity, pki.Certificates);
        Assert.NotEqual(WatermarkStatus.Valid, report.Status);
        Assert.Throws<WatermarkException>(() => Watermarker.Restore(new GrayImage(w, h, 14, samples: crop)));
    }

    [Fact]
    public void Unmarked_images_are_absent_never_tampered()
    {
        var images = new List<(string, GrayImage)>();
        foreach (var region in Enum.GetValues<PhantomRegion>())
        {
            images.Add((region.ToString(), Images.Phantom(region, 16)));
        }
        images.Add(("zero", new GrayImage(300, 300, 12)));
        images.Add(("max", new GrayImage(64, 64, 8, samples: Enumerable.Repeat((ushort)255, 4096).ToArray())));
        for (var s = 0; s < 20; s++)
        {
            images.Add(($"random {s}", Images.Synthetic(s, 40 + s * 7, 50 + s * 3, 6 + s % 11, 0.05 * (s % 3), 0.1 * (s % 2))));
        }
        images.AddRange(Images.KermanySample(12).Select(p => (p, ImageFiles.Load(p))));
        foreach (var (name, image) in images)
        {
            var report = Watermarker.Verify(image, pki.Anchors, Identity, pki.Certificates);
            Assert.True(report.Status == WatermarkStatus.Absent, $"{name}: {report.Status} {report.Reason}");
            Assert.Throws<WatermarkException>(() => Watermarker.Restore(image));
        }
    }

    [Fact]
    public void A_signer_outside_the_trust_anchors_is_not_valid()
    {
        using var stranger = new TestPki("Stranger");
        var image = Images.Phantom(PhantomRegion.Spine, 12);
        var marked = Watermarker.Embed(image, stranger.Signer, Identity);
        var report = Watermarker.Verify(marked, pki.Anchors, Identity, stranger.Certificates);
        Assert.Equal(WatermarkStatus.Tampered, report.Status);
        Assert.Equal("signer-untrusted", report.Reason);
        Assert.Equal(WatermarkStatus.Valid, Watermarker.Verify(marked, stranger.Anchors, Identity, stranger.Certificates).Status);
    }
}
