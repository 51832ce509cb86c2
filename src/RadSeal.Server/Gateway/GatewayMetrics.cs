using System.Diagnostics.Metrics;

namespace RadSeal.Server.Gateway;

/// <summary>The gateway's instruments (meter "RadSeal.Gateway"), exported in Prometheus format at /metrics.</summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "RadSeal.Gateway";

    private readonly Meter _meter = new(MeterName);

    public GatewayMetrics()
    {
        Received = _meter.CreateCounter<long>("radseal.gateway.received", "{instance}", "Instances stored durably in the spool");
        Rejected = _meter.CreateCounter<long>("radseal.gateway.rejected", "{instance}", "Uploads refused at ingest (not DICOM, no UID, too large)");
        Accepted = _meter.CreateCounter<long>("radseal.gateway.accepted", "{instance}", "Instances that passed every check (or were signed at the edge)");
        Quarantined = _meter.CreateCounter<long>("radseal.gateway.quarantined", "{instance}", "Instances put in quarantine");
        Forwarded = _meter.CreateCounter<long>("radseal.gateway.forwarded", "{instance}", "Instances delivered to the forward target or archive");
        ForwardFailures = _meter.CreateCounter<long>("radseal.gateway.forward_failures", "{attempt}", "Forward attempts that failed");
        CheckSeconds = _meter.CreateHistogram<double>("radseal.gateway.check.duration", "s", "Time to run every check on one instance");
    }

    public Counter<long> Received { get; }

    public Counter<long> Rejected { get; }

    public Counter<long> Accepted { get; }

    public Counter<long> Quarantined { get; }

    public Counter<long> Forwarded { get; }

    public Counter<long> ForwardFailures { get; }

    public Histogram<double> CheckSeconds { get; }

    internal void Observe(GatewayService service)
    {
        _meter.CreateObservableGauge("radseal.gateway.spool", () => new[]
        {
            new Measurement<int>(service.CountIn("incoming"), new KeyValuePair<string, object?>("state", "incoming")),
            new Measurement<int>(service.CountIn("outbox"), new KeyValuePair<string, object?>("state", "outbox")),
            new Measurement<int>(service.CountIn("quarantine"), new KeyValuePair<string, object?>("state", "quarantine")),
        }, "{instance}", "Instances in the spool by state");
    }

    public void Dispose() => _meter.Dispose();
}
