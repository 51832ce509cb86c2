using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RadSeal.Ledger.Storage;
using RadSeal.Server;
using RadSeal.Server.Ledger;

namespace RadSeal.Cli.Log;

/// <summary>`radseal log serve --db PATH --urls URL`: the ledger's HTTP API until SIGINT/SIGTERM.</summary>
internal static class LogServeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = new Option<string>("--db") { Description = "The log's store: a SQLite file (created on first use), or postgresql://user@host:port/db", Required = true };
        var urls = new Option<string>("--urls") { Description = "Where to listen, e.g. http://127.0.0.1:8080 (port 0 picks a free port); several separated by ';'", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var origin = new Option<string?>("--origin") { Description = "Origin line (and key name) of a new log; an existing log keeps its own" };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding the bearer token that may add entries (default for SQLite: DB.token, created if absent)" };
        var command = new Command("serve", "Serve the log over HTTP: C2SP tlog-tiles at the root, add-entry and proofs under /log/v1/") { db, urls, origin, tokenFile };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(result.GetValue(db)!, result.GetValue(urls)!, result.GetValue(origin), result.GetValue(tokenFile), stdout)));
        return command;
    }

    /// <summary>Reads the bearer token that may add entries from tokenFile (default DB.token, created with a random token).</summary>
    internal static string EnsureSubmitToken(string db, string? tokenFile, out string tokenPath)
    {
        tokenPath = tokenFile ?? (LogStores.IsPostgres(db)
            ? throw new LogVerbException(ExitCodes.Usage, "a PostgreSQL log needs --token-file")
            : db + ".token");
        if (!File.Exists(tokenPath))
        {
            LogCli.WriteAtomically(tokenPath, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n", secret: true);
        }
        var token = File.ReadAllText(tokenPath).Trim();
        if (token.Length < 16)
        {
            throw new LogVerbException(ExitCodes.InvalidInput, $"{tokenPath}: a submit token has at least 16 characters");
        }
        return token;
    }

    private static async Task<int> RunAsync(string db, string urls, string? origin, string? tokenFile, TextWriter stdout)
    {
        var token = EnsureSubmitToken(db, tokenFile, out var tokenPath);
        var app = RadSealServer.Build(new ServerOptions
        {
            Urls = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Ledger = new LedgerHostOptions { Db = db, Origin = origin, SubmitTokens = [token] },
        });
        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException && e is not LogVerbException)
            {
                throw new LogVerbException(ExitCodes.IOError, $"cannot serve on {urls}: {e.Message}");
            }
            var ledger = app.Services.GetRequiredService<LedgerHost>();
            // One line per fact, so scripts (and the crash test) can read where the log listens and its key.
            stdout.WriteLine($"listening {string.Join(' ', app.Urls)}");
            stdout.WriteLine($"origin {ledger.Log.Origin}");
            stdout.WriteLine($"key {ledger.Log.PublicKey}");
            stdout.WriteLine($"token-file {Path.GetFullPath(tokenPath)}");
            stdout.Flush();
            await app.WaitForShutdownAsync();
        }
        return ExitCodes.Ok;
    }
}
