using System.Globalization;
using System.Net;
using System.Text;

namespace RadSeal.Forensics;

/// <summary>One self-contained HTML page for a run: per image its thumbnail (with tamper map or heatmap), verdict and findings.</summary>
public static class HtmlReport
{
    public static string Render(IReadOnlyList<InspectionReport> reports, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>RadSeal inspection report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
            h1{font-size:22px} .summary span{margin-right:16px}
            .image{display:flex;gap:20px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px;margin:14px 0}
            .image img{width:240px;height:auto;border:1px solid #ccc;image-rendering:pixelated}
            .noimg{width:240px;height:120px;display:flex;align-items:center;justify-content:center;background:#eee;color:#777}
            .verdict{display:inline-block;padding:3px 10px;border-radius:12px;font-weight:bold;color:#fff}
            .authentic{background:#1b7f3b}.tampered{background:#b3261e}.declared-ai{background:#6a3fb5}.suspicious{background:#c77700}.no-evidence{background:#666}
            table{border-collapse:collapse;margin-top:8px;font-size:13px} td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
            .failure{color:#b3261e;font-weight:bold}.warning{color:#c77700;font-weight:bold}.info{color:#555}
            code{font-size:12px}
            </style></head><body>
            <h1>RadSeal inspection report</h1>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<p>{reports.Count} file(s), generated {Encode(generated.ToString("u", CultureInfo.InvariantCulture))}. Verdicts: ");
        html.Append("authentic and tampered need cryptographic proof; declared-ai needs a valid signed declaration; suspicious rests on circumstantial findings.</p>\n<p class=\"summary\">");
        foreach (var group in reports.GroupBy(r => r.Verdict).OrderByDescending(g => g.Key))
        {
            html.Append(CultureInfo.InvariantCulture, $"<span><span class=\"verdict {group.Key.ToJson()}\">{Encode(group.Key.ToDisplay())}</span> {group.Count()}</span>");
        }
        html.Append("</p>\n");
        foreach (var report in reports)
        {
            html.Append("<div class=\"image\">");
            if (report.Thumbnail is { } png)
            {
                var caption = report.TamperedBlocks.Count > 0 ? "tamper map: changed blocks outlined in red"
                    : report.PixelScore is { Heatmap.Count: > 0 } ? "pixel detector heatmap: red where patches look synthetic" : "image";
                html.Append(CultureInfo.InvariantCulture, $"<figure style=\"margin:0\"><img alt=\"{Encode(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption style=\"font-size:11px;color:#666\">{Encode(caption)}</figcaption></figure>");
            }
            else
            {
                html.Append("<div class=\"noimg\">no preview</div>");
            }
            html.Append(CultureInfo.InvariantCulture, $"<div><div><code>{Encode(report.Path)}</code></div><div style=\"margin-top:6px\"><span class=\"verdict {report.Verdict.ToJson()}\">{Encode(report.Verdict.ToDisplay())}</span></div>");
            html.Append("<table><tr><th>Layer</th><th>Severity</th><th>Code</th><th>Finding</th></tr>");
            foreach (var f in report.Findings)
            {
                var severity = f.Severity.ToJson();
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(f.Layer)}</td><td class=\"{severity}\">{severity}</td><td><code>{Encode(f.Code)}</code></td><td>{Encode(f.Message)}</td></tr>");
            }
            html.Append("</table></div></div>\n");
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
