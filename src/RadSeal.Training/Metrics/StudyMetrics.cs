using RadSeal.Training.Studies;

namespace RadSeal.Training.Metrics;

/// <summary>How one reader, a subgroup or the cohort did in one phase. "Positive" means synthetic.</summary>
public sealed record ReaderSummary(
    string Label, int Answers, int TruePositives, int FalseNegatives, int TrueNegatives, int FalsePositives,
    RocCurve? Roc, double? MeanSeconds, double? MedianSeconds)
{
    public Proportion Accuracy => new(TruePositives + TrueNegatives, Answers);

    /// <summary>Share of synthetic cases called synthetic.</summary>
    public Proportion Sensitivity => new(TruePositives, TruePositives + FalseNegatives);

    /// <summary>Share of real cases called real.</summary>
    public Proportion Specificity => new(TrueNegatives, TrueNegatives + FalsePositives);
}

/// <summary>One phase's metrics.</summary>
/// <param name="KappaCases">Cases every reader of the phase answered (the subjects κ is computed over).</param>
/// <param name="KappaReaders">Readers κ is computed over.</param>
public sealed record PhaseReport(
    int Index, PhaseKind Kind, ReaderSummary Cohort, IReadOnlyList<ReaderSummary> Readers, IReadOnlyList<ReaderSummary> Subgroups,
    double? Kappa, int KappaCases, int KappaReaders);

/// <summary>A study's metrics: per phase, and the blinded-versus-informed comparison when the study has both.</summary>
public sealed record StudyReport(IReadOnlyList<PhaseReport> Phases, int? BlindedPhase, int? InformedPhase, McNemarResult? BlindedVersusInformed);

/// <summary>Computes a <see cref="StudyReport"/> from raw answers; nothing else goes in, so the CSV export reproduces it.</summary>
public static class StudyMetrics
{
    public static StudyReport Compute(IReadOnlyList<PhaseKind> phases, IReadOnlyList<AnswerRecord> answers)
    {
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(answers);
        var reports = new List<PhaseReport>();
        for (var p = 0; p < phases.Count; p++)
        {
            var phase = answers.Where(a => a.Phase == p).ToList();
            var readers = phase.GroupBy(a => a.ReaderId).OrderBy(g => g.First().Reader, StringComparer.Ordinal)
                .Select(g => Summarise(g.First().Reader, [.. g])).ToList();
            var subgroups = phase.GroupBy(a => a.Experience).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Summarise(g.Key, [.. g])).ToList();
            var (kappa, cases, raters) = Kappa(phase);
            reports.Add(new PhaseReport(p, phases[p], Summarise("All readers", phase), readers, subgroups, kappa, cases, raters));
        }
        int? blinded = IndexOf(phases, PhaseKind.Blinded), informed = IndexOf(phases, PhaseKind.Informed);
        McNemarResult? mcnemar = null;
        if (blinded is { } b && informed is { } i)
        {
            var second = answers.Where(a => a.Phase == i).ToDictionary(a => (a.ReaderId, a.CaseId), a => a.Correct);
            mcnemar = McNemarResult.From(answers.Where(a => a.Phase == b && second.ContainsKey((a.ReaderId, a.CaseId)))
                .Select(a => (a.Correct, second[(a.ReaderId, a.CaseId)])));
        }
        return new StudyReport(reports, blinded, informed, mcnemar);
    }

    private static int? IndexOf(IReadOnlyList<PhaseKind> phases, PhaseKind kind)
    {
        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i] == kind)
            {
                return i;
            }
        }
        return null;
    }

    /// <summary>Confusion counts, the ROC of the 10-point ratings (when the phase asks confidence) and times.</summary>
    public static ReaderSummary Summarise(string label, IReadOnlyList<AnswerRecord> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        int tp = 0, fn = 0, tn = 0, fp = 0;
        foreach (var a in answers)
        {
            _ = (a.Truth, a.EffectiveCall) switch
            {
                (Truth.Synthetic, Truth.Synthetic) => tp++,
                (Truth.Synthetic, _) => fn++,
                (Truth.Real, Truth.Real) => tn++,
                _ => fp++,
            };
        }
        RocCurve? roc = null;
        var rated = answers.Where(a => a.SyntheticRating is not null).ToList();
        if (rated.Count > 0)
        {
            roc = RocCurve.FromRatings(
                [.. rated.Where(a => a.Truth == Truth.Synthetic).Select(a => (double)a.SyntheticRating!.Value)],
                [.. rated.Where(a => a.Truth == Truth.Real).Select(a => (double)a.SyntheticRating!.Value)]);
        }
        var seconds = answers.Where(a => a.ElapsedMs is not null).Select(a => a.ElapsedMs!.Value / 1000.0).Order().ToList();
        double? mean = seconds.Count == 0 ? null : seconds.Average();
        double? median = seconds.Count == 0 ? null
            : seconds.Count % 2 == 1 ? seconds[seconds.Count / 2] : (seconds[seconds.Count / 2 - 1] + seconds[seconds.Count / 2]) / 2;
        return new ReaderSummary(label, answers.Count, tp, fn, tn, fp, roc, mean, median);
    }

    /// <summary>
    /// Fleiss' κ of the calls (real / synthetic) over the cases every reader of the phase answered (κ needs the same
    /// raters per subject; cases some reader has not reached yet are left out). Needs two readers.
    /// </summary>
    private static (double? Kappa, int Cases, int Readers) Kappa(IReadOnlyList<AnswerRecord> phase)
    {
        var readers = phase.Select(a => a.ReaderId).Distinct().ToList();
        if (readers.Count < 2)
        {
            return (null, 0, readers.Count);
        }
        var cases = phase.GroupBy(a => a.CaseId).Where(g => g.Select(a => a.ReaderId).Distinct().Count() == readers.Count).ToList();
        if (cases.Count == 0)
        {
            return (null, 0, readers.Count);
        }
        var counts = new int[cases.Count, 2];
        for (var i = 0; i < cases.Count; i++)
        {
            foreach (var a in cases[i])
            {
                counts[i, a.EffectiveCall == Truth.Synthetic ? 1 : 0]++;
            }
        }
        return (FleissKappa.Compute(counts), cases.Count, readers.Count);
    }
}
