using RadSeal.Dicom;

namespace RadSeal.Cli.Tests;

public class SampleTests
{
    private static string SamplePath => Path.Combine(RepoRoot.Path, "samples", "sample-dx.dcm");

    [Fact]
    public void Bundled_sample_is_exactly_what_the_builder_makes()
    {
        using var built = new MemoryStream();
        SampleImage.Build().Save(built);
        if (Environment.GetEnvironmentVariable("RADSEAL_WRITE_SAMPLES") == "1")
        {
            File.WriteAllBytes(SamplePath, built.ToArray());
        }
        Assert.True(File.Exists(SamplePath), $"{SamplePath} is missing: rerun this test with RADSEAL_WRITE_SAMPLES=1.");
        Assert.Equal(built.ToArray(), File.ReadAllBytes(SamplePath));
    }

    [Fact]
    public void Bundled_sample_passes_dciodvfy()
    {
        var result = Peers.Run("dciodvfy", "-new", SamplePath);
        var errors = (result.Stdout + result.Stderr).Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }
}
