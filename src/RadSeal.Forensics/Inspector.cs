using System.Security.Cryptography.X509Certificates;
using RadSeal.Forensics.C2pa;
using RadSeal.Forensics.Layers;
using RadSeal.Forensics.Metadata;
using RadSeal.Forensics.Pixels;
using RadSeal.Provenance.Verification;

namespace RadSeal.Forensics;

/// <summary>What the inspector checks with. Every layer is optional: what is not configured reports "not checked".</summary>
public sealed record InspectorOptions
{
    /// <summary>Verifies DICOM digital signatures (the policy of `radseal verify`); null: signatures not checked.</summary>
    public VerificationPolicy? SignaturePolicy { get; init; }

    /// <summary>Trust anchors for RadSeal watermark signers; null: watermark not checked.</summary>
    public X509Certificate2Collection? WatermarkTrust { get; init; }

    /// <summary>A transparency log to check inclusion in (its URL or store, and its key); null: ledger not checked.</summary>
    public LedgerSource? Ledger { get; init; }

    /// <summary>Trust anchors for C2PA signers. Without them a valid manifest is reported but never proves authenticity.</summary>
    public X509Certificate2Collection? C2paTrust { get; init; }

    /// <summary>The pixel detector; null: pixels not checked.</summary>
    public IPixelDetector? PixelDetector { get; init; }

    /// <summary>Scores at or above this make the pixel layer's finding a warning (see docs/forensics.md).</summary>
    public double PixelThreshold { get; init; } = PixelEvidenceLayer.DefaultThreshold;

    /// <summary>Keep a small PNG of each image in its report (for the HTML report).</summary>
    public bool Thumbnails { get; init; }

    /// <summary>Longest side of a thumbnail, in pixels.</summary>
    public int ThumbnailSize { get; init; } = 320;
}

/// <summary>
/// Runs every layer of evidence over a file and decides one verdict from their outcomes. Thread-safe: one inspector
/// serves a whole folder in parallel.
/// </summary>
public sealed class Inspector
{
    private readonly InspectorOptions options;

    public Inspector(InspectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        EvidenceLayers =
        [
            new RadSealProofLayer(options.SignaturePolicy, options.WatermarkTrust, options.Ledger),
            new C2paLayer(options.C2paTrust),
            new MetadataLayer(),
            new PixelEvidenceLayer(options.PixelDetector, options.PixelThreshold),
        ];
    }

    /// <summary>The layers in the order they run and report.</summary>
    public IReadOnlyList<IEvidenceLayer> EvidenceLayers { get; }

    /// <summary>Inspects one file. An unreadable file gives a report with <see cref="InspectionReport.Error"/> set, not an exception.</summary>
    public async Task<InspectionReport> InspectAsync(string path, CancellationToken cancellationToken = default)
    {
        Subject subject;
        try
        {
            subject = Subject.Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new InspectionReport(path, Verdict.NoEvidence, []) { Error = ex.Message };
        }
        return await InspectAsync(subject, cancellationToken).ConfigureAwait(false);
    }

    public async Task<InspectionReport> InspectAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var results = new List<LayerResult>(EvidenceLayers.Count);
        foreach (var layer in EvidenceLayers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(await layer.InspectAsync(subject, cancellationToken).ConfigureAwait(false));
        }
        var report = new InspectionReport(subject.Path, Decide(results), results);
        return options.Thumbnails ? report with { Thumbnail = ReportImages.Thumbnail(subject, report, options.ThumbnailSize) } : report;
    }

    /// <summary>
    /// The verdict from the layers' outcomes, strongest evidence first: proof of change beats everything; then proof of
    /// authenticity from a trusted signer; then a signed AI declaration; then circumstantial findings. Nothing else
    /// ever yields "authentic".
    /// </summary>
    public static Verdict Decide(IReadOnlyList<LayerResult> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var outcomes = layers.Select(l => l.Outcome).ToHashSet();
        if (outcomes.Contains(LayerOutcome.Tampered))
        {
            return Verdict.Tampered;
        }
        if (outcomes.Contains(LayerOutcome.Proven))
        {
            return Verdict.Authentic;
        }
        if (outcomes.Contains(LayerOutcome.DeclaredAi))
        {
            return Verdict.DeclaredAi;
        }
        return outcomes.Contains(LayerOutcome.Suspicious) ? Verdict.Suspicious : Verdict.NoEvidence;
    }
}
