using RadSeal.Forensics.Pixels;
using RadSeal.Watermark;

namespace RadSeal.Forensics;

/// <summary>One layer of evidence. Implementations are stateless and thread-safe: one serves a whole folder in parallel.</summary>
public interface IEvidenceLayer
{
    /// <summary>The layer's name in reports (<see cref="LayerNames"/>).</summary>
    string Name { get; }

    /// <summary>Examines one file. Never throws for bad input: a file the layer cannot read is a finding.</summary>
    Task<LayerResult> InspectAsync(Subject subject, CancellationToken cancellationToken = default);
}

/// <summary>What one layer concluded about one file.</summary>
/// <param name="TamperedBlocks">Blocks the watermark layer proved changed (for the tamper map); empty otherwise.</param>
/// <param name="PixelScore">The pixel detector's score with its heatmap, when the pixel layer ran.</param>
public sealed record LayerResult(string Layer, LayerOutcome Outcome, IReadOnlyList<Finding> Findings)
{
    public IReadOnlyList<BlockRect> TamperedBlocks { get; init; } = [];

    public PixelScore? PixelScore { get; init; }

    public static LayerResult NotChecked(string layer, string code, string message) =>
        new(layer, LayerOutcome.NotChecked, [Finding.Info(layer, code, message)]);
}

/// <summary>The verdict on one file, the findings that led there, and what each layer concluded.</summary>
public sealed record InspectionReport(string Path, Verdict Verdict, IReadOnlyList<LayerResult> Layers)
{
    /// <summary>Set when the file could not be read at all (no layer ran); the verdict is then no-evidence.</summary>
    public string? Error { get; init; }

    /// <summary>A small PNG of the image for reports, when <see cref="InspectorOptions.Thumbnails"/> is on and the pixels decode.</summary>
    public byte[]? Thumbnail { get; init; }

    /// <summary>Every finding of every layer, in layer order.</summary>
    public IReadOnlyList<Finding> Findings => Error is { } e
        ? [Finding.Fail(LayerNames.File, "UNREADABLE", e)]
        : [.. Layers.SelectMany(l => l.Findings)];

    /// <summary>The watermark tamper map's blocks, when the RadSeal layer proved a change.</summary>
    public IReadOnlyList<BlockRect> TamperedBlocks => [.. Layers.SelectMany(l => l.TamperedBlocks)];

    public PixelScore? PixelScore => Layers.Select(l => l.PixelScore).FirstOrDefault(s => s is not null);
}
