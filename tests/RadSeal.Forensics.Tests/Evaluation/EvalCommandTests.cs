using System.Text.Json;
using RadSeal.Cli;
using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Tests.Evaluation;

/// <summary>`radseal eval` end to end on real Kermany images and pseudo-fakes of them, written as files.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("radseal-eval-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (string Cases, string Labels) MakeSet(int reals)
    {
        var cases = Path.Combine(dir, "cases");
        Directory.CreateDirectory(cases);
        var lines = new List<string> { "Image_Name,Real_or_AI,Reasoning" };
        var paths = TestData.SomeRealImages(reals);
        for (var i = 0; i < paths.Count; i++)
        {
            var name = $"real-{i}.jpeg";
            File.Copy(paths[i], Path.Combine(cases, name));
            lines.Add($"{name},Real,\"acquired, Kermany test set\"");
            var kind = PseudoFakes.Kinds[i % PseudoFakes.Kinds.Count];
            var fake = PseudoFakes.Make(ImageFiles.Load(paths[i]), kind, i);
            File.WriteAllBytes(Path.Combine(cases, $"fake-{i}.jpeg"), ImageFiles.Encode(fake, ImageFormat.Jpeg, 90));
            lines.Add($"fake-{i}.jpeg,AI,{kind}");
        }
        var labels = Path.Combine(dir, "labels.csv");
        File.WriteAllLines(labels, lines);
        return (cases, labels);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Json_follows_the_contract_and_html_shows_every_image_with_its_heatmap()
    {
        var (cases, labels) = MakeSet(6);
        var html = Path.Combine(dir, "report");
        var (code, output, error) = Run("eval", "--cases", cases, "--labels", labels, "--layers", "pixels", "--json", "--html", html, "--resamples", "300");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(12, root.GetProperty("n").GetInt32());
        foreach (var metric in new[] { "accuracy", "auc", "sensitivity", "specificity" })
        {
            var m = root.GetProperty(metric);
            double value = m.GetProperty("value").GetDouble(), low = m.GetProperty("ci_low").GetDouble(), high = m.GetProperty("ci_high").GetDouble();
            Assert.InRange(value, 0, 1);
            Assert.True(low <= value && value <= high, $"{metric}: {low} {value} {high}");
        }
        var confusion = root.GetProperty("confusion");
        Assert.Equal(12, confusion.EnumerateObject().Sum(p => p.Value.GetInt32()));
        Assert.Equal("pixels", root.GetProperty("layers").GetString());
        Assert.True(root.GetProperty("ablation").GetProperty("pixels").TryGetProperty("auc", out _));
        Assert.True(root.GetProperty("ablation").GetProperty("metadata").TryGetProperty("unavailable", out _));

        var index = File.ReadAllText(Path.Combine(html, "index.html"));
        for (var i = 0; i < 6; i++)
        {
            Assert.Contains($"real-{i}.jpeg", index, StringComparison.Ordinal);
            Assert.Contains($"fake-{i}.jpeg", index, StringComparison.Ordinal);
        }
        Assert.Equal(12, Directory.GetFiles(Path.Combine(html, "cases"), "*-heatmap.png").Length);
        Assert.True(PngCodec.HasSignature(File.ReadAllBytes(Path.Combine(html, "roc.png"))));

        // Same input, same seed: the same report.
        var again = Run("eval", "--cases", cases, "--labels", labels, "--json", "--resamples", "300");
        Assert.Equal(output, again.Out);
    }

    [Fact]
    public void Bad_labels_are_listed_together_and_nothing_is_evaluated()
    {
        var (cases, labels) = MakeSet(1);
        File.AppendAllLines(labels, ["nowhere.png,AI,", "real-0.jpeg,Real,", "fake-0.jpeg,Perhaps,"]);
        var (code, output, error) = Run("eval", "--cases", cases, "--labels", labels, "--json");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("nowhere.png not found", error, StringComparison.Ordinal);
        Assert.Contains("duplicate image name real-0.jpeg", error, StringComparison.Ordinal);
        Assert.Contains("duplicate image name fake-0.jpeg", error, StringComparison.Ordinal);
        Assert.Contains("unknown label 'Perhaps'", error, StringComparison.Ordinal);
        Assert.Contains("4 problem(s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undecodable_image_is_a_clear_error()
    {
        var (cases, labels) = MakeSet(1);
        File.WriteAllText(Path.Combine(cases, "broken.png"), "not a picture");
        File.AppendAllLines(labels, ["broken.png,AI,"]);
        var (code, _, error) = Run("eval", "--cases", cases, "--labels", labels);
        Assert.Equal(1, code);
        Assert.Contains("broken.png: cannot read the image", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Layer_sets_this_build_cannot_run_are_refused_with_the_reason()
    {
        var (cases, labels) = MakeSet(1);
        var (code, output, error) = Run("eval", "--cases", cases, "--labels", labels, "--layers", "metadata");
        Assert.Equal(4, code);
        Assert.Equal("", output);
        Assert.Contains("metadata layer is not in this build", error, StringComparison.Ordinal);
    }
}
