using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RadSeal.Server.Endpoints;
using RadSeal.Server.Gateway;
using RadSeal.Server.Ledger;
using RadSeal.Server.Training;

namespace RadSeal.Server;

/// <summary>What the host serves. Each capability is optional; one that is not configured maps no endpoints.</summary>
public sealed record ServerOptions
{
    /// <summary>Where Kestrel listens (e.g. http://127.0.0.1:8080; port 0 picks a free one).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8080"];

    /// <summary>The transparency ledger, or null to serve none.</summary>
    public LedgerHostOptions? Ledger { get; init; }

    /// <summary>The clinician-training reader-study app (at / and /training/), or null to serve none.</summary>
    public TrainingHostOptions? Training { get; init; }

    /// <summary>The gateway (spool, checks, forward, quarantine, DICOMweb), or null to run none.</summary>
    public GatewayOptions? Gateway { get; init; }
}

/// <summary>
/// The RadSeal HTTP host. Setup stays here and small: each capability adds its services and maps its endpoints from
/// its own files (Endpoints/LedgerEndpoints.cs, ...).
/// </summary>
public static class RadSealServer
{
    /// <summary>Builds the application (start it with RunAsync or StartAsync).</summary>
    public static WebApplication Build(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (options.Ledger is { } ledger)
        {
            builder.Services.AddLedger(ledger);
        }
        if (options.Training is { } training)
        {
            builder.Services.AddTraining(training);
        }
        if (options.Gateway is { } gateway)
        {
            builder.Services.AddGateway(gateway);
        }
        var app = builder.Build();
        if (options.Ledger is not null)
        {
            app.MapLedgerEndpoints();
        }
        if (options.Training is not null)
        {
            app.MapTraining();
        }
        if (options.Gateway is not null)
        {
            app.MapGateway();
        }
        return app;
    }
}
