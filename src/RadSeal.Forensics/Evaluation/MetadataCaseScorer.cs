using RadSeal.Dicom;
using RadSeal.Forensics.Metadata;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Evaluation;

/// <summary>
/// The metadata layer (the DICOM header rules of <see cref="MetadataLayer"/>) as a score for the evaluation: each
/// warning halves the chance the image is real, p = 1 − 0.5^warnings (none → 0, one → 0.5, two → 0.75, …). A fixed,
/// uncalibrated mapping. PNG and JPEG files carry no DICOM header to judge: they score 0 (no evidence), so "all" is
/// then the pixel score alone and "metadata only" is at chance by construction.
/// </summary>
public sealed class MetadataCaseScorer(DateTimeOffset? now = null) : ICaseScorer
{
    private readonly DateTimeOffset now = now ?? DateTimeOffset.UtcNow;

    public string Name => Evaluator.Metadata;

    public double Score(string path, GrayImage image, CancellationToken cancellationToken = default)
    {
        var head = new byte[8];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        if (ImageFiles.IsPicture(head))
        {
            return 0;
        }
        DicomFile file;
        try
        {
            file = DicomFile.Open(path);
        }
        catch (DicomFormatException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
        var warnings = MetadataLayer.Evaluate(file, image, now).Count(f => f.Severity == Severity.Warning);
        return 1 - Math.Pow(0.5, warnings);
    }
}
