using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Storage;

namespace RadSeal.Server.Ledger;

/// <summary>How the server runs the ledger.</summary>
public sealed record LedgerHostOptions
{
    /// <summary>The store: a SQLite path, or a PostgreSQL URI / pg:connection-string (see LogStores.Open).</summary>
    public required string Db { get; init; }

    /// <summary>The origin for a new log (an existing log keeps its own).</summary>
    public string? Origin { get; init; }

    /// <summary>Bearer tokens allowed to add entries. None: adding is refused.</summary>
    public IReadOnlyList<string> SubmitTokens { get; init; } = [];

    /// <summary>The most entries per batch.</summary>
    public int MaxBatchSize { get; init; } = 4096;
}

/// <summary>Opens the log when the host starts (failing the start if the store does not check out) and closes it last.</summary>
public sealed class LedgerHost(LedgerHostOptions options) : IHostedService
{
    private readonly byte[][] _tokenHashes = [.. options.SubmitTokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];
    private ILogStore? _store;
    private TransparencyLog? _log;

    /// <summary>The open log.</summary>
    public TransparencyLog Log => _log ?? throw new InvalidOperationException("The ledger is not open.");

    /// <summary>True when the bearer token may add entries (constant-time over token hashes).</summary>
    public bool MaySubmit(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var ok = false;
        foreach (var hash in _tokenHashes)
        {
            ok |= CryptographicOperations.FixedTimeEquals(hash, presented);
        }
        return ok;
    }

    /// <summary>True when any submit token is configured.</summary>
    public bool SubmissionEnabled => _tokenHashes.Length > 0;

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _store = LogStores.Open(options.Db);
        try
        {
            _log = await TransparencyLog.OpenAsync(_store, new LogOptions { Origin = options.Origin, MaxBatchSize = options.MaxBatchSize }, cancellationToken);
        }
        catch
        {
            await _store.DisposeAsync();
            _store = null;
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Entries already queued are committed before the log closes.
        if (_log is not null)
        {
            await _log.DisposeAsync();
            _log = null;
        }
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }
    }
}

/// <summary>Service registration for the ledger.</summary>
public static class LedgerServiceCollectionExtensions
{
    /// <summary>Adds the ledger host as a singleton and a hosted service.</summary>
    public static IServiceCollection AddLedger(this IServiceCollection services, LedgerHostOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<LedgerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<LedgerHost>());
        return services;
    }
}
