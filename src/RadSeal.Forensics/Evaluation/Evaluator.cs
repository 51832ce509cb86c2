using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Evaluation;

/// <summary>A layer other than the pixel detector that can give each case a probability of "AI" (e.g. the metadata rules).</summary>
public interface ICaseScorer
{
    /// <summary>The layer set name it stands for in reports ("metadata").</summary>
    string Name { get; }

    /// <summary>Probability (0..1) that the case is synthetic, from this layer alone.</summary>
    double Score(string path, GrayImage image, CancellationToken cancellationToken = default);
}

/// <summary>An evaluation's outcome: the report, or every problem that prevented it.</summary>
public sealed record EvaluationOutcome(EvaluationReport? Report, IReadOnlyList<string> Problems);

/// <summary>
/// Scores every labelled case with each available layer and summarises. Layer sets: "pixels" (the detector),
/// "metadata" (an <see cref="ICaseScorer"/>), and "all" = noisy-OR of the available layers' probabilities
/// (1 − Π(1 − pᵢ): any layer that is sure of "AI" makes the combination sure). The ablation reports every set that
/// could run; sets that could not are listed with the reason.
/// </summary>
public static class Evaluator
{
    public const string Pixels = "pixels";
    public const string Metadata = "metadata";
    public const string All = "all";

    public static EvaluationOutcome Run(IReadOnlyList<LabelledCase> cases, string layers, IPixelDetector? detector, ICaseScorer? metadata,
        IReadOnlyDictionary<string, string> unavailable, IProgress<int>? progress = null, int resamples = 2000, int seed = 12345,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(unavailable);
        var results = new CaseResult?[cases.Count];
        var problems = new string?[cases.Count];
        var done = 0;
        Parallel.For(0, cases.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var item = cases[i];
            GrayImage image;
            try
            {
                image = CaseImages.Load(item.Path);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems[i] = $"{item.Name}: cannot read the image: {ex.Message}";
                return;
            }
            var scores = new Dictionary<string, double>();
            PixelScore? pixels = null;
            if (detector is not null)
            {
                pixels = detector.Score(image, cancellationToken);
                scores[Pixels] = pixels.ProbabilitySynthetic;
            }
            if (metadata is not null)
            {
                try
                {
                    scores[Metadata] = metadata.Score(item.Path, image, cancellationToken);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    problems[i] = $"{item.Name}: the {metadata.Name} layer cannot read it: {ex.Message}";
                    return;
                }
            }
            if (scores.Count > 1)
            {
                scores[All] = 1 - scores.Values.Aggregate(1.0, (keep, p) => keep * (1 - p));
            }
            results[i] = new CaseResult(item, scores, pixels);
            progress?.Report(Interlocked.Increment(ref done));
        });
        var found = problems.Where(p => p is not null).Select(p => p!).ToList();
        if (!layers.Equals(Pixels, StringComparison.Ordinal) && !layers.Equals(Metadata, StringComparison.Ordinal) && !layers.Equals(All, StringComparison.Ordinal))
        {
            found.Add($"unknown layer set '{layers}' (expected pixels, metadata or all)");
        }
        else if (unavailable.TryGetValue(layers, out var why))
        {
            found.Add($"layer set '{layers}' is not available: {why}");
        }
        if (found.Count > 0)
        {
            return new EvaluationOutcome(null, found);
        }
        var scored = results.Select(r => r!).ToList();
        var available = scored.Count == 0 ? [] : scored[0].Scores.Keys.ToList();
        if (!available.Contains(layers))
        {
            return new EvaluationOutcome(null, [$"layer set '{layers}' gave no scores"]);
        }
        // "all" exists only when there are several layers to combine.
        var order = new[] { Pixels, Metadata, All }.Where(available.Contains).ToList();
        var summaries = order.Select(l => LayerSummary.Of(l, scored, resamples, seed)).ToList();
        var detectorName = detector?.Name ?? "none";
        return new EvaluationOutcome(new EvaluationReport(layers, detectorName, summaries.First(s => s.Layers == layers), summaries, unavailable, scored), []);
    }
}
