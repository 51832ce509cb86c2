using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Forensics.Tests.Pixels;

public class FeatureTests
{
    private static double Feature(GrayImage image, string name) =>
        HandcraftedFeatures.Compute(NormalizedImage.From(image))[HandcraftedFeatures.Names.ToList().IndexOf(name)];

    [Fact]
    public void Normalisation_keeps_a_224_image_exactly_and_maps_other_sizes_and_photometry_onto_the_same_square()
    {
        var real = ImageFiles.Load(TestData.SomeRealImages(1)[0]);
        var normalised = NormalizedImage.From(real);
        Assert.Equal(real.Frame(0).ToArray().Select(v => v * (1f / 255)), normalised.Pixels);

        var flat = new GrayImage(500, 300, 12, samples: Enumerable.Repeat((ushort)1000, 500 * 300).ToArray());
        Assert.All(NormalizedImage.From(flat).Pixels, v => Assert.Equal(1000f / 4095, v, 5));
        var inverted = new GrayImage(100, 100, 12, photometric: Photometric.Monochrome1, samples: Enumerable.Repeat((ushort)1000, 100 * 100).ToArray());
        Assert.All(NormalizedImage.From(inverted).Pixels, v => Assert.Equal(1 - 1000f / 4095, v, 5));
    }

    [Fact]
    public void Pseudo_fakes_are_reproducible_and_keep_the_container()
    {
        var real = ImageFiles.Load(TestData.SomeRealImages(1)[0]);
        foreach (var kind in PseudoFakes.Kinds)
        {
            var a = PseudoFakes.Make(real, kind, 5);
            Assert.True(a.SamplesEqual(PseudoFakes.Make(real, kind, 5)));
            Assert.False(a.SamplesEqual(real), kind.ToString());
            Assert.Equal((real.Width, real.Height, real.BitsStored), (a.Width, a.Height, a.BitsStored));
        }
    }

    [Fact]
    public void Each_trace_moves_the_feature_meant_to_see_it()
    {
        foreach (var path in TestData.SomeRealImages(3))
        {
            var real = ImageFiles.Load(path);
            Assert.True(Feature(PseudoFakes.Make(real, PseudoFakeKind.Mirrored, 1), "symmetry_residual") > 0.95);
            Assert.True(Feature(real, "symmetry_residual") < 0.5);
            Assert.True(Feature(PseudoFakes.Make(real, PseudoFakeKind.Quantised, 1), "hist_empty") > Feature(real, "hist_empty") + 0.2);
            Assert.True(Feature(PseudoFakes.Make(real, PseudoFakeKind.Smoothed, 1), "residual_std") < Feature(real, "residual_std"));
            Assert.True(Feature(PseudoFakes.Make(real, PseudoFakeKind.Upsampled, 1), "residual_acf1") > Feature(real, "residual_acf1"));
            Assert.True(Feature(PseudoFakes.Make(real, PseudoFakeKind.Checkerboard, 1), "nyquist_energy") > Feature(real, "nyquist_energy") + 1);
        }
    }

    [Fact]
    public void Kermany_file_names_give_patient_ids()
    {
        Assert.Equal("person1000", TrainingCorpus.PatientOf("person1000_bacteria_2931.jpeg"));
        Assert.Equal("person1000", TrainingCorpus.PatientOf("person1000_virus_1681.jpeg"));
        Assert.Equal("IM-0023", TrainingCorpus.PatientOf("IM-0023-0001.jpeg"));
        Assert.Equal("NORMAL2-IM-0381", TrainingCorpus.PatientOf("NORMAL2-IM-0381-0001.jpeg"));
    }

    [Fact]
    public void Every_image_of_a_patient_falls_in_one_split()
    {
        var items = TrainingCorpus.Build(TestData.RequireKermany(), new Dictionary<Split, int> { [Split.Train] = 300, [Split.Validation] = 60, [Split.Test] = 60 }, 4);
        foreach (var group in items.GroupBy(i => i.Group))
        {
            Assert.Single(group.Select(i => i.Split).Distinct());
        }
        Assert.Equal(items.Count(i => i.Label == 0), items.Count(i => i.Label == 1));
    }

    [Fact]
    public void Logistic_regression_smoke_fit_separates_a_noisy_line()
    {
        var rng = new Random(3);
        var x = new List<double[]>();
        var y = new List<int>();
        for (var i = 0; i < 400; i++)
        {
            double a = rng.NextDouble() * 10, b = rng.NextDouble();
            x.Add([a, b]);
            y.Add(a + rng.NextDouble() * 2 - 1 > 5 ? 1 : 0);
        }
        var model = LogisticRegression.Fit(x, y, 0.1);
        Assert.True(model.Weights[0] > 3 * Math.Abs(model.Weights[1]));
        Assert.True(model.Logit([9, 0.5]) > 2 && model.Logit([1, 0.5]) < -2);
    }

    [Fact]
    public void The_detector_scores_a_phantom_with_a_heatmap_and_evidence()
    {
        using var detector = PixelDetector.LoadDefault();
        var phantom = RadiographPhantom.Generate(new PhantomOptions(PhantomRegion.Chest, 320, 320, 12, 9));
        var score = detector.Score(phantom);
        Assert.InRange(score.ProbabilitySynthetic, 0, 1);
        Assert.Equal((7, 7, 49), (score.HeatmapWidth, score.HeatmapHeight, score.Heatmap.Count));
        Assert.All(score.Heatmap, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(4, score.Evidence.Count);
        Assert.Equal("radseal-pixel-1", detector.Name);
    }
}
