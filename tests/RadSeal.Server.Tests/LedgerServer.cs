using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RadSeal.Server.Ledger;

namespace RadSeal.Server.Tests;

/// <summary>A real Kestrel server with a SQLite ledger on a free loopback port, stopped and deleted at the end.</summary>
public sealed class LedgerServer : IAsyncDisposable
{
    public const string Token = "test-submit-token-0123456789";

    private readonly WebApplication _app;
    private readonly string _dir;

    private LedgerServer(WebApplication app, string dir, HttpClient client)
    {
        _app = app;
        _dir = dir;
        Client = client;
    }

    public HttpClient Client { get; }

    public LedgerHost Ledger => _app.Services.GetRequiredService<LedgerHost>();

    public static async Task<LedgerServer> StartAsync(bool withToken = true)
    {
        var dir = Path.Combine(Path.GetTempPath(), "radseal-server-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var app = RadSealServer.Build(new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Ledger = new LedgerHostOptions { Db = Path.Combine(dir, "log.db"), Origin = "radseal.test/ledger", SubmitTokens = withToken ? [Token] : [] },
        });
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/") };
        return new LedgerServer(app, dir, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }
}
