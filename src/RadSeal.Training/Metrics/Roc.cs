namespace RadSeal.Training.Metrics;

/// <summary>One operating point: calling "synthetic" every case rated at least <see cref="Threshold"/>.</summary>
public readonly record struct RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

/// <summary>An empirical ROC curve from ordinal ratings, and its area.</summary>
public sealed record RocCurve(IReadOnlyList<RocPoint> Points, double? Auc, int Positives, int Negatives)
{
    /// <summary>
    /// The empirical ROC of ratings where a higher rating means "more likely synthetic" (positive). Points run from
    /// (0,0) to (1,1), one per distinct rating. The AUC is the Mann–Whitney statistic: the share of (positive,
    /// negative) pairs the ratings order correctly, ties counting one half; that equals the trapezoidal area under the
    /// points. Null when either class is empty.
    /// </summary>
    public static RocCurve FromRatings(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        if (positives.Count == 0 || negatives.Count == 0)
        {
            return new RocCurve(points, null, positives.Count, negatives.Count);
        }
        foreach (var t in positives.Concat(negatives).Distinct().OrderDescending())
        {
            points.Add(new RocPoint(t, (double)negatives.Count(r => r >= t) / negatives.Count, (double)positives.Count(r => r >= t) / positives.Count));
        }
        double wins = 0;
        foreach (var p in positives)
        {
            foreach (var n in negatives)
            {
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        return new RocCurve(points, wins / ((double)positives.Count * negatives.Count), positives.Count, negatives.Count);
    }

    /// <summary>The trapezoidal area under <see cref="Points"/> (equal to <see cref="Auc"/>; kept as a cross-check).</summary>
    public double TrapezoidArea()
    {
        double area = 0;
        for (var i = 1; i < Points.Count; i++)
        {
            area += (Points[i].FalsePositiveRate - Points[i - 1].FalsePositiveRate) * (Points[i].TruePositiveRate + Points[i - 1].TruePositiveRate) / 2;
        }
        return area;
    }
}
