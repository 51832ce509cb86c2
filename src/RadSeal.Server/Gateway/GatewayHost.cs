using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using RadSeal.Server.Endpoints;

namespace RadSeal.Server.Gateway;

/// <summary>Service registration and endpoint mapping for the gateway.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>Adds the gateway pipeline (a hosted service) and its OpenTelemetry metrics with the Prometheus exporter.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, GatewayOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<GatewayService>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayService>());
        if (options.DicomPort is not null)
        {
            // After the pipeline: the listener's handler needs the spool open.
            services.AddSingleton<DicomListener>();
            services.AddHostedService(sp => sp.GetRequiredService<DicomListener>());
        }
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(GatewayMetrics.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>Maps DICOMweb, quarantine, /gateway, /health and the Prometheus scrape endpoint /metrics.</summary>
    public static IEndpointRouteBuilder MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGatewayEndpoints();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
