namespace RadSeal.Training.Metrics;

/// <summary>Fleiss' κ: agreement among a fixed number of raters beyond what their category shares give by chance.</summary>
public static class FleissKappa
{
    /// <summary>
    /// κ from a subjects × categories table of counts, every row summing to the same number of raters n ≥ 2 (Fleiss
    /// 1971). Null when there are no subjects or chance agreement is already perfect (every rating in one category).
    /// </summary>
    public static double? Compute(int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int subjects = counts.GetLength(0), categories = counts.GetLength(1);
        if (subjects == 0 || categories == 0)
        {
            return null;
        }
        var raters = 0;
        for (var j = 0; j < categories; j++)
        {
            raters += counts[0, j];
        }
        if (raters < 2)
        {
            throw new ArgumentException("Fleiss' kappa needs at least two ratings per subject.", nameof(counts));
        }
        var share = new double[categories];
        double meanAgreement = 0;
        for (var i = 0; i < subjects; i++)
        {
            int row = 0, squares = 0;
            for (var j = 0; j < categories; j++)
            {
                var c = counts[i, j];
                if (c < 0)
                {
                    throw new ArgumentException("Counts cannot be negative.", nameof(counts));
                }
                row += c;
                squares += c * c;
                share[j] += c;
            }
            if (row != raters)
            {
                throw new ArgumentException($"Subject {i} has {row} ratings, the first has {raters}: every subject needs the same number.", nameof(counts));
            }
            meanAgreement += (squares - raters) / ((double)raters * (raters - 1));
        }
        meanAgreement /= subjects;
        var chance = share.Sum(s => s / ((double)subjects * raters) * (s / ((double)subjects * raters)));
        return chance >= 1 ? null : (meanAgreement - chance) / (1 - chance);
    }
}
