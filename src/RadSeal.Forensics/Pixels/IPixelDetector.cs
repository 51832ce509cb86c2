using RadSeal.Imaging;

namespace RadSeal.Forensics.Pixels;

/// <summary>
/// Scores how likely an image's pixels are synthetic (AI-generated or otherwise not a real acquisition), from the
/// pixels alone. The contract between the inspect layers (which report the score as evidence) and the detector.
/// </summary>
public interface IPixelDetector
{
    /// <summary>Name and version of the model, e.g. "radseal-pixel-1", reported with every score.</summary>
    string Name { get; }

    /// <summary>Scores one frame (frame 0 of a multi-frame image). Metadata is never looked at.</summary>
    PixelScore Score(GrayImage image, CancellationToken cancellationToken = default);
}
