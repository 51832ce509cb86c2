using RadSeal.Forensics.Evaluation;

namespace RadSeal.Forensics.Tests.Evaluation;

public sealed class LabelFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("radseal-labels-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Reads_the_public_layout_with_quoted_reasoning_as_is()
    {
        File.WriteAllBytes(Path.Combine(dir, "a.png"), [1]);
        File.WriteAllBytes(Path.Combine(dir, "b.jpg"), [1]);
        var csv = Path.Combine(dir, "labels.csv");
        File.WriteAllText(csv, "Image_Name,Real_or_AI,Reasoning\r\na.png,Real,\"Normal trabecular bone, noisy\"\r\nb.jpg,AI,too smooth\r\n");
        var result = LabelFile.Read(csv, dir);
        Assert.Empty(result.Problems);
        Assert.Equal(2, result.Cases.Count);
        Assert.Equal(("a.png", 0, "Normal trabecular bone, noisy"), (result.Cases[0].Name, result.Cases[0].Label, result.Cases[0].Reasoning));
        Assert.Equal(("b.jpg", 1, "too smooth"), (result.Cases[1].Name, result.Cases[1].Label, result.Cases[1].Reasoning));
    }

    [Fact]
    public void Lists_every_problem_not_just_the_first()
    {
        File.WriteAllBytes(Path.Combine(dir, "a.png"), [1]);
        File.WriteAllBytes(Path.Combine(dir, "c.png"), [1]);
        var csv = Path.Combine(dir, "labels.csv");
        File.WriteAllText(csv, "Image_Name,Real_or_AI,Reasoning\na.png,Real,\nmissing.png,AI,\na.png,AI,\nc.png,Maybe,\n../x.png,Real,\n");
        var problems = LabelFile.Read(csv, dir).Problems;
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains(":3:", StringComparison.Ordinal) && p.Contains("missing.png not found", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(":4:", StringComparison.Ordinal) && p.Contains("duplicate image name a.png (first on line 2)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(":5:", StringComparison.Ordinal) && p.Contains("unknown label 'Maybe'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(":6:", StringComparison.Ordinal) && p.Contains("inside the cases folder", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_file_is_a_problem()
    {
        var csv = Path.Combine(dir, "labels.csv");
        File.WriteAllText(csv, "Image_Name,Real_or_AI,Reasoning\n");
        Assert.Single(LabelFile.Read(csv, dir).Problems);
    }
}
