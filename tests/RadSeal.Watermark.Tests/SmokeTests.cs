using System.Security.Cryptography;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Watermark.Tests;

public class SmokeTests
{
    [Theory]
    [InlineData(PhantomRegion.Chest, 12)]
    [InlineData(PhantomRegion.Hand, 14)]
    [InlineData(PhantomRegion.Knee, 16)]
    [InlineData(PhantomRegion.Spine, 16)]
    public void Phantom_round_trip(PhantomRegion region, int bits)
    {
        using var pki = new TestPki();
        var image = RadiographPhantom.Generate(new PhantomOptions(region, 512, 512, bits, 7));
        var id = SHA256.HashData("1.2.3"u8);
        var marked = image.Clone();
        var stats = Watermarker.EmbedInPlace(marked.Samples, 512, 512, 1, bits, false, pki.Signer, id);
        Console.WriteLine($"{region} {bits}: {stats}");
        Assert.False(marked.SamplesEqual(image));
        var report = Watermarker.Verify(marked, pki.Anchors, id);
        Assert.Equal(WatermarkStatus.Valid, report.Status);
        Assert.True(Watermarker.Restore(marked).SamplesEqual(image));
        Assert.Equal(WatermarkStatus.Absent, Watermarker.Verify(image, pki.Anchors, id).Status);
    }
}
