using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using RadSeal.Training.Metrics;

namespace RadSeal.Server.Training;

/// <summary>Server-rendered pages: every value goes through <see cref="E"/>, so nothing a user typed becomes markup.</summary>
internal static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string F(double? value, string format = "0.000") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    /// <summary>A hidden antiforgery field for a form on this page.</summary>
    public static string Csrf(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken)}\">";
    }

    public static IResult Page(HttpContext http, IAntiforgery antiforgery, ClaimsPrincipal? user, string title, string body, int status = 200)
    {
        var nav = new StringBuilder("<a href=\"/training/\">RadSeal training</a>");
        if (user?.IsInRole("admin") == true)
        {
            nav.Append("<a href=\"/training/admin\">Admin</a>");
        }
        nav.Append("<a href=\"/training/about\">Data and licences</a>");
        if (user is not null)
        {
            nav.Append(CultureInfo.InvariantCulture, $"<a href=\"/training/account\">{E(user.Identity?.Name)}</a>");
            nav.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/training/logout\">{Csrf(http, antiforgery)}<button type=\"submit\" id=\"logout\">Sign out</button></form>");
        }
        else
        {
            nav.Append("<a href=\"/training/login\">Sign in</a>");
        }
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} · RadSeal</title><link rel="stylesheet" href="/training/static/app.css"></head>
            <body><header>{nav}</header><main><h1>{E(title)}</h1>
            {body}
            </main></body></html>
            """;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    public static string Problems(IEnumerable<string> problems) =>
        "<div class=\"problems\" id=\"problems\"><ul>" + string.Concat(problems.Select(p => $"<li>{E(p)}</li>")) + "</ul></div>";

    public static string Ci(Proportion p) => p.Interval95 is { } ci
        ? string.Create(CultureInfo.InvariantCulture, $"{F(ci.Low)}–{F(ci.High)}") : "–";
}

/// <summary>Inline SVG charts: the ROC curves of a phase and per-reader accuracy with its 95% interval.</summary>
internal static class Charts
{
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    public static string Roc(IReadOnlyList<(string Label, RocCurve Curve)> curves)
    {
        const int size = 260, pad = 30;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"roc\" width=\"{size + pad + 160}\" height=\"{size + pad + 10}\" viewBox=\"0 0 {size + pad + 160} {size + pad + 10}\" role=\"img\" aria-label=\"ROC curves\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{pad}\" y=\"0\" width=\"{size}\" height=\"{size}\" fill=\"#fff\" stroke=\"#888\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{pad}\" y1=\"{size}\" x2=\"{pad + size}\" y2=\"0\" stroke=\"#bbb\" stroke-dasharray=\"4\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{pad + size / 2 - 50}\" y=\"{size + 22}\" font-size=\"11\">1 − specificity</text><text x=\"0\" y=\"{size / 2}\" font-size=\"11\" transform=\"rotate(-90 10 {size / 2})\">sensitivity</text>");
        for (var i = 0; i < curves.Count; i++)
        {
            var colour = Colours[i % Colours.Length];
            var points = string.Join(' ', curves[i].Curve.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{pad + p.FalsePositiveRate * size:0.#},{size - p.TruePositiveRate * size:0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"{(i == 0 ? 3 : 1.5)}\" points=\"{points}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{pad + size + 8}\" y=\"{14 + 16 * i}\" font-size=\"11\" fill=\"{colour}\">{Html.E(curves[i].Label)} AUC {Html.F(curves[i].Curve.Auc)}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    public static string Accuracy(IReadOnlyList<ReaderSummary> readers)
    {
        const int bar = 22, width = 300, label = 160;
        var height = readers.Count * (bar + 6) + 24;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"accuracy\" width=\"{label + width + 60}\" height=\"{height}\" role=\"img\" aria-label=\"Accuracy per reader with 95% intervals\">");
        for (var i = 0; i < readers.Count; i++)
        {
            var y = i * (bar + 6);
            var acc = readers[i].Accuracy;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 15}\" font-size=\"11\">{Html.E(readers[i].Label)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{label}\" y=\"{y}\" width=\"{(acc.Value ?? 0) * width:0.#}\" height=\"{bar}\" fill=\"#6c9bd2\"/>");
            if (acc.Interval95 is { } ci)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{label + ci.Low * width:0.#}\" x2=\"{label + ci.High * width:0.#}\" y1=\"{y + bar / 2}\" y2=\"{y + bar / 2}\" stroke=\"#000\" stroke-width=\"2\"/>");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{label + width + 6}\" y=\"{y + 15}\" font-size=\"11\">{Html.F(acc.Value)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{label + width / 2}\" x2=\"{label + width / 2}\" y1=\"0\" y2=\"{height - 20}\" stroke=\"#999\" stroke-dasharray=\"3\"/><text x=\"{label + width / 2 - 30}\" y=\"{height - 6}\" font-size=\"10\">chance (0.5)</text>");
        return svg.Append("</svg>").ToString();
    }
}
