using System.Globalization;
using System.Text.RegularExpressions;
using RadSeal.Forensics.Evaluation;
using RadSeal.Forensics.Pixels;

namespace RadSeal.Forensics.Tests.Pixels;

/// <summary>
/// The committed model against data it never saw: 40 real images of test-split patients and one pseudo-fake of each.
/// Fails if the AUC drops below the regression floor docs/model-card.md states.
/// </summary>
public partial class HeldOutTests
{
    public const int SuiteReals = 40;

    [Fact]
    public void Held_out_auc_is_at_least_what_the_model_card_states()
    {
        var card = File.ReadAllText(Path.Combine(TestData.RepositoryRoot(), "docs", "model-card.md"));
        var match = FloorPattern().Match(card);
        Assert.True(match.Success, "docs/model-card.md must state 'Regression floor (suite subset AUC): X'");
        var floor = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);

        var items = TrainingCorpus.Build(TestData.RequireKermany(), new Dictionary<Split, int> { [Split.Test] = SuiteReals }, phantoms: 0);
        Assert.Equal(2 * SuiteReals, items.Count);
        Assert.All(items, i => Assert.Equal(Split.Test, i.Split));
        using var resnet = ResNetFeatures.Load();
        var detector = new PixelDetector(PixelModel.LoadDefault(), resnet); // disposing resnet frees it
        var features = DetectorTrainer.ExtractAll(items, resnet);
        var scores = features.Select(f => detector.Score(f).ProbabilitySynthetic).ToList();
        var auc = BinaryMetrics.Auc(scores, items.Select(i => i.Label).ToList());
        Assert.True(auc >= floor, $"held-out AUC {auc:0.000} is below the model card's floor {floor:0.000}");
    }

    [GeneratedRegex(@"Regression floor \(suite subset AUC\): \*?\*?([0-9.]+)")]
    private static partial Regex FloorPattern();
}
