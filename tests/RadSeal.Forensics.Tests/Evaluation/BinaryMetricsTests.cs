using RadSeal.Forensics.Evaluation;

namespace RadSeal.Forensics.Tests.Evaluation;

public class BinaryMetricsTests
{
    [Fact]
    public void Auc_counts_every_positive_negative_pair_and_ties_as_half()
    {
        // Positives 0.9, 0.5, 0.5; negatives 0.5, 0.1. Pairs: 0.9 beats both (2); each 0.5 ties 0.5 (0.5) and beats 0.1 (1).
        // (2 + 1.5 + 1.5) / (3 * 2) = 5/6.
        double[] scores = [0.9, 0.5, 0.5, 0.5, 0.1];
        int[] labels = [1, 1, 1, 0, 0];
        Assert.Equal(5.0 / 6.0, BinaryMetrics.Auc(scores, labels), 12);
    }

    [Fact]
    public void Auc_is_one_half_when_every_score_ties_and_undefined_with_one_class()
    {
        Assert.Equal(0.5, BinaryMetrics.Auc([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0]), 12);
        Assert.True(double.IsNaN(BinaryMetrics.Auc([0.1, 0.2], [1, 1])));
    }

    [Fact]
    public void Auc_of_a_reversed_ranking_is_zero()
    {
        Assert.Equal(0, BinaryMetrics.Auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 12);
    }

    [Fact]
    public void Confusion_calls_scores_at_the_threshold_synthetic()
    {
        var c = BinaryMetrics.Confusion([0.5, 0.49, 0.7, 0.2, 0.6], [1, 1, 0, 0, 1]);
        Assert.Equal((2, 1, 1, 1), (c.TruePositive, c.FalsePositive, c.TrueNegative, c.FalseNegative));
        Assert.Equal(3.0 / 5, c.Accuracy, 12);
        Assert.Equal(2.0 / 3, c.Sensitivity, 12);
        Assert.Equal(1.0 / 2, c.Specificity, 12);
    }

    [Fact]
    public void Roc_runs_from_origin_to_corner_with_one_point_per_distinct_score()
    {
        var roc = BinaryMetrics.Roc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]);
        Assert.Equal([(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)], roc.Select(p => (p.FalsePositiveRate, p.TruePositiveRate)));
    }

    [Fact]
    public void Bootstrap_is_reproducible_by_seed_and_brackets_the_estimate()
    {
        var rng = new Random(7);
        var scores = Enumerable.Range(0, 200).Select(_ => rng.NextDouble()).ToArray();
        var labels = scores.Select(s => s + 0.3 * (rng.NextDouble() - 0.5) > 0.5 ? 1 : 0).ToArray();
        var a = BinaryMetrics.WithIntervals(scores, labels, resamples: 500, seed: 42);
        var b = BinaryMetrics.WithIntervals(scores, labels, resamples: 500, seed: 42);
        var c = BinaryMetrics.WithIntervals(scores, labels, resamples: 500, seed: 43);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Auc, c.Auc);
        foreach (var e in new[] { a.Accuracy, a.Auc, a.Sensitivity, a.Specificity })
        {
            Assert.True(e.CiLow <= e.Value && e.Value <= e.CiHigh, $"{e}");
            Assert.True(e.CiHigh - e.CiLow is > 0.005 and < 0.3, $"{e}");
        }
    }

    [Fact]
    public void Percentile_interpolates_between_ranks()
    {
        Assert.Equal(2.5, BinaryMetrics.Percentile([1, 2, 3, 4], 0.5), 12);
        Assert.Equal(1.075, BinaryMetrics.Percentile([1, 2, 3, 4], 0.025), 12);
    }
}
