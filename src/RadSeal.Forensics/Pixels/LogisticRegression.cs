namespace RadSeal.Forensics.Pixels;

/// <summary>A standardised, L2-regularised logistic regression: z = (x - mean) / scale, logit = w·z + bias.</summary>
public sealed record LinearModel(double[] Mean, double[] Scale, double[] Weights, double Bias)
{
    public double Logit(ReadOnlySpan<double> x)
    {
        if (x.Length != Weights.Length)
        {
            throw new ArgumentException($"Expected {Weights.Length} features, got {x.Length}.", nameof(x));
        }
        var s = Bias;
        for (var i = 0; i < x.Length; i++)
        {
            s += Weights[i] * ((x[i] - Mean[i]) / Scale[i]);
        }
        return s;
    }

    /// <summary>Each feature's share of the logit, w_i·z_i.</summary>
    public double Contribution(int i, double x) => Weights[i] * ((x - Mean[i]) / Scale[i]);
}

/// <summary>Fits <see cref="LinearModel"/> by Newton's method (IRLS) with a Cholesky solve; deterministic.</summary>
public static class LogisticRegression
{
    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>
    /// Fits labels <paramref name="y"/> (1 = synthetic) on rows <paramref name="x"/> with penalty Σ λ·fⱼ·wⱼ²/2, where
    /// fⱼ = <paramref name="penaltyFactors"/>[j] (1 when not given): a block of many weak features can be held back harder.
    /// </summary>
    public static LinearModel Fit(IReadOnlyList<double[]> x, IReadOnlyList<int> y, double lambda, bool standardise = true,
        int iterations = 25, IReadOnlyList<double>? penaltyFactors = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || x.Count != y.Count)
        {
            throw new ArgumentException("Need as many labels as rows, and at least one row.", nameof(y));
        }
        var n = x.Count;
        var d = x[0].Length;
        var mean = new double[d];
        var scale = new double[d];
        Array.Fill(scale, 1.0);
        if (standardise)
        {
            foreach (var row in x)
            {
                for (var j = 0; j < d; j++)
                {
                    mean[j] += row[j];
                }
            }
            for (var j = 0; j < d; j++)
            {
                mean[j] /= n;
            }
            var variance = new double[d];
            foreach (var row in x)
            {
                for (var j = 0; j < d; j++)
                {
                    variance[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
                }
            }
            for (var j = 0; j < d; j++)
            {
                var sd = Math.Sqrt(variance[j] / n);
                scale[j] = sd > 1e-9 ? sd : 1;
            }
        }
        var z = new double[n][];
        for (var i = 0; i < n; i++)
        {
            z[i] = new double[d + 1];
            for (var j = 0; j < d; j++)
            {
                z[i][j] = (x[i][j] - mean[j]) / scale[j];
            }
            z[i][d] = 1; // bias column, not penalised
        }
        var w = new double[d + 1];
        var m = d + 1;
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var gradient = new double[m];
            var hessian = new double[m * m];
            for (var i = 0; i < n; i++)
            {
                var zi = z[i];
                double s = 0;
                for (var j = 0; j < m; j++)
                {
                    s += w[j] * zi[j];
                }
                var p = Sigmoid(s);
                var r = p - y[i];
                var weight = Math.Max(p * (1 - p), 1e-10);
                for (var j = 0; j < m; j++)
                {
                    gradient[j] += r * zi[j];
                    var wz = weight * zi[j];
                    if (wz == 0)
                    {
                        continue;
                    }
                    var rowOffset = j * m;
                    for (var k = 0; k <= j; k++)
                    {
                        hessian[rowOffset + k] += wz * zi[k];
                    }
                }
            }
            for (var j = 0; j < d; j++)
            {
                var penalty = lambda * (penaltyFactors?[j] ?? 1);
                gradient[j] += penalty * w[j];
                hessian[j * m + j] += penalty;
            }
            hessian[d * m + d] += 1e-8;
            var step = CholeskySolve(hessian, gradient, m);
            double change = 0;
            for (var j = 0; j < m; j++)
            {
                w[j] -= step[j];
                change = Math.Max(change, Math.Abs(step[j]));
            }
            if (change < 1e-7)
            {
                break;
            }
        }
        return new LinearModel(mean, scale, w[..d], w[d]);
    }

    /// <summary>Solves H s = g for a symmetric positive definite H given by its lower triangle.</summary>
    private static double[] CholeskySolve(double[] h, double[] g, int m)
    {
        var l = new double[m * m];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var s = h[i * m + j];
                for (var k = 0; k < j; k++)
                {
                    s -= l[i * m + k] * l[j * m + k];
                }
                l[i * m + j] = i == j ? Math.Sqrt(Math.Max(s, 1e-12)) : s / l[j * m + j];
            }
        }
        var t = new double[m];
        for (var i = 0; i < m; i++)
        {
            var s = g[i];
            for (var k = 0; k < i; k++)
            {
                s -= l[i * m + k] * t[k];
            }
            t[i] = s / l[i * m + i];
        }
        var x = new double[m];
        for (var i = m - 1; i >= 0; i--)
        {
            var s = t[i];
            for (var k = i + 1; k < m; k++)
            {
                s -= l[k * m + i] * x[k];
            }
            x[i] = s / l[i * m + i];
        }
        return x;
    }
}
