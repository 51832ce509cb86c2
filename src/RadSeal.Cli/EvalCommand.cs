using System.CommandLine;
using System.Globalization;
using RadSeal.Forensics.Evaluation;
using RadSeal.Forensics.Pixels;
using Spectre.Console;

namespace RadSeal.Cli;

/// <summary>
/// `radseal eval --cases DIR --labels FILE.csv [--layers pixels|metadata|all] [--html DIR] [--json]`: how well the
/// detection layers separate real from AI-generated images on a labelled set, with bootstrap intervals and an ablation.
/// </summary>
internal static class EvalCommand
{
    /// <summary>Why a layer set cannot run in this build: every layer is wired, so none.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Unavailable = new Dictionary<string, string>();

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cases = new Option<string>("--cases") { Description = "Folder holding the images (PNG, JPEG or DICOM)", Required = true };
        var labels = new Option<string>("--labels") { Description = "CSV: image name, Real or AI, optional reasoning (Image_Name,Real_or_AI,Reasoning)", Required = true };
        var layers = new Option<string>("--layers") { Description = "Which evidence to score with: pixels, metadata or all", DefaultValueFactory = _ => "all" };
        layers.AcceptOnlyFromAmong(Evaluator.Pixels, Evaluator.Metadata, Evaluator.All);
        var html = new Option<string?>("--html") { Description = "Write an HTML report (every image, its score and heatmap) into this folder" };
        var json = new Option<bool>("--json") { Description = "Print the metrics as JSON" };
        var model = new Option<string?>("--model") { Description = "Pixel-detector model file (default: the one built in)" };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples for the 95% intervals", DefaultValueFactory = _ => 2000 };
        var seed = new Option<int>("--seed") { Description = "Bootstrap seed: the same seed gives the same intervals", DefaultValueFactory = _ => 12345 };
        var command = new Command("eval", "Measure the detection layers on a labelled set of real and AI images")
        {
            cases, labels, layers, html, json, model, resamples, seed,
        };
        command.SetAction((result, token) => Task.FromResult(Run(result.GetValue(cases)!, result.GetValue(labels)!, result.GetValue(layers)!,
            result.GetValue(html), result.GetValue(json), result.GetValue(model), result.GetValue(resamples), result.GetValue(seed), stdout, stderr, token)));
        return command;
    }

    private static int Run(string casesDir, string labelsPath, string layers, string? html, bool json, string? modelPath, int resamples, int seed,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (resamples is < 100 or > 100_000)
        {
            stderr.WriteLine("radseal: eval: --resamples must be 100..100000");
            return ExitCodes.Usage;
        }
        if (Unavailable.TryGetValue(layers, out var why))
        {
            stderr.WriteLine($"radseal: eval: --layers {layers}: {why}");
            return ExitCodes.Unsupported;
        }
        var labelled = LabelFile.Read(labelsPath, casesDir);
        if (labelled.Problems.Count > 0)
        {
            return Problems(stderr, labelled.Problems);
        }
        PixelDetector detector;
        try
        {
            var model = modelPath is null ? PixelModel.LoadDefault() : PixelModel.FromJson(File.ReadAllText(modelPath));
            detector = new PixelDetector(model, ResNetFeatures.Load());
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"radseal: eval: cannot load the pixel detector: {ex.Message}");
            return ex is InvalidDataException ? ExitCodes.InvalidInput : ExitCodes.IOError;
        }
        using (detector)
        {
            var outcome = Score(labelled.Cases, layers, detector, resamples, seed, stderr, cancellationToken);
            if (outcome.Report is not { } report)
            {
                return Problems(stderr, outcome.Problems);
            }
            if (html is not null)
            {
                try
                {
                    HtmlReport.Write(html, report, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"radseal: eval: cannot write the HTML report to {html}: {ex.Message}");
                    return ExitCodes.IOError;
                }
            }
            stdout.Write(json ? report.ToJson() + "\n" : Describe(report, html));
        }
        return ExitCodes.Ok;
    }

    private static EvaluationOutcome Score(IReadOnlyList<LabelledCase> cases, string layers, PixelDetector detector, int resamples, int seed,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        if (cases.Count > 1 && console.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
        {
            EvaluationOutcome? outcome = null;
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("Scoring", maxValue: cases.Count);
                    var progress = new SynchronousProgress(done => task.Value = done);
                    outcome = Evaluator.Run(cases, layers, detector, new MetadataCaseScorer(), Unavailable, progress, resamples, seed, cancellationToken);
                });
            return outcome!;
        }
        return Evaluator.Run(cases, layers, detector, new MetadataCaseScorer(), Unavailable, null, resamples, seed, cancellationToken);
    }

    private static int Problems(TextWriter stderr, IReadOnlyList<string> problems)
    {
        foreach (var problem in problems)
        {
            stderr.WriteLine($"radseal: eval: {problem}");
        }
        stderr.WriteLine($"radseal: eval: {problems.Count} problem(s); nothing was evaluated");
        return ExitCodes.InvalidInput;
    }

    private static string Describe(EvaluationReport report, string? html)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new System.Text.StringBuilder();
        var m = report.Main;
        s.AppendLine(c, $"{m.N} images ({m.Confusion.TruePositive + m.Confusion.FalseNegative} AI, {m.Confusion.TrueNegative + m.Confusion.FalsePositive} real); layers {report.Layers}; detector {report.Detector}");
        s.AppendLine(c, $"accuracy     {F(m.Accuracy)}");
        s.AppendLine(c, $"sensitivity  {F(m.Sensitivity)}  (AI called AI)");
        s.AppendLine(c, $"specificity  {F(m.Specificity)}  (real called real)");
        s.AppendLine(c, $"AUC          {F(m.Auc)}");
        s.AppendLine("confusion (threshold 0.5):   called AI  called real");
        s.AppendLine(c, $"  labelled AI               {m.Confusion.TruePositive,9}  {m.Confusion.FalseNegative,11}");
        s.AppendLine(c, $"  labelled real             {m.Confusion.FalsePositive,9}  {m.Confusion.TrueNegative,11}");
        s.AppendLine("ablation:");
        foreach (var a in report.Ablation)
        {
            s.AppendLine(c, $"  {a.Layers,-9} accuracy {F(a.Accuracy)}  AUC {F(a.Auc)}");
        }
        foreach (var (layers, why) in report.Unavailable)
        {
            s.AppendLine(c, $"  {layers,-9} not run: {why}");
        }
        s.AppendLine("95% intervals: percentile bootstrap over images.");
        if (html is not null)
        {
            s.AppendLine(c, $"HTML report: {Path.Combine(html, "index.html")}");
        }
        return s.ToString();
    }

    private static string F(Estimate e) => double.IsNaN(e.Value)
        ? "n/a (one class only)"
        : string.Create(CultureInfo.InvariantCulture, $"{e.Value:0.000} [{e.CiLow:0.000}, {e.CiHigh:0.000}]");

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and lag behind).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        private readonly Lock gate = new();

        public void Report(int value)
        {
            lock (gate)
            {
                report(value);
            }
        }
    }
}
