using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace RadSeal.Cli.Tests;

/// <summary>
/// `radseal serve` with no training options: the reader-study app answers at / with the demo case set, and the admin
/// password printed once on the first start signs in. A given password (env:NAME) is used instead and never printed.
/// </summary>
public sealed partial class ServeTrainingTests : IDisposable
{
    private readonly TempDir _dir = new();

    private sealed class Served : IDisposable
    {
        public required Process Process { get; init; }
        public required string Url { get; init; }
        public required ConcurrentQueue<string> Lines { get; init; }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit(10_000);
            }
            Process.Dispose();
        }
    }

    private static ProcessStartInfo Radseal(string workingDirectory, params string[] args)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "radseal");
        var start = File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "radseal.dll") } };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.WorkingDirectory = workingDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return start;
    }

    private static async Task<Served> StartAsync(ProcessStartInfo start)
    {
        var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("server exited: " + string.Join('\n', stderr)));
                return;
            }
            lines.Enqueue(e.Data);
            if (e.Data.StartsWith("listening ", StringComparison.Ordinal))
            {
                listening.TrySetResult(e.Data.Split(' ')[1]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await Task.Delay(200); // the admin line follows the listening line
        return new Served { Process = process, Url = url, Lines = lines };
    }

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    private static async Task<HttpStatusCode> SignInAsync(string url, string password)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url + "/") };
        var home = await client.GetAsync("");
        Assert.Equal("/training/", home.RequestMessage!.RequestUri!.AbsolutePath); // / redirects to the app
        var login = await client.GetStringAsync("training/login");
        var token = CsrfField().Match(login).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = WebUtility.HtmlDecode(token), ["username"] = "admin", ["password"] = password, ["returnUrl"] = "/training/admin" });
        using var signedIn = await client.PostAsync("training/login", form);
        if (signedIn.StatusCode != HttpStatusCode.OK)
        {
            return signedIn.StatusCode;
        }
        Assert.Contains("RadSeal demo", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the demo case set is there
        // Without the antiforgery token a form post is refused.
        using var forged = await client.PostAsync("training/admin/studies", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        return HttpStatusCode.OK;
    }

    [Fact]
    public void Serve_gives_the_training_app_the_pixel_detector_for_its_heatmaps()
    {
        var options = ServeCommand.ToServerOptions(new ServeCommand.ServeSettings(_dir.File("d.db"), "http://127.0.0.1:0"));
        var detector = Assert.IsType<RadSeal.Forensics.Pixels.PixelDetector>(options.Training?.Detector);
        Assert.StartsWith("radseal-pixel", detector.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_no_options_shows_the_app_and_the_printed_admin_password_signs_in()
    {
        string password;
        using (var served = await StartAsync(Radseal(_dir.Path, "serve", "--urls", "http://127.0.0.1:0", "--dicom-port", "0")))
        {
            var line = Assert.Single(served.Lines, l => l.StartsWith("training admin created:", StringComparison.Ordinal));
            password = Regex.Match(line, "password (\\S+) ").Groups[1].Value;
            Assert.Equal(20, password.Length);
            Assert.True(File.Exists(Path.Combine(_dir.Path, "radseal.db"))); // the default store, in the current folder
            Assert.Equal(HttpStatusCode.OK, await SignInAsync(served.Url, password));
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(served.Url, password + "x"));
        }
        // A second start on the same store prints no password: the admin exists, and the first password still works.
        using (var again = await StartAsync(Radseal(_dir.Path, "serve", "--urls", "http://127.0.0.1:0", "--dicom-port", "0")))
        {
            Assert.DoesNotContain(again.Lines, l => l.Contains("password", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.OK, await SignInAsync(again.Url, password));
        }
    }

    [Fact]
    public async Task An_admin_password_from_the_environment_is_used_and_not_printed()
    {
        var start = Radseal(_dir.Path, "serve", "--db", _dir.File("env.db"), "--urls", "http://127.0.0.1:0", "--dicom-port", "0", "--admin-password", "env:RADSEAL_TEST_ADMIN");
        start.Environment["RADSEAL_TEST_ADMIN"] = "a-long-admin-password";
        using var served = await StartAsync(start);
        Assert.DoesNotContain(served.Lines, l => l.Contains("password", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(served.Url, "a-long-admin-password"));
    }

    [Fact]
    public void A_literal_or_missing_admin_password_is_a_usage_error()
    {
        var (exit, _, err) = Run("serve", "--db", _dir.File("x.db"), "--admin-password", "hunter2-hunter2");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("env:NAME or file:PATH", err, StringComparison.Ordinal);
        (exit, _, err) = Run("serve", "--db", _dir.File("x.db"), "--admin-password", "env:RADSEAL_SURELY_UNSET_VARIABLE");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("RADSEAL_SURELY_UNSET_VARIABLE is not set", err, StringComparison.Ordinal);
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public void Dispose() => _dir.Dispose();
}
