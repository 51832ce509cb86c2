using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Tests;

/// <summary>`radseal inspect` runs the pixel detector by default; `--no-pixels` turns the layer off.</summary>
public sealed class InspectPixelLayerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("radseal-inspect-pixels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Inspect_scores_pixels_with_the_detector_unless_told_not_to()
    {
        var real = TestData.SomeRealImages(1)[0];
        var fake = Path.Combine(_dir, "smoothed.png");
        File.WriteAllBytes(fake, ImageFiles.Encode(PseudoFakes.Make(ImageFiles.Load(real), PseudoFakeKind.Upsampled, seed: 7), ImageFormat.Png));

        var reports = Support.InspectJson(real, fake);
        var realPixels = Assert.Single(reports[0].Findings, f => f.Layer == "pixels");
        var fakePixels = Assert.Single(reports[1].Findings, f => f.Layer == "pixels");
        Assert.Equal("PIXELS_SCORE", realPixels.Code); // a real radiograph stays under the threshold
        Assert.Equal("no-evidence", reports[0].Verdict);
        Assert.Equal(("PIXELS_SYNTHETIC", "warning"), (fakePixels.Code, fakePixels.Severity));
        Assert.Equal("suspicious", reports[1].Verdict);

        var off = Support.InspectJson(real, fake, "--no-pixels");
        Assert.All(off, r => Assert.Equal("PIXELS_NOT_CHECKED", Assert.Single(r.Findings, f => f.Layer == "pixels").Code));
        Assert.All(off, r => Assert.Equal("no-evidence", r.Verdict));
    }
}
