namespace RadSeal.Forensics.Pixels;

/// <summary>What the pixel detector concluded about one image.</summary>
/// <param name="ProbabilitySynthetic">Calibrated probability (0..1) that the image is synthetic.</param>
/// <param name="Heatmap">Patch-level evidence, row-major, <paramref name="HeatmapWidth"/> × <paramref name="HeatmapHeight"/>
/// values in 0..1 (1 = the patch looks synthetic); empty when the detector gives none.</param>
/// <param name="HeatmapWidth">Patches across.</param>
/// <param name="HeatmapHeight">Patches down.</param>
/// <param name="Evidence">Plain-language sentences naming the features that weighed most, strongest first.</param>
public sealed record PixelScore(
    double ProbabilitySynthetic,
    IReadOnlyList<float> Heatmap,
    int HeatmapWidth,
    int HeatmapHeight,
    IReadOnlyList<string> Evidence);
