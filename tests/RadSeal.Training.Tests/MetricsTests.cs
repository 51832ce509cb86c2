using RadSeal.Training.Metrics;
using RadSeal.Training.Studies;

namespace RadSeal.Training.Tests;

/// <summary>Metric code against values worked out by hand (the arithmetic is in the comments).</summary>
public class MetricsTests
{
    [Fact]
    public void Wilson_interval_matches_the_hand_computed_one()
    {
        // 8/10: p = .8, z² = 3.8415; centre = (.8 + .19207)/1.38415 = .71674; half = 1.41600 · √(.016 + .0096037) = .22658.
        var (low, high) = new Proportion(8, 10).Interval95!.Value;
        Assert.Equal(0.4902, low, 4);
        Assert.Equal(0.9433, high, 4);
        // 0/10: centre = .19207/1.38415 = .13876 = half, so the interval is 0 .. .2775.
        var (low0, high0) = new Proportion(0, 10).Interval95!.Value;
        Assert.Equal(0, low0, 6);
        Assert.Equal(0.2775, high0, 4);
        Assert.Null(new Proportion(0, 0).Interval95);
        Assert.Null(new Proportion(0, 0).Value);
    }

    [Fact]
    public void Auc_from_ratings_counts_ties_as_half()
    {
        // Positives 3,4,5,5 against negatives 1,3,3,5 (16 pairs):
        // 3: 1 + .5 + .5 + 0 = 2; 4: 1+1+1+0 = 3; 5: 1+1+1+.5 = 3.5, twice = 7. Sum 12 → AUC 12/16 = .75.
        var roc = RocCurve.FromRatings([3, 4, 5, 5], [1, 3, 3, 5]);
        Assert.Equal(0.75, roc.Auc!.Value, 12);
        Assert.Equal(0.75, roc.TrapezoidArea(), 12);
        // Thresholds 5, 4, 3, 1: (FPR, TPR) = (.25, .5), (.25, .75), (.75, 1), (1, 1), after (0, 0).
        Assert.Equal([(0.0, 0.0), (0.25, 0.5), (0.25, 0.75), (0.75, 1.0), (1.0, 1.0)], roc.Points.Select(p => (p.FalsePositiveRate, p.TruePositiveRate)));
        Assert.Equal(1.0, RocCurve.FromRatings([9, 10], [1, 2]).Auc);
        Assert.Equal(0.5, RocCurve.FromRatings([3, 3], [3]).Auc);
        Assert.Null(RocCurve.FromRatings([3], []).Auc);
    }

    [Fact]
    public void Fleiss_kappa_of_a_two_rater_table_by_hand()
    {
        // Rows (category 0, category 1): [2,0] [0,2] [1,1] [2,0]. P_i = 1, 1, 0, 1 → P̄ = .75.
        // p = (5/8, 3/8) → P̄e = 25/64 + 9/64 = 34/64. κ = (.75 − .53125)/(1 − .53125) = 7/15.
        Assert.Equal(7.0 / 15, FleissKappa.Compute(new[,] { { 2, 0 }, { 0, 2 }, { 1, 1 }, { 2, 0 } })!.Value, 12);
    }

    [Fact]
    public void Fleiss_kappa_of_the_textbook_example()
    {
        // Fleiss (1971)-style worked example: 10 subjects, 14 raters, 5 categories; P̄ = .378, P̄e = .213, κ = .210.
        var table = new[,]
        {
            { 0, 0, 0, 0, 14 }, { 0, 2, 6, 4, 2 }, { 0, 0, 3, 5, 6 }, { 0, 3, 9, 2, 0 }, { 2, 2, 8, 1, 1 },
            { 7, 7, 0, 0, 0 }, { 3, 2, 6, 3, 0 }, { 2, 5, 3, 2, 2 }, { 6, 5, 2, 1, 0 }, { 0, 2, 2, 3, 7 },
        };
        Assert.Equal(0.210, FleissKappa.Compute(table)!.Value, 3);
        Assert.Null(FleissKappa.Compute(new[,] { { 2, 0 }, { 2, 0 } })); // all in one category: κ undefined
        Assert.Throws<ArgumentException>(() => FleissKappa.Compute(new[,] { { 2, 0 }, { 1, 0 } }));
    }

    [Fact]
    public void McNemar_exact_and_chi_square_by_hand()
    {
        // b = 10, c = 2: exact p = 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 · 79/4096 = .038574.
        // χ² = (|10 − 2| − 1)²/12 = 49/12 = 4.0833; p = erfc(√(4.0833/2)) = .04331.
        var m = new McNemarResult(5, 10, 2, 3);
        Assert.Equal(158.0 / 4096, m.ExactP, 10);
        Assert.Equal(49.0 / 12, m.ChiSquare!.Value, 10);
        Assert.Equal(0.04331, m.ChiSquareP!.Value, 4);
        Assert.Equal(20, m.Pairs);
        Assert.Equal(1, new McNemarResult(4, 0, 0, 1).ExactP);
        Assert.Equal(1, new McNemarResult(0, 3, 3, 0).ExactP, 12);
        Assert.Equal(1, McNemarResult.Erfc(0), 6);
    }

    private static AnswerRecord A(long reader, int phase, PhaseKind kind, long caseId, Truth truth, Truth? call = null, int? confidence = null, bool flagged = false, long ms = 1000) =>
        new(reader, $"r{reader}", reader == 1 ? "Resident" : "Student", phase, kind, caseId, $"c{caseId}", truth, call, confidence, kind == PhaseKind.Blinded ? 3 : null, flagged, ms, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Study_report_from_a_hand_tallied_two_reader_study()
    {
        const Truth R = Truth.Real, S = Truth.Synthetic;
        PhaseKind[] phases = [PhaseKind.Blinded, PhaseKind.Informed];
        var truths = new[] { R, R, S, S };
        var answers = new List<AnswerRecord>
        {
            // Blinded: reader 1 flags case 3 only (all right); reader 2 flags case 1 only (all wrong but case 2).
            A(1, 0, PhaseKind.Blinded, 1, R), A(1, 0, PhaseKind.Blinded, 2, R), A(1, 0, PhaseKind.Blinded, 3, S, flagged: true), A(1, 0, PhaseKind.Blinded, 4, S),
            A(2, 0, PhaseKind.Blinded, 1, R, flagged: true), A(2, 0, PhaseKind.Blinded, 2, R), A(2, 0, PhaseKind.Blinded, 3, S), A(2, 0, PhaseKind.Blinded, 4, S),
            // Informed: reader 1 all right; reader 2 calls everything synthetic.
            A(1, 1, PhaseKind.Informed, 1, R, R, 5, ms: 2000), A(1, 1, PhaseKind.Informed, 2, R, R, 2, ms: 4000), A(1, 1, PhaseKind.Informed, 3, S, S, 4), A(1, 1, PhaseKind.Informed, 4, S, S, 1),
            A(2, 1, PhaseKind.Informed, 1, R, S, 3), A(2, 1, PhaseKind.Informed, 2, R, S, 3), A(2, 1, PhaseKind.Informed, 3, S, S, 3), A(2, 1, PhaseKind.Informed, 4, S, S, 5),
        };
        Assert.Equal(4, truths.Length);
        var report = StudyMetrics.Compute(phases, answers);

        var blinded = report.Phases[0];
        // Cohort blinded: right = r1 cases 1,2,3 + r2 case 2 = 4 of 8; TP = 1 (r1 case 3), FN = 3, TN = 3, FP = 1.
        Assert.Equal((1, 3, 3, 1), (blinded.Cohort.TruePositives, blinded.Cohort.FalseNegatives, blinded.Cohort.TrueNegatives, blinded.Cohort.FalsePositives));
        Assert.Equal(0.5, blinded.Cohort.Accuracy.Value);
        Assert.Null(blinded.Cohort.Roc); // no confidence in a blinded phase
        // κ blinded: calls per case (real, synthetic): c1 [1,1], c2 [2,0], c3 [1,1], c4 [2,0]; P̄ = (0+1+0+1)/4 = .5;
        // p = (6/8, 2/8) → P̄e = .625; κ = (.5 − .625)/.375 = −1/3.
        Assert.Equal(-1.0 / 3, blinded.Kappa!.Value, 12);

        var informed = report.Phases[1];
        Assert.Equal(0.75, informed.Cohort.Accuracy.Value); // 4 + 2 right of 8
        Assert.Equal(1.0, informed.Cohort.Sensitivity.Value);
        Assert.Equal(0.5, informed.Cohort.Specificity.Value);
        var r1 = informed.Readers.Single(r => r.Label == "r1");
        // r1 ratings: real cases 6−5 = 1, 6−2 = 4; synthetic 5+4 = 9, 5+1 = 6 → every pair ordered: AUC 1.
        Assert.Equal(1.0, r1.Roc!.Auc);
        Assert.Equal(2.0, r1.MeanSeconds); // (2 + 4 + 1 + 1)/4 s
        Assert.Equal(1.5, r1.MedianSeconds); // sorted 1, 1, 2, 4
        // Cohort ratings: synthetic 9, 6, 8, 10; real 1, 4, 8, 8. Pairs: 9 → 4 wins (8s lose) = 4; 6 → 2 wins = 2;
        // 8 → 2 wins + 2 ties = 3; 10 → 4. Sum 13 of 16 → .8125.
        Assert.Equal(13.0 / 16, informed.Cohort.Roc!.Auc!.Value, 12);
        Assert.Equal(2, informed.Subgroups.Count);
        // McNemar pairs (blinded right, informed right): r1: c1 (T,T) c2 (T,T) c3 (T,T) c4 (F,T);
        // r2: c1 (F,F) c2 (T,F) c3 (F,T) c4 (F,T). a = 3, b = 1, c = 3, d = 1.
        Assert.Equal(new McNemarResult(3, 1, 3, 1), report.BlindedVersusInformed);
    }
}
