using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RadSeal.Cli.Log;
using RadSeal.Forensics.Pixels;
using RadSeal.Server;
using RadSeal.Server.Ledger;
using RadSeal.Server.Training;

namespace RadSeal.Cli;

/// <summary>
/// `radseal serve`: the whole RadSeal host on embedded defaults (one SQLite file, 127.0.0.1:5080). Each capability
/// (ledger, training app, gateway) adds its options here and its part of <see cref="ServerOptions"/>.
/// </summary>
internal static class ServeCommand
{
    public const string DefaultDb = "radseal.db";
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = new Option<string>("--db") { Description = $"The store: a SQLite file (created on first use; default {DefaultDb}), or postgresql://user@host:port/db", DefaultValueFactory = _ => DefaultDb };
        var urls = new Option<string>("--urls") { Description = $"Where the web app and APIs listen (default {DefaultUrls}; port 0 picks a free port); several separated by ';'", DefaultValueFactory = _ => DefaultUrls };
        var adminPassword = new Option<string?>("--admin-password") { Description = "The training app's first admin password, used only while no admin exists: env:NAME or file:PATH (default: a random one, printed once)" };
        var noDemo = new Option<bool>("--no-demo") { Description = "Do not install the bundled demo case set into an empty training store" };
        var command = new Command("serve", "Run the RadSeal server: web app, ledger API and the gateway until SIGINT/SIGTERM") { db, urls };
        command.Options.Add(adminPassword);
        command.Options.Add(noDemo);
        var gateway = GatewayServeOptions.AddTo(command);
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(new ServeSettings(result.GetValue(db)!, result.GetValue(urls)!)
        {
            AdminPassword = ReadSecret(result.GetValue(adminPassword)),
            InstallDemo = !result.GetValue(noDemo),
            Gateway = gateway.Read(result),
        }, stdout, stderr)));
        return command;
    }

    /// <summary>What the options asked for.</summary>
    internal sealed record ServeSettings(string Db, string Urls)
    {
        /// <summary>The training app's first admin password; null: generate one.</summary>
        public string? AdminPassword { get; init; }

        public bool InstallDemo { get; init; } = true;

        /// <summary>The gateway's options (docs/gateway.md), or null to run no gateway.</summary>
        public GatewayServeSettings? Gateway { get; init; }
    }

    /// <summary>A secret from env:NAME or file:PATH, so it never sits in the process list or shell history.</summary>
    internal static string? ReadSecret(string? reference)
    {
        if (reference is null)
        {
            return null;
        }
        string? value;
        if (reference.StartsWith("env:", StringComparison.Ordinal))
        {
            value = Environment.GetEnvironmentVariable(reference[4..]);
            if (string.IsNullOrEmpty(value))
            {
                throw new LogVerbException(ExitCodes.Usage, $"--admin-password: the environment variable {reference[4..]} is not set");
            }
        }
        else if (reference.StartsWith("file:", StringComparison.Ordinal))
        {
            try
            {
                value = File.ReadAllText(reference[5..]).TrimEnd('\r', '\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LogVerbException(ExitCodes.IOError, $"--admin-password: {e.Message}");
            }
        }
        else
        {
            throw new LogVerbException(ExitCodes.Usage, "--admin-password takes env:NAME or file:PATH, not the password itself");
        }
        if (value.Length < 12)
        {
            throw new LogVerbException(ExitCodes.Usage, "--admin-password: the password needs 12 characters or more");
        }
        return value;
    }

    internal static ServerOptions ToServerOptions(ServeSettings settings)
    {
        var token = LogServeCommand.EnsureSubmitToken(settings.Db, tokenFile: null, out _);
        return new ServerOptions
        {
            Urls = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            // The audit/transparency ledger lives in the same store as everything else the server keeps.
            Ledger = new LedgerHostOptions { Db = settings.Db, SubmitTokens = [token] },
            // The reader-study app in the same store (tables training_*), with the demo case set on first start.
            // The pixel detector gives the training phase its heatmaps (shown only after a reader has answered).
            Training = new TrainingHostOptions { Db = settings.Db, AdminPassword = settings.AdminPassword, InstallDemo = settings.InstallDemo, Detector = PixelDetector.LoadDefault() },
            // Quarantine release/delete take the same operator token as ledger submissions (the {db}.token file).
            Gateway = settings.Gateway is { } g ? GatewayServeOptions.ToGatewayOptions(g, settings.Db, token) : null,
        };
    }

    private static async Task<int> RunAsync(ServeSettings settings, TextWriter stdout, TextWriter stderr)
    {
        var app = RadSealServer.Build(ToServerOptions(settings));
        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                throw new LogVerbException(ExitCodes.IOError, $"cannot serve on {settings.Urls}: {e.Message}");
            }
            // One line per fact, so scripts and tests can read where the server listens.
            stdout.WriteLine($"listening {string.Join(' ', app.Urls)}");
            if (app.Services.GetService<TrainingHost>()?.GeneratedAdminPassword is { } password)
            {
                // Shown once: only its PBKDF2 hash is stored. Change it at /training/account after signing in.
                stdout.WriteLine($"training admin created: username {TrainingHost.AdminUsername}, password {password} (shown once; change it at /training/account)");
            }
            if (app.Services.GetService(typeof(RadSeal.Server.Gateway.GatewayService)) is RadSeal.Server.Gateway.GatewayService gateway)
            {
                if (gateway.Options.Mode == RadSeal.Server.Gateway.GatewayMode.Gate && gateway.Options.TrustAnchors.Count == 0)
                {
                    stderr.WriteLine("radseal: serve: no --trust given: the gate trusts no signer and quarantines every signed image");
                }
                if (app.Services.GetService(typeof(RadSeal.Server.Gateway.DicomListener)) is RadSeal.Server.Gateway.DicomListener listener && listener.EndPoint is { } dicom)
                {
                    stdout.WriteLine($"dicom {gateway.Options.AeTitle}@{dicom}");
                }
                stdout.WriteLine($"gateway {gateway.Options.Mode.ToString().ToLowerInvariant()} spool {gateway.Root} forward {gateway.Forwarder.Target}");
            }
            stdout.Flush();
            await app.WaitForShutdownAsync();
        }
        return ExitCodes.Ok;
    }
}
