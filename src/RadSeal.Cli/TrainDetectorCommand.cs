using System.CommandLine;
using System.Globalization;
using System.Text;
using RadSeal.Forensics.Evaluation;
using RadSeal.Forensics.Pixels;

namespace RadSeal.Cli;

/// <summary>
/// `radseal train-detector --kermany DIR -o MODEL.json [--train N --validation N --test N --phantoms N]` (hidden):
/// retrains the pixel detector on Kermany + phantoms with pseudo-fakes and prints the held-out report (docs/detector.md).
/// </summary>
internal static class TrainDetectorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kermany = new Option<string>("--kermany") { Description = "The Kermany chest X-ray folder (CC BY 4.0)", DefaultValueFactory = _ => "/work/shared/data/cxr-kermany-224" };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write", Required = true };
        var train = new Option<int>("--train") { Description = "Real Kermany images from train patients", DefaultValueFactory = _ => 700 };
        var validation = new Option<int>("--validation") { Description = "Real Kermany images from validation patients", DefaultValueFactory = _ => 150 };
        var test = new Option<int>("--test") { Description = "Real Kermany images from test patients", DefaultValueFactory = _ => 150 };
        var phantoms = new Option<int>("--phantoms") { Description = "Simulated phantoms (counted as real; see the model card)", DefaultValueFactory = _ => 60 };
        var cache = new Option<string?>("--features-cache") { Description = "Keep extracted features in this file and reuse them when the corpus is the same" };
        var command = new Command("train-detector", "Retrain the pixel detector (maintainers; see docs/detector.md)")
        {
            kermany, output, train, validation, test, phantoms, cache,
        };
        command.Hidden = true;
        command.SetAction(result => Run(result.GetValue(kermany)!, result.GetValue(output)!, result.GetValue(train), result.GetValue(validation),
            result.GetValue(test), result.GetValue(phantoms), result.GetValue(cache), stdout, stderr));
        return command;
    }

    private static int Run(string kermany, string output, int train, int validation, int test, int phantoms, string? cache, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyList<TrainingItem> items;
        try
        {
            items = TrainingCorpus.Build(kermany, new Dictionary<Split, int> { [Split.Train] = train, [Split.Validation] = validation, [Split.Test] = test }, phantoms);
        }
        catch (DirectoryNotFoundException ex)
        {
            stderr.WriteLine($"radseal: train-detector: {ex.Message}");
            return ExitCodes.IOError;
        }
        using var resnet = ResNetFeatures.Load();
        var started = DateTime.UtcNow;
        var progress = new Progress<int>(done =>
        {
            if (done % 100 == 0 || done == items.Count)
            {
                stderr.WriteLine($"radseal: train-detector: features of {done}/{items.Count} images ({(DateTime.UtcNow - started).TotalSeconds:0}s)");
            }
        });
        var features = cache is not null && File.Exists(cache) ? DetectorTrainer.LoadFeatures(cache, items) : null;
        if (features is null)
        {
            features = DetectorTrainer.ExtractAll(items, resnet, progress);
            if (cache is not null)
            {
                DetectorTrainer.SaveFeatures(cache, items, features);
            }
        }
        var (model, report) = DetectorTrainer.Fit(items, features, "radseal-pixel-1");
        ImagingWrite(output, model.ToJson());
        stdout.Write(Describe(report));
        return ExitCodes.Ok;
    }

    private static void ImagingWrite(string path, string text) => RadSeal.Imaging.ImageFiles.WriteAtomically(path, Encoding.UTF8.GetBytes(text + "\n"));

    internal static string Describe(TrainingReport r)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"images: train {r.TrainImages}, validation {r.ValidationImages}, test {r.TestImages}; lambda {r.Lambda}, ResNet penalty x{r.ResNetPenalty}");
        s.AppendLine(c, $"test AUC {F(r.TestAuc)}; accuracy {F(r.TestAccuracy)}; sensitivity {F(r.TestSensitivity)}; specificity {F(r.TestSpecificity)}");
        foreach (var (kind, auc) in r.AucByKind)
        {
            s.AppendLine(c, $"  {kind,-13} test AUC {auc:0.000}   leave-one-kind-out AUC {r.LeaveOneKindOutAuc[kind]:0.000}");
        }
        s.AppendLine(c, $"handcrafted only {r.HandcraftedOnlyAuc:0.000}; ResNet-18 only {r.ResNetOnlyAuc:0.000}; size only {r.SizeOnlyAuc:0.000}; metadata only {r.MetadataOnlyAuc:0.000}");
        s.AppendLine(c, $"mean P(synthetic) of real test images: Kermany {r.MeanScoreRealKermany:0.000}, phantoms {r.MeanScoreRealPhantom:0.000}; patch AUC {r.PatchAuc:0.000}");
        return s.ToString();
    }

    private static string F(Estimate e) => string.Create(CultureInfo.InvariantCulture, $"{e.Value:0.000} [{e.CiLow:0.000}, {e.CiHigh:0.000}]");
}
