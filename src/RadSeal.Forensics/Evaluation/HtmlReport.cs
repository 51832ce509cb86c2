using System.Globalization;
using System.Net;
using System.Text;
using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Evaluation;

/// <summary>
/// Writes DIR/index.html (metrics with intervals, confusion matrix, ablation, ROC picture, then every image with its
/// label, scores, heatmap and the detector's evidence), DIR/roc.png, DIR/report.json and DIR/cases/*.png.
/// </summary>
public static class HtmlReport
{
    public static void Write(string directory, EvaluationReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var cases = Path.Combine(directory, "cases");
        Directory.CreateDirectory(cases);
        ImageFiles.WriteAtomically(Path.Combine(directory, "roc.png"), EvaluationPictures.RocCurve(report.Ablation));
        ImageFiles.WriteAtomically(Path.Combine(directory, "report.json"), Encoding.UTF8.GetBytes(report.ToJson() + "\n"));
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>RadSeal evaluation</title><style>")
            .Append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}")
            .Append(".cases{display:flex;flex-wrap:wrap;gap:12px}.case{border:1px solid #ccc;padding:8px;width:470px}.case img{width:224px;height:224px}")
            .Append(".wrong{border-color:#d62728;border-width:2px}</style></head><body>");
        html.Append(c, $"<h1>RadSeal evaluation</h1><p>{report.Main.N} images; layers <b>{E(report.Layers)}</b>; detector {E(report.Detector)}; ")
            .Append(c, $"an image is called AI when its probability is at least {LayerSummary.Threshold:0.0}. Intervals: 95 % percentile bootstrap.</p>");
        html.Append("<h2>Metrics and ablation</h2><table><tr><th>layers</th><th>accuracy</th><th>sensitivity</th><th>specificity</th><th>AUC</th><th>TP</th><th>FP</th><th>TN</th><th>FN</th></tr>");
        foreach (var s in report.Ablation)
        {
            html.Append(c, $"<tr><td>{E(s.Layers)}</td><td>{F(s.Accuracy)}</td><td>{F(s.Sensitivity)}</td><td>{F(s.Specificity)}</td><td>{F(s.Auc)}</td>")
                .Append(c, $"<td>{s.Confusion.TruePositive}</td><td>{s.Confusion.FalsePositive}</td><td>{s.Confusion.TrueNegative}</td><td>{s.Confusion.FalseNegative}</td></tr>");
        }
        foreach (var (layers, why) in report.Unavailable)
        {
            html.Append(c, $"<tr><td>{E(layers)}</td><td colspan=\"8\">not run: {E(why)}</td></tr>");
        }
        html.Append("</table><h2>ROC curve</h2><img src=\"roc.png\" alt=\"ROC curve\" width=\"480\" height=\"480\"><h2>Images</h2><div class=\"cases\">");
        for (var i = 0; i < report.Cases.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = report.Cases[i];
            var normalised = NormalizedImage.From(CaseImages.Load(result.Case.Path));
            var stem = i.ToString("D5", c);
            ImageFiles.WriteAtomically(Path.Combine(cases, stem + ".png"), EvaluationPictures.Normalised(normalised));
            var score = result.Scores[report.Layers];
            var called = score >= LayerSummary.Threshold ? 1 : 0;
            html.Append(c, $"<div class=\"case{(called != result.Case.Label ? " wrong" : "")}\"><b>{E(result.Case.Name)}</b> — label {(result.Case.Label == 1 ? "AI" : "Real")}, ")
                .Append(c, $"P(AI) = {score:0.000} ({(called == 1 ? "called AI" : "called real")})<br><img src=\"cases/{stem}.png\" alt=\"image\">");
            if (result.Pixels is { } pixels)
            {
                ImageFiles.WriteAtomically(Path.Combine(cases, stem + "-heatmap.png"), EvaluationPictures.Heatmap(normalised, pixels));
                html.Append(c, $" <img src=\"cases/{stem}-heatmap.png\" alt=\"heatmap\"><ul>");
                foreach (var sentence in pixels.Evidence)
                {
                    html.Append(c, $"<li>{E(sentence)}</li>");
                }
                html.Append("</ul>");
            }
            foreach (var (layers, value) in result.Scores)
            {
                html.Append(c, $"<small>{E(layers)}: {value:0.000}</small> ");
            }
            if (result.Case.Reasoning is { } reasoning)
            {
                html.Append(c, $"<p><i>Label note: {E(reasoning)}</i></p>");
            }
            html.Append("</div>");
        }
        html.Append("</div></body></html>\n");
        ImageFiles.WriteAtomically(Path.Combine(directory, "index.html"), Encoding.UTF8.GetBytes(html.ToString()));
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string F(Estimate e) => double.IsNaN(e.Value)
        ? "n/a"
        : string.Create(CultureInfo.InvariantCulture, $"{e.Value:0.000} [{e.CiLow:0.000}, {e.CiHigh:0.000}]");
}
