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
        Assert.True(root.GetProperty("ablation").GetProperty("metadata").TryGetProperty("auc", out _));

        var index = File.ReadAllText(Path.Combine(html, "index.html"));
        for (var i = 0; i < 6; i++)
        {
            Assert.Contains($"real-{i}.jpeg", index, StringComparison.Ordinal);
            Assert.Contains($"fake-{i}.jpeg", index, StringComparison.Ordinal);
        }
        Assert.Equal(12, Directory.GetFiles(Path.Combine(html, "cases"), "*-heatmap.png").Length);
        Assert.True(PngCodec.HasSignature(File.ReadAllBytes(Path.Combine(html, "roc.png"))));

        // Same input, same seed: the same report.
        var again = Run("eval", "--cases", cases, "--labels", labels, "--layers", "pixels", "--json", "--resamples", "300");
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
    public void Metadata_and_all_layers_join_the_ablation_and_metadata_alone_is_at_chance_on_pictures()
    {
        var (cases, labels) = MakeSet(4);
        var (code, output, error) = Run("eval", "--cases", cases, "--labels", labels, "--json", "--resamples", "200");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var ablation = json.RootElement.GetProperty("ablation");
        Assert.Equal("all", json.RootElement.GetProperty("layers").GetString());
        // JPEG files carry no header to judge: metadata gives every image the same score, so its AUC is exactly 0.5.
        Assert.Equal(0.5, ablation.GetProperty("metadata").GetProperty("auc").GetProperty("value").GetDouble());
        // ...and "all" (noisy-OR) is then the pixel score.
        Assert.Equal(ablation.GetProperty("pixels").GetProperty("auc").GetProperty("value").GetDouble(),
            ablation.GetProperty("all").GetProperty("auc").GetProperty("value").GetDouble());
    }

    [Fact]
    public void The_metadata_layer_scores_dicom_headers_stripped_of_acquisition_attributes()
    {
        var cases = Path.Combine(dir, "dicom");
        Directory.CreateDirectory(cases);
        var lines = new List<string> { "Image_Name,Real_or_AI,Reasoning" };
        for (var i = 0; i < 3; i++)
        {
            var options = new RadSeal.Imaging.Phantom.PhantomOptions(RadSeal.Imaging.Phantom.PhantomRegion.Chest, 256, 256, 12, 40 + i);
            var image = RadSeal.Imaging.Phantom.RadiographPhantom.Generate(options);
            RadSeal.Imaging.Phantom.RadiographPhantom.ToDicom(image, options).Save(Path.Combine(cases, $"real-{i}.dcm"));
            lines.Add($"real-{i}.dcm,Real,phantom acquisition header");
            var fake = RadSeal.Imaging.Phantom.RadiographPhantom.ToDicom(image, options);
            foreach (var tag in new[] { RadSeal.Dicom.DicomTags.KVP, RadSeal.Dicom.DicomTags.DeviceSerialNumber, RadSeal.Dicom.DicomTags.DetectorType,
                RadSeal.Dicom.DicomTags.ImagerPixelSpacing })
            {
                fake.DataSet.Remove(tag);
            }
            fake.Save(Path.Combine(cases, $"stripped-{i}.dcm"));
            lines.Add($"stripped-{i}.dcm,AI,acquisition attributes missing");
        }
        var labels = Path.Combine(dir, "dicom.csv");
        File.WriteAllLines(labels, lines);
        var (code, output, error) = Run("eval", "--cases", cases, "--labels", labels, "--layers", "metadata", "--json", "--resamples", "200");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("metadata", json.RootElement.GetProperty("layers").GetString());
        Assert.Equal(1.0, json.RootElement.GetProperty("auc").GetProperty("value").GetDouble());
        var scores = json.RootElement.GetProperty("cases").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("score_metadata").GetDouble());
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(scores[$"stripped-{i}.dcm"] >= 0.5 && scores[$"stripped-{i}.dcm"] > scores[$"real-{i}.dcm"]));
    }
}
