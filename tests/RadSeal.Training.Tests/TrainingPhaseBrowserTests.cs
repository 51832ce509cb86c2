using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;
using RadSeal.Ledger.Tests.Support;
using RadSeal.Server.Training;

namespace RadSeal.Training.Tests;

/// <summary>
/// A stand-in with the detector contract's shape, so the test can check the app's plumbing (heatmap fetched after the
/// answer, drawn over the image). It is not a detector and claims nothing: a left-to-right ramp and a fixed score.
/// </summary>
internal sealed class RampHeatmap : IPixelDetector
{
    public string Name => "test-ramp (not a detector)";

    public PixelScore Score(GrayImage image, CancellationToken cancellationToken = default) =>
        new(0.25, [.. Enumerable.Range(0, 16).Select(i => i % 4 / 3f)], 4, 4, ["a fixed ramp"]);
}

/// <summary>
/// The same app on PostgreSQL: the admin signs in, sees the demo set installed into PostgreSQL, creates a training-phase
/// study; a reader answers cases and gets the feedback (truth, explanation, artefacts, heatmap).
/// </summary>
[Collection("postgres")]
public sealed class TrainingPhaseBrowserTests(PostgresCluster cluster) : IAsyncLifetime
{
    private const string Password = "admin-password-on-postgres";
    private WebApplication? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync() =>
        (_app, _playwright, _browser) = await BrowserTests.StartAsync(new TrainingHostOptions
        {
            Db = "pg:" + await cluster.NewDatabaseAsync(),
            AdminPassword = Password,
            PasswordIterations = 1000,
            Detector = new RampHeatmap(),
        });

    public Task DisposeAsync() => BrowserTests.StopAsync(_app, _playwright, _browser);

    private async Task<IPage> NewPageAsync() => await (await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = _app!.Urls.First() })).NewPageAsync();

    [Fact]
    public async Task On_postgresql_a_training_phase_shows_truth_explanation_and_heatmap_after_each_answer()
    {
        var admin = await NewPageAsync();
        await BrowserTests.SignInAsync(admin, Password);
        await admin.GotoAsync("/training/admin");
        await admin.ClickAsync("#case-sets a");
        Assert.Equal("12 cases.", await admin.InnerTextAsync("#case-count"));
        // The 16-bit phantom opens at full resolution with its own window.
        await admin.ClickAsync("text=phantom-chest-16bit.dcm");
        await admin.WaitForSelectorAsync("#viewer[data-ready='1']");
        Assert.Equal(("512", "16"), (await admin.GetAttributeAsync("#viewer", "data-width"), await admin.GetAttributeAsync("#viewer", "data-bits")));
        Assert.Equal("65535", await admin.GetAttributeAsync("#wl-center", "max"));
        if (Environment.GetEnvironmentVariable("RADSEAL_E2E_SCREENSHOTS") is { Length: > 0 } shots)
        {
            await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "phantom16.png") });
        }
        await admin.GotoAsync("/training/about");
        Assert.Contains("doi:10.17632/rscbjbr9sj.2", await admin.InnerTextAsync("main"), StringComparison.Ordinal); // the licence, shown

        await admin.GotoAsync("/training/admin");
        await admin.FillAsync("#study-form input[name=name]", "Training on PostgreSQL");
        await admin.CheckAsync("#study-form input[name=sets]");
        await admin.SelectOptionAsync("#study-form select[name=phase1]", "Training");
        await admin.SelectOptionAsync("#study-form select[name=phase2]", "");
        await admin.ClickAsync("#study-form button");
        await admin.ClickAsync("#invite-form button");
        var link = await admin.GetAttributeAsync("#invitation-link", "href");

        var reader = await NewPageAsync();
        await reader.GotoAsync(link!);
        await reader.FillAsync("input[name=username]", "trainee");
        await reader.FillAsync("input[name=display_name]", "Trainee");
        await reader.FillAsync("input[name=password]", "trainee-password");
        await reader.ClickAsync("#join-form button");
        string? firstKey = null;
        for (var n = 0; n < 3; n++)
        {
            await reader.WaitForSelectorAsync("#viewer[data-ready='1']");
            firstKey ??= await reader.GetAttributeAsync("input[name=case]", "value");
            Assert.Contains("real or synthetic", await reader.InnerTextAsync("#phase-intro"), StringComparison.Ordinal);
            var call = n % 2 == 0 ? "ai" : "real";
            await reader.CheckAsync($"input[name=call][value='{call}']");
            await reader.CheckAsync("input[name=confidence][value='3']");
            await reader.ClickAsync("#submit-answer");
            var truth = await reader.InnerTextAsync("#feedback-truth");
            var correct = truth.StartsWith("synthetic", StringComparison.Ordinal) == (call == "ai");
            Assert.StartsWith(correct ? "Correct" : "Not quite", await reader.InnerTextAsync("#feedback-verdict"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(await reader.InnerTextAsync("#feedback-explanation")));
            Assert.False(string.IsNullOrWhiteSpace(await reader.InnerTextAsync("#feedback-artefacts")));
            await reader.WaitForSelectorAsync("#viewer[data-heatmap-shown='1']");
            Assert.Contains("test-ramp", await reader.InnerTextAsync("#detector-score"), StringComparison.Ordinal);
            await reader.ClickAsync("#next-case");
        }
        // The reader's own answers, and nobody else's; the heatmap of a case not yet answered stays hidden.
        await reader.GotoAsync("/training/");
        await reader.ClickAsync("text=my answers");
        Assert.Equal(4, await reader.Locator("#my-answers tr").CountAsync());
        var next = await reader.GotoAsync("/training/studies/1/read");
        await reader.WaitForSelectorAsync("#viewer[data-ready='1']");
        var key = await reader.GetAttributeAsync("input[name=case]", "value");
        Assert.Equal(404, (await reader.APIRequest.GetAsync($"/training/cases/{key}/heatmap")).Status);
        Assert.Equal(200, next!.Status);
        // Answering out of order (here: the first case again) is refused, with a valid form token.
        var csrf = await reader.GetAttributeAsync("input[name=__csrf]", "value");
        var replay = await reader.APIRequest.PostAsync("/training/studies/1/answer", new APIRequestContextOptions
        {
            Form = reader.APIRequest.CreateFormData()
                .Set("__csrf", csrf!).Set("phase", "0").Set("case", firstKey!).Set("call", "ai").Set("confidence", "5").Set("elapsed_ms", "10"),
        });
        Assert.Equal(409, replay.Status);
        Assert.Contains("not the case to answer next", await replay.TextAsync(), StringComparison.Ordinal);
    }
}
