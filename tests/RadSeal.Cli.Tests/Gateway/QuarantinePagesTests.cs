using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// The quarantine's HTML pages over HTTP: sign-in with the administrator token (HttpOnly, SameSite=Strict session
/// cookie), the list with reasons, one image's check verdicts and its `radseal inspect` report (the same verdict as
/// the CLI gives for that file), release and delete with the session's CSRF token, audited with the signed-in name;
/// without the session or its CSRF token nothing happens.
/// </summary>
public sealed partial class QuarantinePagesTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Admin_signs_in_with_the_token_sees_reasons_and_the_inspect_report_and_releases_and_deletes_audited()
    {
        await using var gw = await fx.StartGatewayAsync("quarantine-pages", o => o);
        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var tampered = fx.Image(GatewayFixture.Kind.Tampered);
        var (status, body) = fx.StowWithCurl(gw.DicomWeb, unsigned.Path, tampered.Path);
        Assert.True(status == 200, body);
        await gw.DrainAsync(quarantined: 2);
        var ids = gw.Service.ListQuarantine().ToDictionary(q => q.SopInstanceUid, q => q.Id);

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = gw.BaseUri };
        var login = await browser.GetStringAsync("quarantine/view");
        Assert.Contains("name=\"token\"", login, StringComparison.Ordinal);
        Assert.DoesNotContain(unsigned.Uid, login, StringComparison.Ordinal); // nothing shown before signing in
        using (var item = await browser.GetAsync($"quarantine/view/{ids[unsigned.Uid]}"))
        {
            Assert.Equal(HttpStatusCode.Redirect, item.StatusCode);
        }
        using (var wrong = await browser.PostAsync("quarantine/view/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "not-the-token" })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var signIn = await browser.PostAsync("quarantine/view/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = gw.Token, ["name"] = "dr-web" })))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("path=/quarantine/view", cookie, StringComparison.OrdinalIgnoreCase);
        }

        var list = await browser.GetStringAsync("quarantine/view");
        Assert.Contains(unsigned.Uid, list, StringComparison.Ordinal);
        Assert.Contains(tampered.Uid, list, StringComparison.Ordinal);
        Assert.Contains("UNSIGNED", list, StringComparison.Ordinal);
        Assert.Contains("MAC_MISMATCH", list, StringComparison.Ordinal);

        var page = await browser.GetStringAsync($"quarantine/view/{ids[tampered.Uid]}");
        Assert.Matches("<td>signature</td><td class=\"fail\">fail</td><td>[^<]*MAC_MISMATCH", page);
        var csrf = Csrf().Match(page).Groups[1].Value;
        Assert.Equal(64, csrf.Length);

        // The inspect report of that image: the verdict `radseal inspect --json` gives for the same file.
        var report = await browser.GetStringAsync($"quarantine/view/{ids[tampered.Uid]}/inspect");
        var cli = GatewayFixture.Cli("inspect", gw.Service.QuarantinedFile(ids[tampered.Uid])!, "--trust", fx.Trust, "--watermark-trust", fx.Trust, "--json");
        var verdict = JsonDocument.Parse(cli.Out).RootElement[0].GetProperty("verdict").GetString()!;
        Assert.Equal("tampered", verdict);
        Assert.Contains($"class=\"verdict {verdict}\"", report, StringComparison.Ordinal);

        // Without the CSRF token, or without the session, nothing happens.
        using (var noCsrf = await browser.PostAsync($"quarantine/view/{ids[unsigned.Uid]}/release", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = new string('0', 64) })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noCsrf.StatusCode);
        }
        using (var anonymous = new HttpClient { BaseAddress = gw.BaseUri })
        using (var noSession = await anonymous.PostAsync($"quarantine/view/{ids[unsigned.Uid]}/delete", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);
        }
        Assert.Equal(2, gw.Service.CountIn("quarantine"));

        using (var release = await browser.PostAsync($"quarantine/view/{ids[unsigned.Uid]}/release", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf })))
        {
            Assert.True(release.IsSuccessStatusCode, await release.Content.ReadAsStringAsync());
        }
        using (var delete = await browser.PostAsync($"quarantine/view/{ids[tampered.Uid]}/delete", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf })))
        {
            Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        }
        await gw.DrainAsync();
        Assert.Equal(0, gw.Service.CountIn("quarantine"));
        for (var wait = 0; gw.Service.Archive.Count == 0 && wait < 300; wait++)
        {
            await Task.Delay(100); // the archive moves the file out of the outbox first and indexes it just after
        }
        Assert.Equal(1, gw.Service.Archive.Count); // released into the embedded archive
        var audit = File.ReadAllLines(Path.Combine(gw.Service.Root, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Contains(audit, a => a.GetProperty("event").GetString() == "released" && a.GetProperty("actor").GetString() == "admin:dr-web" && a.GetProperty("sopInstanceUid").GetString() == unsigned.Uid);
        Assert.Contains(audit, a => a.GetProperty("event").GetString() == "deleted" && a.GetProperty("actor").GetString() == "admin:dr-web" && a.GetProperty("sopInstanceUid").GetString() == tampered.Uid);
    }

    [GeneratedRegex("name=\"csrf\" value=\"([0-9a-f]+)\"")]
    private static partial Regex Csrf();
}
