using System.Text.Json;
using System.Text.Json.Nodes;
using RadSeal.Forensics.Pixels;

namespace RadSeal.Forensics.Evaluation;

/// <summary>One case after scoring: the probability of "AI" each layer set gave, and the pixel detector's details.</summary>
public sealed record CaseResult(LabelledCase Case, IReadOnlyDictionary<string, double> Scores, PixelScore? Pixels);

/// <summary>The metrics of one layer set over every case, at threshold 0.5 on the probability of "AI".</summary>
public sealed record LayerSummary(string Layers, int N, Estimate Accuracy, Estimate Auc, Estimate Sensitivity, Estimate Specificity,
    ConfusionMatrix Confusion, IReadOnlyList<RocPoint> Roc)
{
    public const double Threshold = 0.5;

    /// <summary>Metrics of <paramref name="layers"/> with bootstrap intervals from a fixed seed (same input, same output).</summary>
    public static LayerSummary Of(string layers, IReadOnlyList<CaseResult> cases, int resamples = 2000, int seed = 12345)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var scores = cases.Select(c => c.Scores[layers]).ToList();
        var labels = cases.Select(c => c.Case.Label).ToList();
        var (accuracy, auc, sensitivity, specificity) = BinaryMetrics.WithIntervals(scores, labels, Threshold, resamples, seed);
        return new LayerSummary(layers, cases.Count, accuracy, auc, sensitivity, specificity, BinaryMetrics.Confusion(scores, labels, Threshold),
            BinaryMetrics.Roc(scores, labels));
    }
}

/// <summary>
/// The evaluation's result: the summary of the layer set asked for (the JSON contract's top level: n, accuracy, auc,
/// sensitivity, specificity, each {value, ci_low, ci_high}), the ablation over every layer set that could run, and the
/// cases.
/// </summary>
public sealed record EvaluationReport(string Layers, string Detector, LayerSummary Main, IReadOnlyList<LayerSummary> Ablation,
    IReadOnlyDictionary<string, string> Unavailable, IReadOnlyList<CaseResult> Cases)
{
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["n"] = Main.N,
            ["accuracy"] = Node(Main.Accuracy),
            ["auc"] = Node(Main.Auc),
            ["sensitivity"] = Node(Main.Sensitivity),
            ["specificity"] = Node(Main.Specificity),
            ["layers"] = Layers,
            ["detector"] = Detector,
            ["threshold"] = LayerSummary.Threshold,
            ["positive_class"] = "AI",
            ["confusion"] = Confusion(Main.Confusion),
        };
        var ablation = new JsonObject();
        foreach (var summary in Ablation)
        {
            ablation[summary.Layers] = new JsonObject
            {
                ["n"] = summary.N,
                ["accuracy"] = Node(summary.Accuracy),
                ["auc"] = Node(summary.Auc),
                ["sensitivity"] = Node(summary.Sensitivity),
                ["specificity"] = Node(summary.Specificity),
                ["confusion"] = Confusion(summary.Confusion),
            };
        }
        foreach (var (layers, why) in Unavailable)
        {
            ablation[layers] = new JsonObject { ["unavailable"] = why };
        }
        root["ablation"] = ablation;
        var cases = new JsonArray();
        foreach (var c in Cases)
        {
            var item = new JsonObject { ["name"] = c.Case.Name, ["label"] = c.Case.Label == 1 ? "AI" : "Real" };
            foreach (var (layers, score) in c.Scores)
            {
                item["score_" + layers] = Number(score);
            }
            cases.Add(item);
        }
        root["cases"] = cases;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Node(Estimate e) => new() { ["value"] = Number(e.Value), ["ci_low"] = Number(e.CiLow), ["ci_high"] = Number(e.CiHigh) };

    private static JsonObject Confusion(ConfusionMatrix c) => new()
    {
        ["true_positive"] = c.TruePositive,
        ["false_positive"] = c.FalsePositive,
        ["true_negative"] = c.TrueNegative,
        ["false_negative"] = c.FalseNegative,
    };

    /// <summary>JSON has no NaN: undefined values (e.g. AUC with one class) are null.</summary>
    private static JsonValue? Number(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;
}
