using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using RadSeal.Imaging;
using RadSeal.Server;
using RadSeal.Server.Training;
using RadSeal.Training.CaseSets;

namespace RadSeal.Training.Tests;

/// <summary>
/// End to end in Debian's Chromium (driven by Playwright, never a downloaded browser): an admin signs in, imports a case
/// set, creates a blinded + informed study and issues two invitations; two readers join and answer every case; the
/// metrics page must show what this test computes on its own from the raw answers (CSV export).
/// </summary>
public sealed class BrowserTests : IAsyncLifetime
{
    internal const string Chromium = "/usr/bin/chromium";
    private const string AdminPassword = "admin-password-for-e2e";
    private readonly string _dir = Directory.CreateTempSubdirectory("radseal-e2e-").FullName;
    private WebApplication? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _base = "";

    public async Task InitializeAsync()
    {
        (_app, _playwright, _browser) = await StartAsync(new TrainingHostOptions { Db = Path.Combine(_dir, "e2e.db"), AdminPassword = AdminPassword, PasswordIterations = 1000 });
        _base = _app.Urls.First();
    }

    /// <summary>The server on a free loopback port, and Debian's Chromium under Playwright.</summary>
    internal static async Task<(WebApplication, IPlaywright, IBrowser)> StartAsync(TrainingHostOptions options)
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: install the Debian package 'chromium' (scripts/test.sh does).");
        }
        var app = RadSealServer.Build(new ServerOptions { Urls = ["http://127.0.0.1:0"], Training = options });
        await app.StartAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        return (app, playwright, browser);
    }

    internal static async Task SignInAsync(IPage page, string password)
    {
        await page.GotoAsync("/training/login");
        await page.FillAsync("input[name=username]", TrainingHost.AdminUsername);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("#login-form button");
    }

    internal static async Task StopAsync(WebApplication? app, IPlaywright? playwright, IBrowser? browser)
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }
        playwright?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync(_app, _playwright, _browser);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    private async Task<IPage> NewPageAsync() => await (await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = _base })).NewPageAsync();

    /// <summary>Three real radiographs (Kermany, CC BY 4.0) and three mirrored versions, with the public CSV layout.</summary>
    private string[] CaseSetFiles(bool broken)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, broken ? "broken" : "set")).FullName;
        var csv = new StringBuilder("Image_Name,Real_or_AI,Reasoning\n");
        for (var i = 0; i < 3; i++)
        {
            var real = ImportTests.Real(i);
            File.WriteAllBytes(Path.Combine(folder, real.Name), real.Bytes);
            File.WriteAllBytes(Path.Combine(folder, $"mirror-{i}.png"), PngCodec.EncodeGray(DemoCaseSet.Mirror(ImageFiles.Decode(real.Bytes))));
            csv.Append(CultureInfo.InvariantCulture, $"{real.Name},Real,acquired\nmirror-{i}.png,{(broken && i == 0 ? "Perhaps" : "AI")},mirrored\n");
        }
        if (broken)
        {
            csv.Append("absent.png,AI,not uploaded\n");
        }
        File.WriteAllText(Path.Combine(folder, "labels.csv"), csv.ToString());
        return Directory.GetFiles(folder);
    }

    [Fact]
    public async Task Admin_imports_creates_a_two_phase_study_two_readers_answer_and_the_metrics_match_the_raw_answers()
    {
        // Admin signs in.
        var admin = await NewPageAsync();
        await admin.GotoAsync("/");
        await SignInAsync(admin, AdminPassword);
        await admin.GotoAsync("/training/admin");
        Assert.Contains("RadSeal demo", await admin.InnerTextAsync("#case-sets"), StringComparison.Ordinal);

        // A broken upload: every problem listed, nothing imported.
        await admin.FillAsync("#import-form input[name=name]", "Broken set");
        await admin.FillAsync("#import-form textarea[name=source]", "Kermany et al., CC BY 4.0");
        await admin.SetInputFilesAsync("#import-form input[name=files]", CaseSetFiles(broken: true));
        await admin.ClickAsync("#import-form button");
        var problems = await admin.InnerTextAsync("#problems");
        Assert.Contains("unknown label 'Perhaps'", problems, StringComparison.Ordinal);
        Assert.Contains("absent.png: no such file was uploaded", problems, StringComparison.Ordinal);
        await admin.GotoAsync("/training/admin");
        Assert.DoesNotContain("Broken set", await admin.InnerTextAsync("#case-sets"), StringComparison.Ordinal);

        // The good upload.
        await admin.FillAsync("#import-form input[name=name]", "E2E set");
        await admin.FillAsync("#import-form textarea[name=source]", "Kermany et al., CC BY 4.0, doi:10.17632/rscbjbr9sj.2; mirrored copies");
        await admin.SetInputFilesAsync("#import-form input[name=files]", CaseSetFiles(broken: false));
        await admin.ClickAsync("#import-form button");
        Assert.Equal("6 cases.", await admin.InnerTextAsync("#case-count"));

        // A blinded + informed study on that set, and two invitations.
        await admin.GotoAsync("/training/admin");
        await admin.FillAsync("#study-form input[name=name]", "E2E study");
        await admin.CheckAsync("#study-form label:has-text('E2E set') input");
        await admin.SelectOptionAsync("#study-form select[name=phase1]", "Blinded");
        await admin.SelectOptionAsync("#study-form select[name=phase2]", "Informed");
        await admin.ClickAsync("#study-form button");
        var studyUrl = admin.Url;
        var links = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            await admin.ClickAsync("#invite-form button");
            links.Add(await admin.GetAttributeAsync("#invitation-link", "href") ?? throw new InvalidOperationException("no link"));
        }

        // Two readers join and answer every case (12 each), their answers drawn from seeded random numbers.
        string[] experiences = ["Resident", "Radiologist 5 years or more"];
        for (var r = 0; r < 2; r++)
        {
            var reader = await NewPageAsync();
            await reader.GotoAsync(links[r]);
            await reader.FillAsync("input[name=username]", $"reader{r + 1}");
            await reader.FillAsync("input[name=display_name]", $"Reader {r + 1}");
            await reader.FillAsync("input[name=password]", $"reader-{r + 1}-password");
            await reader.SelectOptionAsync("select[name=experience]", experiences[r]);
            await reader.ClickAsync("#join-form button");
            var random = new Random(100 + r);
            for (var n = 0; n < 12; n++)
            {
                await reader.WaitForSelectorAsync("#viewer[data-ready='1']");
                if (n == 0 && Environment.GetEnvironmentVariable("RADSEAL_E2E_SCREENSHOTS") is { Length: > 0 } readerShots)
                {
                    await reader.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(readerShots, $"reader{r + 1}.png"), FullPage = true });
                }
                if (n == 0)
                {
                    // The viewer shows full resolution and windows on the client.
                    Assert.Equal("224", await reader.GetAttributeAsync("#viewer", "data-width"));
                    var drawn = await reader.GetAttributeAsync("#viewer", "data-drawn");
                    await reader.FillAsync("#wl-width", "40");
                    await reader.WaitForFunctionAsync($"document.getElementById('viewer').dataset.drawn !== '{drawn}'");
                }
                await reader.WaitForTimeoutAsync(5); // a measurable time per case
                if (await reader.Locator("input[name=quality]").CountAsync() > 0)
                {
                    await reader.CheckAsync($"input[name=quality][value='{random.Next(1, 6)}']");
                    if (random.Next(2) == 0)
                    {
                        await reader.CheckAsync("input[name=flag]");
                    }
                }
                else
                {
                    await reader.CheckAsync($"input[name=call][value='{(random.Next(2) == 0 ? "real" : "ai")}']");
                    await reader.CheckAsync($"input[name=confidence][value='{random.Next(1, 6)}']");
                }
                await reader.ClickAsync("#submit-answer");
            }
            await reader.WaitForSelectorAsync("#study-complete");
            // Readers are kept out of admin pages.
            var forbidden = await reader.APIRequest.GetAsync(studyUrl.Replace(_base, "", StringComparison.Ordinal) + "/metrics");
            Assert.Equal(403, forbidden.Status);
        }

        // The raw answers, and the metrics recomputed here, independently of RadSeal.Training.Metrics.
        var csvResponse = await admin.APIRequest.GetAsync(studyUrl + "/answers.csv");
        Assert.Equal(200, csvResponse.Status);
        var rows = (await csvResponse.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(24, rows.Count);
        Assert.All(rows, row => Assert.True(long.Parse(row[11], CultureInfo.InvariantCulture) >= 0, "time per case saved"));
        var expected = new Dictionary<string, string>();
        foreach (var phase in new[] { "1", "2" })
        {
            var inPhase = rows.Where(row => row[2] == phase).ToList();
            Expect(expected, $"p{phase}-cohort", inPhase);
            foreach (var reader in inPhase.GroupBy(row => row[0]))
            {
                Expect(expected, $"p{phase}-reader-{reader.Key}", [.. reader]);
            }
            // Fleiss' κ for two raters, from its definition.
            var byCase = inPhase.GroupBy(row => row[4]).Select(g => g.Count(row => Call(row) == "AI")).ToList();
            var agreement = byCase.Average(ai => (ai * ai + (2 - ai) * (2 - ai) - 2) / 2.0);
            var share = byCase.Sum() / (2.0 * byCase.Count);
            var chance = share * share + (1 - share) * (1 - share);
            expected[$"p{phase}-kappa"] = chance >= 1 ? "–" : F((agreement - chance) / (1 - chance));
        }
        // McNemar's discordant counts: right when blinded only / when informed only, per (reader, case).
        var blinded = rows.Where(row => row[2] == "1").ToDictionary(row => (row[0], row[4]), row => row[5] == Call(row));
        var informed = rows.Where(row => row[2] == "2").ToDictionary(row => (row[0], row[4]), row => row[5] == Call(row));
        expected["mcnemar-only-blinded"] = blinded.Count(p => p.Value && !informed[p.Key]).ToString(CultureInfo.InvariantCulture);
        expected["mcnemar-only-informed"] = blinded.Count(p => !p.Value && informed[p.Key]).ToString(CultureInfo.InvariantCulture);

        await admin.GotoAsync(studyUrl + "/metrics");
        if (Environment.GetEnvironmentVariable("RADSEAL_E2E_SCREENSHOTS") is { Length: > 0 } shots)
        {
            await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "metrics.png"), FullPage = true });
        }
        foreach (var (metric, value) in expected)
        {
            Assert.True(await admin.Locator($"[data-metric='{metric}']").CountAsync() == 1, $"the metrics page has no {metric}");
            Assert.Equal((metric, value), (metric, await admin.InnerTextAsync($"[data-metric='{metric}']")));
        }
        Assert.Equal(1, await admin.Locator("svg.roc").CountAsync()); // the informed phase's (the blinded one asks no confidence)
        Assert.Equal(2, await admin.Locator("svg.accuracy").CountAsync());
    }

    /// <summary>The call as docs/training.md defines it, from the raw columns: blinded rows by the flag, others as answered.</summary>
    private static string Call(string[] row)
    {
        var call = row[3] == "Blinded" ? (row[10] == "1" ? "AI" : "Real") : row[6];
        Assert.Equal(call, row[7]); // the export's effective_call agrees
        return call;
    }

    private static string F(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    /// <summary>Accuracy, sensitivity, specificity and AUC (pairwise, ties ½) from CSV rows.</summary>
    private static void Expect(Dictionary<string, string> expected, string prefix, List<string[]> rows)
    {
        static double? Ratio(int a, int b) => b == 0 ? null : (double)a / b;
        int tp = rows.Count(r => r[5] == "AI" && Call(r) == "AI"), pos = rows.Count(r => r[5] == "AI");
        int tn = rows.Count(r => r[5] == "Real" && Call(r) == "Real"), neg = rows.Count(r => r[5] == "Real");
        expected[prefix + "-n"] = rows.Count.ToString(CultureInfo.InvariantCulture);
        expected[prefix + "-accuracy"] = F(Ratio(tp + tn, rows.Count));
        expected[prefix + "-sensitivity"] = F(Ratio(tp, pos));
        expected[prefix + "-specificity"] = F(Ratio(tn, neg));
        if (rows[0][8].Length > 0)
        {
            static int Rating(string[] r) => r[6] == "AI" ? 5 + int.Parse(r[8], CultureInfo.InvariantCulture) : 6 - int.Parse(r[8], CultureInfo.InvariantCulture);
            var p = rows.Where(r => r[5] == "AI").Select(Rating).ToList();
            var n = rows.Where(r => r[5] == "Real").Select(Rating).ToList();
            expected[prefix + "-auc"] = F(p.Sum(a => n.Sum(b => a > b ? 1.0 : a == b ? 0.5 : 0)) / (p.Count * n.Count));
        }
        else
        {
            expected[prefix + "-auc"] = "–";
        }
    }
}
