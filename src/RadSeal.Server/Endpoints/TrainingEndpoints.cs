using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using RadSeal.Server.Training;
using RadSeal.Training.Accounts;
using RadSeal.Training.CaseSets;
using RadSeal.Training.Metrics;
using RadSeal.Training.Storage;
using RadSeal.Training.Studies;
using static RadSeal.Server.Training.Html;

namespace RadSeal.Server.Endpoints;

/// <summary>
/// The clinician-training web app under <c>/training/</c> (and <c>/</c> redirects there). Pages are rendered on the
/// server; the viewer is one plain script. Every POST checks an antiforgery token and the session cookie is
/// SameSite=Strict; everything under <c>/training/admin</c> passes one filter that requires the admin role.
/// </summary>
public static class TrainingEndpoints
{
    private const long MaxUploadBytes = 512L * 1024 * 1024;

    /// <summary>Maps the training app.</summary>
    public static IEndpointRouteBuilder MapTraining(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect("/training/"));
        var t = app.MapGroup("/training");
        t.MapGet("/", HomeAsync);
        t.MapGet("/static/{file}", Static);
        t.MapGet("/about", AboutAsync);
        t.MapGet("/login", LoginPageAsync);
        t.MapPost("/login", LoginAsync);
        t.MapPost("/logout", LogoutAsync);
        t.MapGet("/account", AccountAsync);
        t.MapPost("/account", ChangePasswordAsync);
        t.MapGet("/join/{token}", JoinPageAsync);
        t.MapPost("/join/{token}", JoinAsync);
        t.MapGet("/studies/{id:long}/read", ReadAsync);
        t.MapPost("/studies/{id:long}/answer", AnswerAsync);
        t.MapGet("/studies/{id:long}/feedback/{phase:int}/{key}", FeedbackAsync);
        t.MapGet("/studies/{id:long}/my-answers", MyAnswersAsync);
        t.MapGet("/cases/{key}/pixels", PixelsAsync);
        t.MapGet("/cases/{key}/heatmap", HeatmapAsync);

        var admin = t.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var user = await UserAsync(context.HttpContext);
            if (user is null)
            {
                return Results.Redirect("/training/login?returnUrl=" + Uri.EscapeDataString(context.HttpContext.Request.Path + context.HttpContext.Request.QueryString));
            }
            return user.IsInRole("admin") ? await next(context) : Results.StatusCode(StatusCodes.Status403Forbidden);
        });
        admin.MapGet("/", AdminAsync);
        admin.MapPost("/case-sets", ImportAsync);
        admin.MapGet("/case-sets/{id:long}", CaseSetAsync);
        admin.MapGet("/cases/{key}", AdminCaseAsync);
        admin.MapPost("/studies", CreateStudyAsync);
        admin.MapGet("/studies/{id:long}", StudyAsync);
        admin.MapPost("/studies/{id:long}/invitations", InviteAsync);
        admin.MapGet("/studies/{id:long}/metrics", MetricsAsync);
        admin.MapGet("/studies/{id:long}/answers.csv", ExportAsync);
        return app;
    }

    // ---- helpers ----

    private static async Task<ClaimsPrincipal?> UserAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(TrainingHost.Scheme);
        return result.Succeeded ? result.Principal : null;
    }

    private static long UserId(ClaimsPrincipal user) => long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture);

    /// <summary>Validates the antiforgery token and reads the form; null when the token is missing or wrong.</summary>
    private static async Task<IFormCollection?> FormAsync(HttpContext http, IAntiforgery antiforgery, long maxBytes = 1024 * 1024)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBytes;
        }
        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = maxBytes, ValueCountLimit = 4096 }));
        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return await http.Request.ReadFormAsync();
        }
        catch (AntiforgeryValidationException)
        {
            return null;
        }
    }

    private static IResult CsrfFailed(HttpContext http, IAntiforgery antiforgery, ClaimsPrincipal? user) =>
        Page(http, antiforgery, user, "Form expired", Problems(["The form's security token was missing or wrong (or the form is too large). Reload the page and try again."]), 400);

    private static IResult NotFound(HttpContext http, IAntiforgery antiforgery, ClaimsPrincipal? user, string what) =>
        Page(http, antiforgery, user, "Not found", Problems([what]), 404);

    private static string LocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/training/";

    private static IResult Static(string file)
    {
        var (name, type) = file switch
        {
            "app.css" => ("app.css", "text/css; charset=utf-8"),
            "viewer.js" => ("viewer.js", "text/javascript; charset=utf-8"),
            _ => ("", ""),
        };
        if (name.Length == 0)
        {
            return Results.NotFound();
        }
        using var stream = typeof(TrainingEndpoints).Assembly.GetManifestResourceStream("RadSeal.Server.Training." + name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Results.Bytes(copy.ToArray(), type);
    }

    // ---- public pages, sign-in ----

    private static async Task<IResult> HomeAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var body = new StringBuilder();
        if (user is null)
        {
            body.Append("<p>A reader study: look at each image, answer the questions, and (in training phases) learn from the feedback. Readers join through an invitation link from the study's organiser.</p><p><a href=\"/training/login\">Sign in</a></p>");
            return Page(http, antiforgery, null, "Image reading studies", body.ToString());
        }
        if (user.IsInRole("admin"))
        {
            body.Append("<p><a href=\"/training/admin\">Case sets, studies, invitations and metrics</a></p>");
        }
        var studies = await host.Store.ListStudiesOfAsync(UserId(user), ct);
        body.Append("<h2>Your studies</h2>");
        body.Append(studies.Count == 0 ? "<p>None yet: open the invitation link you were sent.</p>"
            : "<ul>" + string.Concat(studies.Select(s => $"<li><a href=\"/training/studies/{s.Id}/read\">{E(s.Name)}</a> · <a href=\"/training/studies/{s.Id}/my-answers\">my answers</a></li>")) + "</ul>");
        return Page(http, antiforgery, user, "Image reading studies", body.ToString());
    }

    private static async Task<IResult> AboutAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var body = new StringBuilder("<p>Where each case set's images come from, and their licences.</p>");
        foreach (var set in await host.Store.ListCaseSetsAsync(ct))
        {
            body.Append(CultureInfo.InvariantCulture, $"<h2>{E(set.Name)}</h2><pre class=\"licence\">{E(set.Source)}</pre>");
        }
        return Page(http, antiforgery, user, "Data and licences", body.ToString());
    }

    private static string LoginForm(HttpContext http, IAntiforgery antiforgery, string returnUrl) => $"""
        <form method="post" action="/training/login" id="login-form">{Csrf(http, antiforgery)}
        <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
        <label>Username <input name="username" autocomplete="username" required></label><br>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label><br>
        <button type="submit">Sign in</button></form>
        """;

    private static async Task<IResult> LoginPageAsync(HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
        Page(http, antiforgery, await UserAsync(http), "Sign in", LoginForm(http, antiforgery, LocalUrl(returnUrl)));

    private static async Task<IResult> LoginAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var form = await FormAsync(http, antiforgery);
        if (form is null)
        {
            return CsrfFailed(http, antiforgery, null);
        }
        var user = await host.Store.AuthenticateAsync(form["username"].ToString().Trim(), form["password"].ToString(), ct);
        if (user is null)
        {
            return Page(http, antiforgery, null, "Sign in", Problems(["Wrong username or password."]) + LoginForm(http, antiforgery, LocalUrl(form["returnUrl"])), 401);
        }
        await SignInAsync(http, user);
        return Results.Redirect(LocalUrl(form["returnUrl"]));
    }

    private static Task SignInAsync(HttpContext http, User user)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)), new Claim(ClaimTypes.Name, user.Username),
             new Claim(ClaimTypes.Role, user.Role == Role.Admin ? "admin" : "reader")],
            TrainingHost.Scheme, ClaimTypes.Name, ClaimTypes.Role);
        return http.SignInAsync(TrainingHost.Scheme, new ClaimsPrincipal(identity));
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (await FormAsync(http, antiforgery) is null)
        {
            return CsrfFailed(http, antiforgery, await UserAsync(http));
        }
        await http.SignOutAsync(TrainingHost.Scheme);
        return Results.Redirect("/training/");
    }

    private static string PasswordForm(HttpContext http, IAntiforgery antiforgery) => $"""
        <form method="post" action="/training/account" id="password-form">{Csrf(http, antiforgery)}
        <label>Current password <input name="current" type="password" autocomplete="current-password" required></label><br>
        <label>New password (12 characters or more) <input name="new" type="password" autocomplete="new-password" minlength="12" required></label><br>
        <button type="submit">Change password</button></form>
        """;

    private static async Task<IResult> AccountAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var user = await UserAsync(http);
        return user is null ? Results.Redirect("/training/login?returnUrl=/training/account") : Page(http, antiforgery, user, "Account", PasswordForm(http, antiforgery));
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        if (user is null)
        {
            return Results.Redirect("/training/login");
        }
        var form = await FormAsync(http, antiforgery);
        if (form is null)
        {
            return CsrfFailed(http, antiforgery, user);
        }
        var fresh = form["new"].ToString();
        if (await host.Store.AuthenticateAsync(user.Identity!.Name!, form["current"].ToString(), ct) is null)
        {
            return Page(http, antiforgery, user, "Account", Problems(["The current password is wrong."]) + PasswordForm(http, antiforgery), 400);
        }
        if (fresh.Length < 12)
        {
            return Page(http, antiforgery, user, "Account", Problems(["The new password needs 12 characters or more."]) + PasswordForm(http, antiforgery), 400);
        }
        await host.Store.SetPasswordAsync(UserId(user), PasswordHash.Create(fresh, host.Options.PasswordIterations), ct);
        return Page(http, antiforgery, user, "Account", "<p class=\"notice\">Password changed.</p>");
    }

    // ---- joining a study ----

    private static string JoinForm(HttpContext http, IAntiforgery antiforgery, string token, bool signedIn) =>
        $"<form method=\"post\" action=\"/training/join/{E(Uri.EscapeDataString(token))}\" id=\"join-form\">{Csrf(http, antiforgery)}" +
        (signedIn ? "<p>Join with your current account.</p>" :
            "<label>Username <input name=\"username\" autocomplete=\"username\" required pattern=\"[A-Za-z0-9._-]{2,40}\"></label><br>" +
            "<label>Name shown to the organiser <input name=\"display_name\" required maxlength=\"80\"></label><br>" +
            "<label>Password (12 characters or more) <input name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\" required></label><br>") +
        "<label>Experience <select name=\"experience\" required>" + string.Concat(Experience.Levels.Select(l => $"<option>{E(l)}</option>")) + "</select></label><br>" +
        "<button type=\"submit\">Join the study</button></form>";

    private static async Task<IResult> JoinPageAsync(string token, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var study = await host.Store.FindInvitationAsync(token, ct);
        if (study is null)
        {
            return NotFound(http, antiforgery, user, "This invitation is unknown or has been used already. Ask the study's organiser for a new link.");
        }
        return Page(http, antiforgery, user, "Join " + study.Name, JoinForm(http, antiforgery, token, user is not null));
    }

    private static async Task<IResult> JoinAsync(string token, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var form = await FormAsync(http, antiforgery);
        if (form is null)
        {
            return CsrfFailed(http, antiforgery, user);
        }
        var experience = form["experience"].ToString();
        var problems = new List<string>();
        if (!Experience.Levels.Contains(experience))
        {
            problems.Add("Choose your experience from the list.");
        }
        if (await host.Store.FindInvitationAsync(token, ct) is null)
        {
            return NotFound(http, antiforgery, user, "This invitation is unknown or has been used already.");
        }
        User? account = null;
        if (user is null)
        {
            var username = form["username"].ToString().Trim();
            var display = form["display_name"].ToString().Trim();
            var password = form["password"].ToString();
            if (username.Length is < 2 or > 40 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                problems.Add("The username needs 2 to 40 letters, digits, '.', '_' or '-'.");
            }
            if (display.Length is 0 or > 80)
            {
                problems.Add("Give a name of 1 to 80 characters.");
            }
            if (password.Length < 12)
            {
                problems.Add("The password needs 12 characters or more.");
            }
            if (problems.Count == 0)
            {
                try
                {
                    account = await host.Store.CreateUserAsync(username, display, Role.Reader, experience, PasswordHash.Create(password, host.Options.PasswordIterations), ct);
                }
                catch (TrainingStoreException e)
                {
                    problems.Add(e.Message);
                }
            }
        }
        else
        {
            account = await host.Store.GetUserAsync(UserId(user), ct);
        }
        if (problems.Count > 0 || account is null)
        {
            return Page(http, antiforgery, user, "Join the study", Problems(problems) + JoinForm(http, antiforgery, token, user is not null), 400);
        }
        Enrolment enrolment;
        try
        {
            enrolment = await host.Store.AcceptInvitationAsync(token, account.Id, ct);
        }
        catch (TrainingStoreException e)
        {
            return Page(http, antiforgery, user, "Join the study", Problems([e.Message]), 409);
        }
        if (user is null)
        {
            await SignInAsync(http, account);
        }
        return Results.Redirect($"/training/studies/{enrolment.StudyId}/read");
    }

    // ---- reading ----

    /// <summary>The first (phase, case) of the reader's order not yet answered, or null when the study is done.</summary>
    private static (int Phase, long CaseId, int Position, int Count)? NextCase(Enrolment enrolment, IReadOnlyList<AnswerRecord> mine)
    {
        var answered = mine.Select(a => (a.Phase, a.CaseId)).ToHashSet();
        for (var p = 0; p < enrolment.Orders.Count; p++)
        {
            var order = enrolment.Orders[p];
            for (var i = 0; i < order.Count; i++)
            {
                if (!answered.Contains((p, order[i])))
                {
                    return (p, order[i], i + 1, order.Count);
                }
            }
        }
        return null;
    }

    private static string PhaseIntro(PhaseKind kind) => kind switch
    {
        PhaseKind.Blinded => "Rate the diagnostic quality of each image. If anything about an image looks wrong to you, tick the box.",
        PhaseKind.Informed => "Some of these images are real radiographs and some are synthetic (AI-generated, simulated or manipulated). Say which you think each one is, and how sure you are.",
        _ => "Training: say whether each image is real or synthetic and how sure you are; then you will see the answer, why, and what to look for.",
    };

    private static string Viewer(string key, string? heatmap = null) => $"""
        <div class="viewer"><canvas id="viewer" width="720" height="720" data-src="/training/cases/{E(key)}/pixels"{(heatmap is null ? "" : $" data-heatmap=\"{E(heatmap)}\"")}></canvas></div>
        <div class="controls">
        <button id="zoom-in">Zoom in</button> <button id="zoom-out">Zoom out</button> <button id="zoom-1">1:1</button> <button id="zoom-fit">Fit</button> <span id="zoom-level"></span>
        <label>Level (window centre) <input type="range" id="wl-center"></label>
        <label>Window width <input type="range" id="wl-width"></label>
        <button id="wl-reset">Reset window</button>
        <p><small>Wheel: zoom · drag: pan · right-drag or shift-drag: window/level</small></p>
        </div>
        <script src="/training/static/viewer.js" defer></script>
        """;

    private static string Scale(string name, int from, int to, string low, string high) =>
        $"<span>{E(low)}</span> " + string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"<label><input type=\"radio\" name=\"{name}\" value=\"{i}\" required> {i}</label> ")) + $"<span>{E(high)}</span>";

    private static async Task<IResult> ReadAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        if (user is null)
        {
            return Results.Redirect($"/training/login?returnUrl=/training/studies/{id}/read");
        }
        var study = await host.Store.GetStudyAsync(id, ct);
        var enrolment = study is null ? null : await host.Store.GetEnrolmentAsync(id, UserId(user), ct);
        if (study is null || enrolment is null)
        {
            return NotFound(http, antiforgery, user, "You are not enrolled in this study.");
        }
        var next = NextCase(enrolment, await host.Store.AnswersAsync(id, UserId(user), ct));
        if (next is null)
        {
            return Page(http, antiforgery, user, study.Name, $"<p class=\"notice\" id=\"study-complete\">You have answered every case in every phase. Thank you.</p><p><a href=\"/training/studies/{id}/my-answers\">Your answers</a></p>");
        }
        var (phase, caseId, position, count) = next.Value;
        var k = (await host.Store.GetCaseAsync(caseId, ct))!;
        var kind = study.Phases[phase];
        var questions = kind == PhaseKind.Blinded
            ? "<fieldset><legend>Diagnostic quality</legend>" + Scale("quality", 1, 5, "non-diagnostic", "excellent") + "</fieldset>" +
              "<label><input type=\"checkbox\" name=\"flag\" value=\"1\"> Something looks wrong with this image</label>"
            : "<fieldset><legend>This image is</legend><label><input type=\"radio\" name=\"call\" value=\"real\" required> Real</label> <label><input type=\"radio\" name=\"call\" value=\"ai\" required> AI / synthetic</label></fieldset>" +
              "<fieldset><legend>Confidence</legend>" + Scale("confidence", 1, 5, "guessing", "certain") + "</fieldset>";
        var body = $"""
            <p id="phase-intro"><strong>Phase {phase + 1} of {study.Phases.Count}</strong> · case <span id="case-position">{position}</span> of {count}. {E(PhaseIntro(kind))}</p>
            <div class="reader"><div>{Viewer(k.Key)}</div>
            <div><form method="post" action="/training/studies/{id}/answer" id="answer-form">{Csrf(http, antiforgery)}
            <input type="hidden" name="phase" value="{phase}"><input type="hidden" name="case" value="{E(k.Key)}"><input type="hidden" name="elapsed_ms" value="">
            {questions}
            <p><button type="submit" id="submit-answer">Submit answer</button></p></form></div></div>
            """;
        return Page(http, antiforgery, user, study.Name, body);
    }

    private static async Task<IResult> AnswerAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        if (user is null)
        {
            return Results.Redirect("/training/login");
        }
        var form = await FormAsync(http, antiforgery);
        if (form is null)
        {
            return CsrfFailed(http, antiforgery, user);
        }
        var study = await host.Store.GetStudyAsync(id, ct);
        var k = await host.Store.GetCaseAsync(form["case"].ToString(), ct);
        if (study is null || k is null || !int.TryParse(form["phase"], NumberStyles.None, CultureInfo.InvariantCulture, out var phase) || phase >= study.Phases.Count)
        {
            return Page(http, antiforgery, user, "Answer not saved", Problems(["The answer names no case of this study."]), 400);
        }
        // Cases are answered in the reader's order, phase after phase: a crafted request cannot skip ahead (reading the
        // informed phase first would spoil the blinded one) or go back.
        var enrolment = await host.Store.GetEnrolmentAsync(id, UserId(user), ct);
        var next = enrolment is null ? null : NextCase(enrolment, await host.Store.AnswersAsync(id, UserId(user), ct));
        if (next is not { } expected || expected.Phase != phase || expected.CaseId != k.Id)
        {
            return Page(http, antiforgery, user, "Answer not saved", Problems([enrolment is null ? "You are not enrolled in this study." : "That is not the case to answer next (answered already, or out of order)."]) + $"<p><a href=\"/training/studies/{id}/read\">Continue with the next case</a></p>", 409);
        }
        var kind = study.Phases[phase];
        static int? Rating(string? text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 5 ? v : null;
        long? elapsed = long.TryParse(form["elapsed_ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 86_400_000 ? ms : null;
        AnswerInput answer;
        if (kind == PhaseKind.Blinded)
        {
            var quality = Rating(form["quality"]);
            if (quality is null)
            {
                return Page(http, antiforgery, user, "Answer not saved", Problems(["Rate the diagnostic quality from 1 to 5."]) + $"<p><a href=\"/training/studies/{id}/read\">Back to the case</a></p>", 400);
            }
            answer = new AnswerInput(null, null, quality, form["flag"] == "1", elapsed);
        }
        else
        {
            Truth? call = form["call"].ToString() switch { "real" => Truth.Real, "ai" => Truth.Synthetic, _ => null };
            var confidence = Rating(form["confidence"]);
            if (call is null || confidence is null)
            {
                return Page(http, antiforgery, user, "Answer not saved", Problems(["Choose real or AI, and a confidence from 1 to 5."]) + $"<p><a href=\"/training/studies/{id}/read\">Back to the case</a></p>", 400);
            }
            answer = new AnswerInput(call, confidence, null, false, elapsed);
        }
        try
        {
            await host.Store.SaveAnswerAsync(id, phase, UserId(user), k.Id, answer, ct);
        }
        catch (TrainingStoreException e)
        {
            return Page(http, antiforgery, user, "Answer not saved", Problems([e.Message]) + $"<p><a href=\"/training/studies/{id}/read\">Continue</a></p>", 409);
        }
        return Results.Redirect(kind == PhaseKind.Training ? $"/training/studies/{id}/feedback/{phase}/{k.Key}" : $"/training/studies/{id}/read");
    }

    private static async Task<IResult> FeedbackAsync(long id, int phase, string key, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        if (user is null)
        {
            return Results.Redirect("/training/login");
        }
        var study = await host.Store.GetStudyAsync(id, ct);
        var k = await host.Store.GetCaseAsync(key, ct);
        var mine = k is null ? null : (await host.Store.AnswersAsync(id, UserId(user), ct)).FirstOrDefault(a => a.Phase == phase && a.CaseId == k.Id);
        // Feedback exists only for a training-phase case the reader has answered: it reveals the truth.
        if (study is null || k is null || mine is null || mine.Kind != PhaseKind.Training)
        {
            return NotFound(http, antiforgery, user, "No feedback here: answer the case in a training phase first.");
        }
        var right = mine.Correct;
        var body = $"""
            <p class="{(right ? "notice" : "problems")}" id="feedback-verdict">{(right ? "Correct" : "Not quite")}: this image is <strong id="feedback-truth">{(k.Truth == Truth.Synthetic ? "synthetic (AI / simulated / manipulated)" : "real")}</strong>. You answered {E(AnswerCsv.Label(mine.Call!.Value))} with confidence {mine.Confidence}.</p>
            <div class="reader"><div>{Viewer(k.Key, host.Options.Detector is null ? null : $"/training/cases/{k.Key}/heatmap")}<p id="detector-score"></p></div>
            <div><h2>Why</h2><p id="feedback-explanation">{E(k.Explanation)}</p>
            <h2>What to look for</h2><p id="feedback-artefacts">{E(k.Artefacts.Length > 0 ? k.Artefacts : k.Truth == Truth.Synthetic
                ? "Too-perfect symmetry, waxy or repeating texture, missing noise, anatomy that does not add up, absent markers and lines."
                : "Real acquisitions show natural asymmetry, consistent noise and the marks of positioning.")}</p>
            <p><a href="/training/studies/{id}/read" id="next-case">Next case</a></p></div></div>
            """;
        return Page(http, antiforgery, user, study.Name, body);
    }

    private static async Task<IResult> MyAnswersAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        if (user is null)
        {
            return Results.Redirect("/training/login");
        }
        var study = await host.Store.GetStudyAsync(id, ct);
        if (study is null || await host.Store.GetEnrolmentAsync(id, UserId(user), ct) is null)
        {
            return NotFound(http, antiforgery, user, "You are not enrolled in this study.");
        }
        // Only this reader's answers; the truth only where a training phase has shown it already.
        var rows = (await host.Store.AnswersAsync(id, UserId(user), ct)).Select((a, i) =>
            $"<tr><td>{a.Phase + 1}</td><td>{i + 1}</td><td>{(a.Kind == PhaseKind.Blinded ? $"quality {a.Quality}{(a.Flagged ? ", flagged" : "")}" : $"{AnswerCsv.Label(a.Call!.Value)} ({a.Confidence})")}</td>" +
            $"<td>{(a.Kind == PhaseKind.Training ? AnswerCsv.Label(a.Truth) : "")}</td><td class=\"num\">{F(a.ElapsedMs / 1000.0, "0.0")}</td></tr>");
        return Page(http, antiforgery, user, "My answers: " + study.Name,
            "<table id=\"my-answers\"><tr><th>Phase</th><th>#</th><th>Answer</th><th>Truth (training)</th><th>Seconds</th></tr>" + string.Concat(rows) + "</table>");
    }

    private static async Task<TrainingCase?> ViewableCaseAsync(string key, HttpContext http, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var k = await host.Store.GetCaseAsync(key, ct);
        if (user is null || k is null)
        {
            return null;
        }
        return user.IsInRole("admin") || await host.Store.MayViewCaseAsync(UserId(user), k.Id, ct) ? k : null;
    }

    /// <summary>The case's samples as little-endian 16-bit words; size, bits and default window in headers. Windowing happens in the browser.</summary>
    private static async Task<IResult> PixelsAsync(string key, HttpContext http, TrainingHost host, CancellationToken ct)
    {
        var k = await ViewableCaseAsync(key, http, host, ct);
        if (k is null)
        {
            return Results.NotFound();
        }
        var pixels = await host.Store.GetPixelsAsync(k.Id, ct);
        var h = http.Response.Headers;
        h["X-Image-Width"] = k.Width.ToString(CultureInfo.InvariantCulture);
        h["X-Image-Height"] = k.Height.ToString(CultureInfo.InvariantCulture);
        h["X-Image-Bits"] = k.BitsStored.ToString(CultureInfo.InvariantCulture);
        h["X-Image-Monochrome1"] = k.Monochrome1 ? "1" : "0";
        h["X-Window-Center"] = k.WindowCenter.ToString("R", CultureInfo.InvariantCulture);
        h["X-Window-Width"] = k.WindowWidth.ToString("R", CultureInfo.InvariantCulture);
        h.CacheControl = "private, max-age=3600";
        return Results.Bytes(pixels!, "application/octet-stream");
    }

    private static async Task<IResult> HeatmapAsync(string key, HttpContext http, TrainingHost host, CancellationToken ct)
    {
        var detector = host.Options.Detector;
        var k = await ViewableCaseAsync(key, http, host, ct);
        var user = await UserAsync(http);
        if (detector is null || k is null || user is null)
        {
            return Results.NotFound();
        }
        // Readers get a heatmap only after answering the case in a training phase (it hints at the answer).
        if (!user.IsInRole("admin"))
        {
            var studies = await host.Store.ListStudiesOfAsync(UserId(user), ct);
            var answered = false;
            foreach (var s in studies)
            {
                answered |= (await host.Store.AnswersAsync(s.Id, UserId(user), ct)).Any(a => a.CaseId == k.Id && a.Kind == PhaseKind.Training);
            }
            if (!answered)
            {
                return Results.NotFound();
            }
        }
        var image = (await host.Store.GetImageAsync(k, ct))!;
        var score = detector.Score(image, ct);
        return Results.Json(new { detector = detector.Name, probability = score.ProbabilitySynthetic, width = score.HeatmapWidth, height = score.HeatmapHeight, values = score.Heatmap, evidence = score.Evidence });
    }

    // ---- admin ----

    private static string ImportForm(HttpContext http, IAntiforgery antiforgery) => $"""
        <form method="post" action="/training/admin/case-sets" enctype="multipart/form-data" id="import-form">{Csrf(http, antiforgery)}
        <label>Name <input name="name" required maxlength="120"></label><br>
        <label>Source and licence of the images <textarea name="source" rows="2" cols="60" required></textarea></label><br>
        <label>Images and CSV (choose the folder's files: DICOM, PNG, JPEG and one CSV <code>Image_Name,Real_or_AI,Reasoning</code>)
        <input type="file" name="files" multiple required></label><br>
        <button type="submit">Import</button></form>
        """;

    private static async Task<IResult> AdminAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var sets = await host.Store.ListCaseSetsAsync(ct);
        var studies = await host.Store.ListStudiesAsync(ct);
        var phaseOptions = "<option value=\"\">(none)</option>" + string.Concat(Enum.GetValues<PhaseKind>().Select(k => $"<option value=\"{k}\">{k}</option>"));
        var body = new StringBuilder("<h2>Case sets</h2><table id=\"case-sets\"><tr><th>Name</th><th>Cases</th></tr>");
        foreach (var s in sets)
        {
            body.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/training/admin/case-sets/{s.Id}\">{E(s.Name)}</a></td><td class=\"num\">{s.Cases}</td></tr>");
        }
        body.Append("</table><h3>Import a case set</h3>").Append(ImportForm(http, antiforgery));
        body.Append("<h2>Studies</h2><ul id=\"studies\">");
        foreach (var s in studies)
        {
            body.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/training/admin/studies/{s.Id}\">{E(s.Name)}</a> ({string.Join(" → ", s.Phases)})</li>");
        }
        body.Append(CultureInfo.InvariantCulture, $"""
            </ul><h3>Create a study</h3>
            <form method="post" action="/training/admin/studies" id="study-form">{Csrf(http, antiforgery)}
            <label>Name <input name="name" required maxlength="120"></label><br>
            <fieldset><legend>Case sets</legend>{string.Concat(sets.Select(s => $"<label><input type=\"checkbox\" name=\"sets\" value=\"{s.Id}\"> {E(s.Name)}</label><br>"))}</fieldset>
            <label>Phase 1 <select name="phase1" required>{phaseOptions.Replace("<option value=\"Blinded\">", "<option value=\"Blinded\" selected>", StringComparison.Ordinal)}</select></label>
            <label>Phase 2 <select name="phase2">{phaseOptions.Replace("<option value=\"Informed\">", "<option value=\"Informed\" selected>", StringComparison.Ordinal)}</select></label>
            <label>Phase 3 <select name="phase3">{phaseOptions}</select></label><br>
            <button type="submit">Create study</button></form>
            """);
        return Page(http, antiforgery, user, "Administration", body.ToString());
    }

    private static async Task<IResult> ImportAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        IFormCollection? form;
        try
        {
            form = await FormAsync(http, antiforgery, MaxUploadBytes);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return Page(http, antiforgery, user, "Import failed", Problems([$"The upload could not be read: {e.Message}"]) + ImportForm(http, antiforgery), 400);
        }
        if (form is null)
        {
            return CsrfFailed(http, antiforgery, user);
        }
        var files = new List<ImportFile>();
        foreach (var f in form.Files.GetFiles("files"))
        {
            using var copy = new MemoryStream();
            await f.CopyToAsync(copy, ct);
            // Browsers send a folder's files with their relative path; only the file name counts.
            files.Add(new ImportFile(Path.GetFileName(f.FileName.Replace('\\', '/')), copy.ToArray()));
        }
        var name = form["name"].ToString().Trim();
        var source = form["source"].ToString().Trim();
        try
        {
            var problems = new List<string>();
            if (name.Length == 0)
            {
                problems.Add("the case set needs a name");
            }
            if (source.Length == 0)
            {
                problems.Add("say where the images come from and under which licence");
            }
            IReadOnlyList<PreparedCase> cases = [];
            try
            {
                cases = CaseSetImport.Prepare(files, ct);
            }
            catch (CaseSetImportException e)
            {
                problems.AddRange(e.Problems);
            }
            if (problems.Count > 0)
            {
                throw new CaseSetImportException(problems);
            }
            var set = await host.Store.AddCaseSetAsync(name, source, cases, ct);
            return Results.Redirect($"/training/admin/case-sets/{set.Id}");
        }
        catch (CaseSetImportException e)
        {
            return Page(http, antiforgery, user, "Import failed", $"<p>Nothing was imported. Fix these {e.Problems.Count} problem(s) and upload again:</p>" + Problems(e.Problems) + ImportForm(http, antiforgery), 400);
        }
        catch (TrainingStoreException e)
        {
            return Page(http, antiforgery, user, "Import failed", "<p>Nothing was imported.</p>" + Problems([e.Message]) + ImportForm(http, antiforgery), 409);
        }
    }

    private static async Task<IResult> CaseSetAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var set = (await host.Store.ListCaseSetsAsync(ct)).FirstOrDefault(s => s.Id == id);
        if (set is null)
        {
            return NotFound(http, antiforgery, user, "No such case set.");
        }
        var rows = (await host.Store.ListCasesAsync(id, ct)).Select(k =>
            $"<tr><td><a href=\"/training/admin/cases/{k.Key}\">{E(k.Name)}</a></td><td>{AnswerCsv.Label(k.Truth)}</td><td>{E(k.SourceFormat)} {k.Width}×{k.Height}, {k.BitsStored}-bit</td><td>{E(k.Explanation)}</td></tr>");
        return Page(http, antiforgery, user, set.Name,
            $"<p id=\"case-count\">{set.Cases} cases.</p><table id=\"cases\"><tr><th>Image</th><th>Label</th><th>Format</th><th>Explanation</th></tr>{string.Concat(rows)}</table><h2>Source and licence</h2><pre class=\"licence\">{E(set.Source)}</pre>");
    }

    private static async Task<IResult> AdminCaseAsync(string key, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var k = await host.Store.GetCaseAsync(key, ct);
        if (k is null)
        {
            return NotFound(http, antiforgery, user, "No such case.");
        }
        return Page(http, antiforgery, user, k.Name,
            $"<div class=\"reader\"><div>{Viewer(k.Key, host.Options.Detector is null ? null : $"/training/cases/{k.Key}/heatmap")}<p id=\"detector-score\"></p></div><div><p>{AnswerCsv.Label(k.Truth)} · {E(k.SourceFormat)} {k.Width}×{k.Height}, {k.BitsStored}-bit</p><p>{E(k.Explanation)}</p><p>{E(k.Artefacts)}</p></div></div>");
    }

    private static async Task<IResult> CreateStudyAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var form = await FormAsync(http, antiforgery);
        if (form is null)
        {
            return CsrfFailed(http, antiforgery, user);
        }
        var phases = new List<PhaseKind>();
        var problems = new List<string>();
        foreach (var field in (string[])["phase1", "phase2", "phase3"])
        {
            var value = form[field].ToString();
            if (value.Length == 0)
            {
                continue;
            }
            if (Enum.TryParse<PhaseKind>(value, out var kind) && Enum.IsDefined(kind))
            {
                phases.Add(kind);
            }
            else
            {
                problems.Add($"{field}: unknown phase '{value}'");
            }
        }
        var sets = new List<long>();
        foreach (var s in form["sets"])
        {
            if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var setId))
            {
                sets.Add(setId);
            }
            else
            {
                problems.Add($"'{s}' is not a case set");
            }
        }
        if (problems.Count == 0)
        {
            try
            {
                var study = await host.Store.CreateStudyAsync(form["name"].ToString(), sets, phases, ct);
                return Results.Redirect($"/training/admin/studies/{study.Id}");
            }
            catch (TrainingStoreException e)
            {
                problems.Add(e.Message);
            }
        }
        return Page(http, antiforgery, user, "Study not created", Problems(problems) + "<p><a href=\"/training/admin\">Back</a></p>", 400);
    }

    private static async Task<IResult> StudyAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var study = await host.Store.GetStudyAsync(id, ct);
        if (study is null)
        {
            return NotFound(http, antiforgery, user, "No such study.");
        }
        return Page(http, antiforgery, user, study.Name, await StudyBodyAsync(http, antiforgery, host, study, null, ct));
    }

    private static async Task<string> StudyBodyAsync(HttpContext http, IAntiforgery antiforgery, TrainingHost host, Study study, string? newLink, CancellationToken ct)
    {
        var cases = (await host.Store.StudyCaseIdsAsync(study.Id, ct)).Count;
        var (issued, used) = await host.Store.CountInvitationsAsync(study.Id, ct);
        var progress = await host.Store.ProgressAsync(study.Id, ct);
        var total = cases * study.Phases.Count;
        var body = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<p>Phases: {string.Join(" → ", study.Phases.Select((p, i) => $"{i + 1}. {p}"))}. {cases} cases per phase.</p>");
        if (newLink is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"notice\">New single-use invitation (shown once; send it to one reader): <a id=\"invitation-link\" href=\"{E(newLink)}\">{E(newLink)}</a></p>");
        }
        body.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/training/admin/studies/{study.Id}/invitations\" id=\"invite-form\">{Csrf(http, antiforgery)}<button type=\"submit\">New invitation link</button> {issued} issued, {used} used</form>");
        body.Append("<h2>Readers</h2><table id=\"progress\"><tr><th>Reader</th><th>Experience</th><th>Answers</th></tr>");
        foreach (var (reader, answers) in progress)
        {
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(reader.Username)} ({E(reader.DisplayName)})</td><td>{E(reader.Experience)}</td><td class=\"num\">{answers} / {total}</td></tr>");
        }
        body.Append(CultureInfo.InvariantCulture, $"</table><p><a href=\"/training/admin/studies/{study.Id}/metrics\" id=\"metrics-link\">Metrics</a> · <a href=\"/training/admin/studies/{study.Id}/answers.csv\" id=\"csv-link\">Raw answers (CSV)</a></p>");
        return body.ToString();
    }

    private static async Task<IResult> InviteAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        if (await FormAsync(http, antiforgery) is null)
        {
            return CsrfFailed(http, antiforgery, user);
        }
        var study = await host.Store.GetStudyAsync(id, ct);
        if (study is null)
        {
            return NotFound(http, antiforgery, user, "No such study.");
        }
        var token = await host.Store.CreateInvitationAsync(id, ct);
        var link = $"{http.Request.Scheme}://{http.Request.Host}/training/join/{token}";
        return Page(http, antiforgery, user, study.Name, await StudyBodyAsync(http, antiforgery, host, study, link, ct));
    }

    private static async Task<IResult> ExportAsync(long id, HttpContext http, TrainingHost host, CancellationToken ct)
    {
        if (await host.Store.GetStudyAsync(id, ct) is null)
        {
            return Results.NotFound();
        }
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"study-{id}-answers.csv\"";
        return Results.Text(AnswerCsv.Write(await host.Store.AnswersAsync(id, null, ct)), "text/csv; charset=utf-8");
    }

    private static string Cell(string metric, string text) => $"<td class=\"num\" data-metric=\"{E(metric)}\">{text}</td>";

    private static string SummaryRow(string prefix, ReaderSummary s) =>
        $"<tr><td>{E(s.Label)}</td>{Cell(prefix + "-n", s.Answers.ToString(CultureInfo.InvariantCulture))}" +
        $"{Cell(prefix + "-accuracy", F(s.Accuracy.Value))}<td class=\"num\">{Ci(s.Accuracy)}</td>" +
        $"{Cell(prefix + "-sensitivity", F(s.Sensitivity.Value))}<td class=\"num\">{Ci(s.Sensitivity)}</td>" +
        $"{Cell(prefix + "-specificity", F(s.Specificity.Value))}<td class=\"num\">{Ci(s.Specificity)}</td>" +
        $"{Cell(prefix + "-auc", F(s.Roc?.Auc))}{Cell(prefix + "-mean-seconds", F(s.MeanSeconds, "0.0"))}{Cell(prefix + "-median-seconds", F(s.MedianSeconds, "0.0"))}</tr>";

    private const string SummaryHeader = "<tr><th></th><th>n</th><th>Accuracy</th><th>95% CI</th><th>Sensitivity</th><th>95% CI</th><th>Specificity</th><th>95% CI</th><th>AUC</th><th>Mean s</th><th>Median s</th></tr>";

    private static async Task<IResult> MetricsAsync(long id, HttpContext http, IAntiforgery antiforgery, TrainingHost host, CancellationToken ct)
    {
        var user = await UserAsync(http);
        var study = await host.Store.GetStudyAsync(id, ct);
        if (study is null)
        {
            return NotFound(http, antiforgery, user, "No such study.");
        }
        var report = StudyMetrics.Compute(study.Phases, await host.Store.AnswersAsync(id, null, ct));
        var body = new StringBuilder("<p>Positive = synthetic. Sensitivity: synthetic images called synthetic; specificity: real images called real. 95% intervals are Wilson score intervals. In a blinded phase a flag (\"something looks wrong\") counts as calling the image synthetic. AUC comes from the 10-point rating (call × confidence); the cohort's pools every reader's ratings. See docs/training.md.</p>");
        foreach (var phase in report.Phases)
        {
            var p = $"p{phase.Index + 1}";
            body.Append(CultureInfo.InvariantCulture, $"<h2>Phase {phase.Index + 1}: {phase.Kind}</h2><table class=\"metrics\" id=\"{p}-table\">{SummaryHeader}");
            body.Append(SummaryRow($"{p}-cohort", phase.Cohort));
            foreach (var r in phase.Readers)
            {
                body.Append(SummaryRow($"{p}-reader-{r.Label}", r));
            }
            body.Append("<tr><th colspan=\"11\">Experience subgroups</th></tr>");
            foreach (var g in phase.Subgroups)
            {
                body.Append(SummaryRow($"{p}-group-{g.Label}", g));
            }
            body.Append(CultureInfo.InvariantCulture, $"</table><p>Fleiss' κ between readers: <span data-metric=\"{p}-kappa\">{F(phase.Kappa)}</span> ({phase.KappaReaders} readers, {phase.KappaCases} cases all of them answered)</p>");
            var curves = new List<(string, RocCurve)>();
            if (phase.Cohort.Roc is { Auc: not null } cohortRoc)
            {
                curves.Add(("All readers", cohortRoc));
                curves.AddRange(phase.Readers.Where(r => r.Roc?.Auc is not null).Select(r => (r.Label, r.Roc!)));
                body.Append(Charts.Roc(curves));
            }
            if (phase.Readers.Count > 0)
            {
                body.Append(Charts.Accuracy(phase.Readers));
            }
        }
        if (report.BlindedVersusInformed is { } m)
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <h2>Blinded (phase {report.BlindedPhase + 1}) versus informed (phase {report.InformedPhase + 1}): McNemar</h2>
                <table id="mcnemar"><tr><th></th><th>Informed right</th><th>Informed wrong</th></tr>
                <tr><th>Blinded right</th>{Cell("mcnemar-both-right", m.BothRight.ToString(CultureInfo.InvariantCulture))}{Cell("mcnemar-only-blinded", m.OnlyFirst.ToString(CultureInfo.InvariantCulture))}</tr>
                <tr><th>Blinded wrong</th>{Cell("mcnemar-only-informed", m.OnlySecond.ToString(CultureInfo.InvariantCulture))}{Cell("mcnemar-both-wrong", m.BothWrong.ToString(CultureInfo.InvariantCulture))}</tr></table>
                <p>{m.Pairs} paired (reader, case) answers. Exact two-sided p = <span data-metric="mcnemar-exact-p">{F(m.ExactP, "0.0000")}</span>; χ² (continuity-corrected) = {F(m.ChiSquare)}, p = {F(m.ChiSquareP, "0.0000")}.</p>
                """);
        }
        body.Append(CultureInfo.InvariantCulture, $"<p><a href=\"/training/admin/studies/{id}/answers.csv\">Raw answers (CSV)</a></p>");
        return Page(http, antiforgery, user, "Metrics: " + study.Name, body.ToString());
    }
}
