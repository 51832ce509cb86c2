namespace RadSeal.Training.Metrics;

/// <summary>A proportion <c>Successes/Total</c> with its 95% Wilson score interval.</summary>
public sealed record Proportion(int Successes, int Total)
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The point estimate, or null when there is nothing to estimate from.</summary>
    public double? Value => Total == 0 ? null : (double)Successes / Total;

    /// <summary>
    /// Wilson score interval (Wilson 1927; Newcombe 1998 method 3): unlike the Wald interval it stays inside 0..1 and
    /// keeps its coverage for the small counts a reader study has.
    /// </summary>
    public (double Low, double High)? Interval95
    {
        get
        {
            if (Total == 0)
            {
                return null;
            }
            double n = Total, p = Successes / n, z2 = Z95 * Z95;
            var denominator = 1 + z2 / n;
            var centre = (p + z2 / (2 * n)) / denominator;
            var half = Z95 / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
            return (Math.Max(0, centre - half), Math.Min(1, centre + half));
        }
    }
}
