namespace RadSeal.Forensics.Evaluation;

/// <summary>A point estimate with its 95 % bootstrap interval (NaN where undefined, e.g. AUC with one class).</summary>
public sealed record Estimate(double Value, double CiLow, double CiHigh);

/// <summary>Counts at one threshold; positive = synthetic (AI).</summary>
public sealed record ConfusionMatrix(int TruePositive, int FalsePositive, int TrueNegative, int FalseNegative)
{
    public int N => TruePositive + FalsePositive + TrueNegative + FalseNegative;

    public double Accuracy => N == 0 ? double.NaN : (double)(TruePositive + TrueNegative) / N;

    /// <summary>Share of synthetic images called synthetic (recall of the positive class).</summary>
    public double Sensitivity => TruePositive + FalseNegative == 0 ? double.NaN : (double)TruePositive / (TruePositive + FalseNegative);

    /// <summary>Share of real images called real.</summary>
    public double Specificity => TrueNegative + FalsePositive == 0 ? double.NaN : (double)TrueNegative / (TrueNegative + FalsePositive);
}

/// <summary>One operating point of the ROC curve.</summary>
public sealed record RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>Accuracy, sensitivity, specificity and AUC with seeded percentile-bootstrap intervals.</summary>
public static class BinaryMetrics
{
    /// <summary>
    /// Area under the ROC curve as the Mann–Whitney statistic: the probability that a random positive scores above a
    /// random negative, ties counting one half. NaN when either class is absent.
    /// </summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        Check(scores, labels);
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        var ranks = new double[scores.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }
            var midrank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = midrank;
            }
            i = j + 1;
        }
        double positives = 0, rankSum = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == 1)
            {
                positives++;
                rankSum += ranks[i];
            }
        }
        var negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    /// <summary>Calls a score ≥ <paramref name="threshold"/> synthetic.</summary>
    public static ConfusionMatrix Confusion(IReadOnlyList<double> scores, IReadOnlyList<int> labels, double threshold = 0.5)
    {
        Check(scores, labels);
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var called = scores[i] >= threshold;
            if (labels[i] == 1)
            {
                if (called)
                {
                    tp++;
                }
                else
                {
                    fn++;
                }
            }
            else if (called)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }
        return new ConfusionMatrix(tp, fp, tn, fn);
    }

    /// <summary>The ROC curve from (0,0) to (1,1), one point per distinct score.</summary>
    public static IReadOnlyList<RocPoint> Roc(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        Check(scores, labels);
        var positives = labels.Count(l => l == 1);
        var negatives = labels.Count - positives;
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        int tp = 0, fp = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (labels[order[i]] == 1)
            {
                tp++;
            }
            else
            {
                fp++;
            }
            if (i + 1 == order.Length || scores[order[i + 1]] != scores[order[i]])
            {
                points.Add(new RocPoint(scores[order[i]], negatives == 0 ? 0 : (double)fp / negatives, positives == 0 ? 0 : (double)tp / positives));
            }
        }
        return points;
    }

    /// <summary>All four metrics with 95 % percentile-bootstrap intervals from <paramref name="resamples"/> resamples.</summary>
    public static (Estimate Accuracy, Estimate Auc, Estimate Sensitivity, Estimate Specificity) WithIntervals(
        IReadOnlyList<double> scores, IReadOnlyList<int> labels, double threshold = 0.5, int resamples = 2000, int seed = 12345)
    {
        Check(scores, labels);
        var confusion = Confusion(scores, labels, threshold);
        var auc = Auc(scores, labels);
        var acc = new List<double>();
        var aucs = new List<double>();
        var sens = new List<double>();
        var spec = new List<double>();
        var rng = new Random(seed);
        var n = scores.Count;
        var s = new double[n];
        var l = new int[n];
        for (var b = 0; b < resamples && n > 0; b++)
        {
            for (var i = 0; i < n; i++)
            {
                var k = rng.Next(n);
                s[i] = scores[k];
                l[i] = labels[k];
            }
            var c = Confusion(s, l, threshold);
            Add(acc, c.Accuracy);
            Add(sens, c.Sensitivity);
            Add(spec, c.Specificity);
            Add(aucs, Auc(s, l));
        }
        return (Interval(confusion.Accuracy, acc), Interval(auc, aucs), Interval(confusion.Sensitivity, sens), Interval(confusion.Specificity, spec));
    }

    private static void Add(List<double> list, double value)
    {
        if (!double.IsNaN(value))
        {
            list.Add(value);
        }
    }

    private static Estimate Interval(double value, List<double> samples)
    {
        if (double.IsNaN(value) || samples.Count == 0)
        {
            return new Estimate(value, double.NaN, double.NaN);
        }
        samples.Sort();
        return new Estimate(value, Percentile(samples, 0.025), Percentile(samples, 0.975));
    }

    /// <summary>Linear interpolation between closest ranks.</summary>
    internal static double Percentile(List<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }

    private static void Check(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels.", nameof(labels));
        }
    }
}
