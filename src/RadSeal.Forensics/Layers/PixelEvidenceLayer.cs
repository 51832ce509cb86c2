using System.Globalization;
using RadSeal.Forensics.Pixels;

namespace RadSeal.Forensics.Layers;

/// <summary>
/// The pixel-forensics hook: hands frame 0 to an <see cref="IPixelDetector"/> and reports its score. A score at or
/// above the threshold is a warning naming the detector's evidence; below it, an informational finding. The
/// detector alone never makes a verdict stronger than "suspicious".
/// </summary>
public sealed class PixelEvidenceLayer(IPixelDetector? detector, double threshold = PixelEvidenceLayer.DefaultThreshold) : IEvidenceLayer
{
    /// <summary>The default threshold on the calibrated probability: more likely synthetic than not.</summary>
    public const double DefaultThreshold = 0.5;

    public string Name => LayerNames.Pixels;

    public Task<LayerResult> InspectAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (detector is null)
        {
            return Task.FromResult(LayerResult.NotChecked(Name, "PIXELS_NOT_CHECKED", "pixels not checked: no pixel detector configured"));
        }
        if (subject.Image is not { } image)
        {
            return Task.FromResult(LayerResult.NotChecked(Name, "PIXELS_UNREADABLE", $"pixels not checked: {subject.PixelError}"));
        }
        var score = detector.Score(image, cancellationToken);
        var p = score.ProbabilitySynthetic.ToString("0.00", CultureInfo.InvariantCulture);
        var evidence = score.Evidence.Count == 0 ? "" : " Evidence: " + string.Join(" ", score.Evidence.Select(e => e.TrimEnd('.') + "."));
        var result = score.ProbabilitySynthetic >= threshold
            ? new LayerResult(Name, LayerOutcome.Suspicious,
                [Finding.Warn(Name, "PIXELS_SYNTHETIC", $"{detector.Name} scores the pixels {p} likely synthetic (threshold {threshold.ToString("0.00", CultureInfo.InvariantCulture)}).{evidence}")])
            : new LayerResult(Name, LayerOutcome.Inconclusive,
                [Finding.Info(Name, "PIXELS_SCORE", $"{detector.Name} scores the pixels {p} likely synthetic, below the threshold {threshold.ToString("0.00", CultureInfo.InvariantCulture)}.")]);
        return Task.FromResult(result with { PixelScore = score });
    }
}
