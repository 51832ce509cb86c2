using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Imaging.Tests;

public sealed class PhantomTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("radseal-phantom-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Same_seed_same_pixels_other_seed_other_pixels()
    {
        var a = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 200, 180, 12, 4));
        var b = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 200, 180, 12, 4));
        var c = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 200, 180, 12, 5));
        Assert.True(a.SamplesEqual(b));
        Assert.False(a.SamplesEqual(c));
    }

    [Theory]
    [InlineData(PhantomRegion.Chest, 12)]
    [InlineData(PhantomRegion.Hand, 14)]
    [InlineData(PhantomRegion.Knee, 16)]
    [InlineData(PhantomRegion.Spine, 12)]
    public void Phantom_is_a_radiograph_not_a_drawing(PhantomRegion region, int bits)
    {
        var image = RadiographPhantom.Generate(new PhantomOptions(region, 256, 256, bits, 11));
        var max = image.MaxValue;
        var samples = image.Samples.ToArray();
        // Burned-out air and collimator shadow: both ends of the range are reached.
        Assert.Contains((ushort)0, samples);
        Assert.Contains((ushort)max, samples);
        // Quantum noise: neighbouring pixels inside the anatomy differ.
        var differing = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            differing += samples[i] != samples[i - 1] && samples[i] > 0 && samples[i] < max ? 1 : 0;
        }
        Assert.True(differing > samples.Length / 10, $"{differing} differing neighbours");
        // Natural asymmetry: the image is not its own mirror.
        long asymmetry = 0;
        for (var y = 0; y < 256; y++)
        {
            for (var x = 0; x < 128; x++)
            {
                asymmetry += Math.Abs(samples[y * 256 + x] - samples[y * 256 + 255 - x]);
            }
        }
        Assert.True(asymmetry > 256L * 128 * max / 100, "left and right halves are mirror images");
    }

    [Theory]
    [InlineData("chest", 12)]
    [InlineData("hand", 14)]
    [InlineData("knee", 16)]
    [InlineData("spine", 16)]
    public void Cli_phantom_passes_dciodvfy_and_is_reproducible(string region, int bits)
    {
        var path = Path.Combine(dir, region + ".dcm");
        var png = Path.Combine(dir, region + ".png");
        string[] args = ["phantom", "--region", region, "--size", "256x200", "--bits", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "9", "-o", path, "--png", png];
        Assert.Equal(0, RadSeal.Cli.Program.Run(args, TextWriter.Null, TextWriter.Null));
        var first = File.ReadAllBytes(path);
        Assert.Equal(0, RadSeal.Cli.Program.Run(args, TextWriter.Null, TextWriter.Null));
        Assert.Equal(first, File.ReadAllBytes(path));
        var result = Peers.Run("dciodvfy", "-new", path);
        var errors = (result.Stdout + result.Stderr).Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
        var file = DicomFile.Open(path);
        var image = DicomPixels.Read(file);
        Assert.Equal((256, 200, bits), (image.Width, image.Height, image.BitsStored));
        Assert.Equal(256, ImageFiles.Load(png).Width);
    }

    [Theory]
    [InlineData("--size", "10x10")]
    [InlineData("--size", "axb")]
    [InlineData("--bits", "13")]
    [InlineData("--region", "foot")]
    public void Cli_phantom_refuses_bad_options(string option, string value)
    {
        var stderr = new StringWriter();
        var code = RadSeal.Cli.Program.Run(["phantom", option, value, "-o", Path.Combine(dir, "x.dcm")], TextWriter.Null, stderr);
        Assert.Equal(2, code);
        Assert.False(File.Exists(Path.Combine(dir, "x.dcm")));
        Assert.Contains("radseal", stderr.ToString(), StringComparison.Ordinal);
    }
}
