using RadSeal.Forensics.Evaluation;

namespace RadSeal.Forensics.Pixels;

/// <summary>What training measured; every figure comes from the test split (patients the model never saw).</summary>
public sealed record TrainingReport(
    int TrainImages, int ValidationImages, int TestImages, double Lambda, double ResNetPenalty,
    Estimate TestAuc, Estimate TestAccuracy, Estimate TestSensitivity, Estimate TestSpecificity,
    IReadOnlyDictionary<string, double> AucByKind, IReadOnlyDictionary<string, double> LeaveOneKindOutAuc,
    double HandcraftedOnlyAuc, double ResNetOnlyAuc, double SizeOnlyAuc, double MetadataOnlyAuc,
    double MeanScoreRealKermany, double MeanScoreRealPhantom, double PatchAuc);

/// <summary>
/// Trains the pixel detector: extract features of every corpus item, fit the image model (λ chosen on validation
/// AUC), Platt-calibrate on validation, fit the patch model on train patches, then measure on the test split —
/// overall, per pseudo-fake kind, leave-one-kind-out (refit without that kind), handcrafted-only and ResNet-only, and
/// the size-only and metadata-only baselines.
/// </summary>
public static class DetectorTrainer
{
    private static readonly double[] Lambdas = [1, 10, 100];

    /// <summary>How much harder the 512 ResNet-18 weights are penalised than the handcrafted ones (chosen on validation).</summary>
    private static readonly double[] LearnedPenalties = [1, 10, 100];

    public static (PixelModel Model, TrainingReport Report) Train(IReadOnlyList<TrainingItem> items, ResNetFeatures resnet,
        string name = "radseal-pixel-1", IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var features = ExtractAll(items, resnet, progress, cancellationToken);
        return Fit(items, features, name, cancellationToken);
    }

    /// <summary>Features of every item, extracted on every core.</summary>
    public static PixelFeatureSet[] ExtractAll(IReadOnlyList<TrainingItem> items, ResNetFeatures resnet, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = new PixelFeatureSet[items.Count];
        var done = 0;
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            i =>
            {
                result[i] = PixelDetector.Extract(items[i].Load(), resnet, cancellationToken);
                progress?.Report(Interlocked.Increment(ref done));
            });
        return result;
    }

    public static (PixelModel Model, TrainingReport Report) Fit(IReadOnlyList<TrainingItem> items, PixelFeatureSet[] features, string name,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(features);
        var train = Indices(items, Split.Train);
        var validation = Indices(items, Split.Validation);
        var test = Indices(items, Split.Test);
        if (train.Count == 0 || validation.Count == 0 || test.Count == 0)
        {
            throw new ArgumentException("Training needs items in the train, validation and test splits.", nameof(items));
        }
        var all = Enumerable.Range(0, HandcraftedFeatures.Names.Count + ResNetFeatures.Dimensions).ToArray();

        // λ and the ResNet block's extra penalty by validation AUC.
        var bestLambda = Lambdas[0];
        var bestPenalty = LearnedPenalties[0];
        var bestAuc = double.NegativeInfinity;
        LinearModel? image = null;
        foreach (var lambda in Lambdas)
        {
            foreach (var learnedPenalty in LearnedPenalties)
            {
                var candidate = FitOn(items, features, train, all, lambda, cancellationToken, Penalties(all, learnedPenalty));
                var auc = AucOf(items, validation, i => candidate.Logit(Select(features[i].Global, all)));
                if (auc > bestAuc)
                {
                    (bestAuc, bestLambda, bestPenalty, image) = (auc, lambda, learnedPenalty, candidate);
                }
            }
        }
        // Platt scaling on the validation logits.
        var platt = LogisticRegression.Fit(validation.Select(i => new[] { image!.Logit(features[i].Global) }).ToList(),
            validation.Select(i => items[i].Label).ToList(), 1e-3, standardise: false, cancellationToken: cancellationToken);
        double a = platt.Weights[0], b = platt.Bias;

        // Patch model: every patch of a training image carries the image's label (weak labels).
        var patchRows = new List<double[]>();
        var patchLabels = new List<int>();
        foreach (var i in train)
        {
            foreach (var patch in features[i].Patches)
            {
                patchRows.Add(patch);
                patchLabels.Add(items[i].Label);
            }
        }
        var patchModel = LogisticRegression.Fit(patchRows, patchLabels, 1, cancellationToken: cancellationToken);

        var model = new PixelModel(name, [.. HandcraftedFeatures.Names, .. Enumerable.Range(0, ResNetFeatures.Dimensions).Select(k => $"resnet18_{k}")],
            image!, a, b, PatchFeatures.Names, patchModel, new Dictionary<string, double>());

        var testScores = test.Select(i => model.Calibrate(model.Image.Logit(features[i].Global))).ToList();
        var testLabels = test.Select(i => items[i].Label).ToList();
        var (accuracy, auc2, sensitivity, specificity) = BinaryMetrics.WithIntervals(testScores, testLabels);

        var byKind = new Dictionary<string, double>();
        var logo = new Dictionary<string, double>();
        foreach (var kind in PseudoFakes.Kinds)
        {
            var subset = test.Where(i => items[i].Label == 0 || items[i].Kind == kind).ToList();
            byKind[kind.ToString()] = AucOf(items, subset, i => model.Image.Logit(features[i].Global));
            var without = train.Where(i => items[i].Kind != kind).ToList();
            var held = FitOn(items, features, without, all, bestLambda, cancellationToken, Penalties(all, bestPenalty));
            logo[kind.ToString()] = AucOf(items, subset, i => held.Logit(features[i].Global));
        }
        var handcrafted = Enumerable.Range(0, HandcraftedFeatures.Names.Count).ToArray();
        var learned = Enumerable.Range(HandcraftedFeatures.Names.Count, ResNetFeatures.Dimensions).ToArray();
        var handModel = FitOn(items, features, train, handcrafted, bestLambda, cancellationToken);
        var learnedModel = FitOn(items, features, train, learned, bestLambda, cancellationToken);
        var sizeModel = LogisticRegression.Fit(train.Select(i => SizeRow(items[i])).ToList(), train.Select(i => items[i].Label).ToList(), 1e-3,
            cancellationToken: cancellationToken);
        var metaModel = LogisticRegression.Fit(train.Select(i => MetadataRow(items[i])).ToList(), train.Select(i => items[i].Label).ToList(), 1e-3,
            cancellationToken: cancellationToken);
        var patchScores = new List<double>();
        var patchTruth = new List<int>();
        foreach (var i in test)
        {
            foreach (var patch in features[i].Patches)
            {
                patchScores.Add(patchModel.Logit(patch));
                patchTruth.Add(items[i].Label);
            }
        }
        double MeanReal(string source)
        {
            var scores = test.Where(i => items[i].Label == 0 && items[i].Source == source).Select(i => model.Calibrate(model.Image.Logit(features[i].Global))).ToList();
            return scores.Count == 0 ? double.NaN : scores.Average();
        }
        var report = new TrainingReport(train.Count, validation.Count, test.Count, bestLambda, bestPenalty, auc2, accuracy, sensitivity, specificity, byKind, logo,
            AucOf(items, test, i => handModel.Logit(Select(features[i].Global, handcrafted))),
            AucOf(items, test, i => learnedModel.Logit(Select(features[i].Global, learned))),
            AucOf(items, test, i => sizeModel.Logit(SizeRow(items[i]))),
            AucOf(items, test, i => metaModel.Logit(MetadataRow(items[i]))),
            MeanReal("kermany"), MeanReal("phantom"), BinaryMetrics.Auc(patchScores, patchTruth));
        var metrics = new Dictionary<string, double>
        {
            ["test_auc"] = auc2.Value,
            ["test_auc_ci_low"] = auc2.CiLow,
            ["test_auc_ci_high"] = auc2.CiHigh,
            ["test_accuracy"] = accuracy.Value,
            ["test_images"] = test.Count,
            ["train_images"] = train.Count,
            ["lambda"] = bestLambda,
            ["resnet_penalty"] = bestPenalty,
            ["validation_auc"] = bestAuc,
        };
        foreach (var (kind, value) in logo)
        {
            metrics["logo_auc_" + kind] = value;
        }
        return (model with { Metrics = metrics }, report);
    }

    /// <summary>Saves extracted features with the item ids they belong to (a cache: refits need not re-extract).</summary>
    public static void SaveFeatures(string path, IReadOnlyList<TrainingItem> items, PixelFeatureSet[] features)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(features);
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            writer.Write(items[i].Id);
            writer.Write(features[i].Global.Length);
            foreach (var v in features[i].Global)
            {
                writer.Write(v);
            }
            writer.Write(features[i].Patches.Length);
            foreach (var patch in features[i].Patches)
            {
                writer.Write(patch.Length);
                foreach (var v in patch)
                {
                    writer.Write(v);
                }
            }
        }
    }

    /// <summary>Loads a cache written by <see cref="SaveFeatures"/>; null when it was made for other items.</summary>
    public static PixelFeatureSet[]? LoadFeatures(string path, IReadOnlyList<TrainingItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (reader.ReadInt32() != items.Count)
        {
            return null;
        }
        var result = new PixelFeatureSet[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (reader.ReadString() != items[i].Id)
            {
                return null;
            }
            var global = new double[reader.ReadInt32()];
            for (var k = 0; k < global.Length; k++)
            {
                global[k] = reader.ReadDouble();
            }
            var patches = new double[reader.ReadInt32()][];
            for (var p = 0; p < patches.Length; p++)
            {
                patches[p] = new double[reader.ReadInt32()];
                for (var k = 0; k < patches[p].Length; k++)
                {
                    patches[p][k] = reader.ReadDouble();
                }
            }
            result[i] = new PixelFeatureSet(global, patches);
        }
        return result;
    }

    private static double[] SizeRow(TrainingItem item) => [Math.Log((double)item.Container.Width * item.Container.Height)];

    private static double[] MetadataRow(TrainingItem item) =>
        [item.Container.Width, item.Container.Height, item.Container.Bits, item.Container.Jpeg ? 1 : 0];

    private static List<int> Indices(IReadOnlyList<TrainingItem> items, Split split) =>
        Enumerable.Range(0, items.Count).Where(i => items[i].Split == split).ToList();

    private static double[] Select(double[] row, int[] columns)
    {
        if (columns.Length == row.Length)
        {
            return row;
        }
        var result = new double[columns.Length];
        for (var k = 0; k < columns.Length; k++)
        {
            result[k] = row[columns[k]];
        }
        return result;
    }

    private static LinearModel FitOn(IReadOnlyList<TrainingItem> items, PixelFeatureSet[] features, List<int> rows, int[] columns, double lambda,
        CancellationToken cancellationToken, double[]? penalties = null) =>
        LogisticRegression.Fit(rows.Select(i => Select(features[i].Global, columns)).ToList(), rows.Select(i => items[i].Label).ToList(), lambda,
            penaltyFactors: penalties, cancellationToken: cancellationToken);

    private static double[] Penalties(int[] columns, double learnedPenalty) =>
        columns.Select(c => c >= HandcraftedFeatures.Names.Count ? learnedPenalty : 1).ToArray();

    private static double AucOf(IReadOnlyList<TrainingItem> items, List<int> rows, Func<int, double> score)
    {
        return BinaryMetrics.Auc(rows.Select(score).ToList(), rows.Select(i => items[i].Label).ToList());
    }
}
