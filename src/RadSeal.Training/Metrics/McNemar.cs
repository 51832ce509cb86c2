namespace RadSeal.Training.Metrics;

/// <summary>
/// McNemar's test for paired yes/no outcomes: of the pairs where the two conditions disagree, <see cref="OnlyFirst"/>
/// were right only under the first condition and <see cref="OnlySecond"/> only under the second.
/// </summary>
public sealed record McNemarResult(int BothRight, int OnlyFirst, int OnlySecond, int BothWrong)
{
    /// <summary>Pairs compared.</summary>
    public int Pairs => BothRight + OnlyFirst + OnlySecond + BothWrong;

    /// <summary>χ² with Edwards' continuity correction, (|b − c| − 1)² / (b + c); null without discordant pairs.</summary>
    public double? ChiSquare => OnlyFirst + OnlySecond == 0 ? null
        : Math.Pow(Math.Max(0, Math.Abs(OnlyFirst - OnlySecond) - 1), 2) / (OnlyFirst + OnlySecond);

    /// <summary>The p-value of <see cref="ChiSquare"/> on one degree of freedom.</summary>
    public double? ChiSquareP => ChiSquare is { } x ? Erfc(Math.Sqrt(x / 2)) : null;

    /// <summary>
    /// The exact two-sided p-value: twice the binomial(b + c, ½) tail at min(b, c), capped at 1. The one to report
    /// for the small discordant counts of a reader study; 1 when there are no discordant pairs.
    /// </summary>
    public double ExactP
    {
        get
        {
            var n = OnlyFirst + OnlySecond;
            if (n == 0)
            {
                return 1;
            }
            var k = Math.Min(OnlyFirst, OnlySecond);
            // Sum C(n, i) / 2^n in logs so large n neither overflows nor underflows early.
            double tail = 0;
            for (var i = 0; i <= k; i++)
            {
                tail += Math.Exp(LogChoose(n, i) - n * Math.Log(2));
            }
            return Math.Min(1, 2 * tail);
        }
    }

    /// <summary>Tallies paired outcomes (first condition right?, second condition right?).</summary>
    public static McNemarResult From(IEnumerable<(bool FirstRight, bool SecondRight)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        int a = 0, b = 0, c = 0, d = 0;
        foreach (var (first, second) in pairs)
        {
            _ = (first, second) switch
            {
                (true, true) => a++,
                (true, false) => b++,
                (false, true) => c++,
                _ => d++,
            };
        }
        return new McNemarResult(a, b, c, d);
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (var i = 1; i <= k; i++)
        {
            sum += Math.Log(n - k + i) - Math.Log(i);
        }
        return sum;
    }

    /// <summary>Complementary error function (Numerical Recipes' Chebyshev fit; relative error below 1.2e-7).</summary>
    internal static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
