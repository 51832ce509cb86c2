using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RadSeal.Forensics;
using RadSeal.Server.Gateway;

namespace RadSeal.Server.Endpoints;

/// <summary>
/// The quarantine in the browser, under <c>/quarantine/view</c>: a list with the reasons, one page per image with every
/// check's verdict and the `radseal inspect` report, and release/delete buttons. Signing in takes the same administrator
/// token as the API (docs/gateway.md, "Quarantine pages"): the server answers with a random session id in an HttpOnly,
/// SameSite=Strict cookie scoped to /quarantine/view (8 hours, memory only), and every form carries that session's
/// CSRF token. Release and delete go through the same audited service calls as the API.
/// </summary>
public static class QuarantinePages
{
    private const string Cookie = "radseal-quarantine";
    private const string Root = "/quarantine/view";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
    // Per gateway, so that two servers in one process (the tests) never accept each other's sessions.
    private static readonly ConditionalWeakTable<GatewayService, ConcurrentDictionary<string, Session>> AllSessions = new();

    private sealed record Session(string Actor, string Csrf, DateTimeOffset Expires);

    public static IEndpointRouteBuilder MapQuarantinePages(this IEndpointRouteBuilder app)
    {
        app.MapGet(Root, (GatewayService g, HttpContext h) => SessionOf(h) is { } s ? List(g, s) : LoginPage(g, null));
        app.MapPost(Root + "/login", LoginAsync);
        app.MapPost(Root + "/logout", async (GatewayService g, HttpContext h) =>
        {
            if (SessionOf(h) is { } s && await CsrfOkAsync(h, s))
            {
                Sessions(g).TryRemove(h.Request.Cookies[Cookie]!, out _);
                h.Response.Cookies.Delete(Cookie, new CookieOptions { Path = Root });
            }
            return Results.Redirect(Root, permanent: false);
        });
        app.MapGet(Root + "/{id}", (GatewayService g, HttpContext h, string id) =>
            SessionOf(h) is not { } s ? Results.Redirect(Root) : g.ReadRecord(id) is { } rec ? Item(rec, s) : Page("Not found", $"<p>No quarantined image '{E(id)}'.</p>", 404));
        app.MapGet(Root + "/{id}/inspect", async (GatewayService g, HttpContext h, string id, CancellationToken ct) =>
        {
            if (SessionOf(h) is null)
            {
                return Results.Redirect(Root);
            }
            if (g.QuarantinedFile(id) is not { } path)
            {
                return Page("Not found", $"<p>No quarantined image '{E(id)}'.</p>", 404);
            }
            var inspector = new Inspector(GateChecks.InspectorOptions(g.Options.Policy, g.Options.TrustAnchors) with { Thumbnails = true });
            var report = await inspector.InspectAsync(path, ct);
            return Results.Content(HtmlReport.Render([report], DateTimeOffset.UtcNow), "text/html; charset=utf-8");
        });
        app.MapPost(Root + "/{id}/release", (GatewayService g, HttpContext h, string id, CancellationToken ct) =>
            ActAsync(h, id, "released", (s, c) => g.ReleaseAsync(id, s.Actor, c), ct));
        app.MapPost(Root + "/{id}/delete", (GatewayService g, HttpContext h, string id, CancellationToken ct) =>
            ActAsync(h, id, "deleted", (s, c) => g.DeleteAsync(id, s.Actor, c), ct));
        return app;
    }

    private static ConcurrentDictionary<string, Session> Sessions(GatewayService gateway) =>
        AllSessions.GetValue(gateway, _ => new ConcurrentDictionary<string, Session>(StringComparer.Ordinal));

    private static Session? SessionOf(HttpContext http)
    {
        var sessions = Sessions(http.RequestServices.GetRequiredService<GatewayService>());
        if (http.Request.Cookies[Cookie] is not { Length: > 0 } id || !sessions.TryGetValue(id, out var s))
        {
            return null;
        }
        if (s.Expires < DateTimeOffset.UtcNow)
        {
            sessions.TryRemove(id, out _);
            return null;
        }
        return s;
    }

    private static async Task<bool> CsrfOkAsync(HttpContext http, Session session)
    {
        if (!http.Request.HasFormContentType)
        {
            return false;
        }
        var form = await http.Request.ReadFormAsync();
        var presented = Encoding.UTF8.GetBytes(form["csrf"].ToString());
        return CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(session.Csrf));
    }

    private static async Task<IResult> LoginAsync(GatewayService gateway, HttpContext http)
    {
        if (gateway.Options.AdminTokens.Count == 0)
        {
            return LoginPage(gateway, null);
        }
        if (!http.Request.HasFormContentType)
        {
            return Page("Sign in", "<p>Send the sign-in form.</p>", 400);
        }
        var form = await http.Request.ReadFormAsync();
        if (!GatewayEndpoints.IsAdminToken(gateway, form["token"].ToString()))
        {
            return LoginPage(gateway, "Wrong administrator token.", 401);
        }
        var name = form["name"].ToString();
        var actor = name.Length is > 0 and <= 64 && name.All(c => c is >= ' ' and <= '~') ? "admin:" + name : "admin";
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        Sessions(gateway)[id] = new Session(actor, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), DateTimeOffset.UtcNow + Lifetime);
        http.Response.Cookies.Append(Cookie, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = Root,
            MaxAge = Lifetime,
        });
        return Results.Redirect(Root);
    }

    private static async Task<IResult> ActAsync(HttpContext http, string id, string done, Func<Session, CancellationToken, Task<bool>> act, CancellationToken ct)
    {
        if (SessionOf(http) is not { } s)
        {
            return Page("Sign in", $"<p>Your session has ended. <a href=\"{Root}\">Sign in</a> again.</p>", 401);
        }
        if (!await CsrfOkAsync(http, s))
        {
            return Page("Refused", "<p>The form did not carry this session's token; nothing was done.</p>", 403);
        }
        return await act(s, ct)
            ? Page("Done", $"<p>Image <code>{E(id)}</code> {done} (audited as {E(s.Actor)}).</p><p><a href=\"{Root}\">Back to the quarantine</a></p>")
            : Page("Not found", $"<p>No quarantined image '{E(id)}'.</p>", 404);
    }

    private static IResult LoginPage(GatewayService gateway, string? error, int status = 200) => gateway.Options.AdminTokens.Count == 0
        ? Page("Quarantine", "<p>Quarantine administration is disabled: the server has no administrator token.</p>", 403)
        : Page("Quarantine: sign in", (error is null ? "" : $"<p class=\"error\">{E(error)}</p>") + $"""
            <form method="post" action="{Root}/login">
            <p><label>Administrator token (the server's <code>DB.token</code> file) <input type="password" name="token" required autocomplete="off"></label></p>
            <p><label>Your name, for the audit log <input name="name" maxlength="64"></label></p>
            <p><button>Sign in</button></p></form>
            """, status);

    private static IResult List(GatewayService gateway, Session s)
    {
        var rows = new StringBuilder();
        foreach (var q in gateway.ListQuarantine())
        {
            rows.Append(CultureInfoInvariant($"<tr><td><a href=\"{Root}/{E(q.Id)}\">{E(q.Id)}</a></td><td>{q.QuarantinedAt:yyyy-MM-dd HH:mm:ss}Z</td><td><code>{E(q.SopInstanceUid)}</code></td><td>{E(string.Join(", ", q.Codes))}</td><td>{E(string.Join("; ", q.Checks.Where(c => !c.Passed).Select(c => c.Detail)))}</td></tr>"));
        }
        var table = rows.Length == 0 ? "<p>The quarantine is empty.</p>"
            : $"<table><thead><tr><th>Id</th><th>Quarantined (UTC)</th><th>SOP Instance UID</th><th>Reasons</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>";
        return Page("Quarantine", $"<p>Signed in as {E(s.Actor)}. <form method=\"post\" action=\"{Root}/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{s.Csrf}\"><button>Sign out</button></form></p>{table}");
    }

    private static IResult Item(QuarantineRecord q, Session s)
    {
        var checks = new StringBuilder();
        foreach (var c in q.Checks)
        {
            checks.Append($"<tr><td>{E(c.Check)}</td><td class=\"{(c.Passed ? "pass" : "fail")}\">{(c.Passed ? "pass" : "fail")}</td><td>{E(string.Join(", ", c.Codes))}</td><td>{E(c.Detail)}</td></tr>");
        }
        var id = E(q.Id);
        return Page($"Quarantined image {q.Id}", $"""
            <p><a href="{Root}">All quarantined images</a></p>
            <p>SOP Instance UID <code>{E(q.SopInstanceUid)}</code>, study <code>{E(q.StudyInstanceUid ?? "")}</code>, reasons <strong>{E(string.Join(", ", q.Codes))}</strong></p>
            <h2>Checks</h2>
            <table><thead><tr><th>Check</th><th>Verdict</th><th>Codes</th><th>Detail</th></tr></thead><tbody>{checks}</tbody></table>
            <h2>Actions</h2>
            <form method="post" action="{Root}/{id}/release" class="inline"><input type="hidden" name="csrf" value="{s.Csrf}"><button>Release to the forward target (no checks)</button></form>
            <form method="post" action="{Root}/{id}/delete" class="inline"><input type="hidden" name="csrf" value="{s.Csrf}"><button>Delete</button></form>
            <h2>Inspect report</h2>
            <iframe src="{Root}/{id}/inspect" title="radseal inspect report" style="width:100%;height:60em;border:1px solid #ccc"></iframe>
            """);
    }

    private static string CultureInfoInvariant(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private const string Style = "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}.fail{color:#a00;font-weight:bold}.pass{color:#070}.error{color:#a00}form.inline{display:inline}";

    private static IResult Page(string title, string body, int status = 200) => Results.Content($"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{E(title)} · RadSeal gateway</title><style>{Style}</style></head>
        <body><h1>{E(title)}</h1>{body}</body></html>
        """, "text/html; charset=utf-8", Encoding.UTF8, status);
}
