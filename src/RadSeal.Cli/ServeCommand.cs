using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using RadSeal.Cli.Log;
using RadSeal.Server;
using RadSeal.Server.Ledger;

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
        var command = new Command("serve", "Run the RadSeal server: web app, ledger API and the gateway until SIGINT/SIGTERM") { db, urls };
        var gateway = GatewayServeOptions.AddTo(command);
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(new ServeSettings(result.GetValue(db)!, result.GetValue(urls)!) { Gateway = gateway.Read(result) }, stdout, stderr)));
        return command;
    }

    /// <summary>What the options asked for.</summary>
    internal sealed record ServeSettings(string Db, string Urls)
    {
        /// <summary>The gateway's options (docs/gateway.md), or null to run no gateway.</summary>
        public GatewayServeSettings? Gateway { get; init; }
    }

    internal static ServerOptions ToServerOptions(ServeSettings settings)
    {
        var token = LogServeCommand.EnsureSubmitToken(settings.Db, tokenFile: null, out _);
        return new ServerOptions
        {
            Urls = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            // The audit/transparency ledger lives in the same store as everything else the server keeps.
            Ledger = new LedgerHostOptions { Db = settings.Db, SubmitTokens = [token] },
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
