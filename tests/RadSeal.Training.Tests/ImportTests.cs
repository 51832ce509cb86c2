using System.Text;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;
using RadSeal.Training.CaseSets;
using RadSeal.Training.Studies;

namespace RadSeal.Training.Tests;

public class ImportTests
{
    /// <summary>Real 224×224 chest JPEGs (Kermany et al., CC BY 4.0, doi:10.17632/rscbjbr9sj.2), read from the shared data folder.</summary>
    internal static readonly string Kermany = "/work/shared/data/cxr-kermany-224/test/NORMAL";

    internal static ImportFile Real(int index)
    {
        var files = Directory.GetFiles(Kermany, "*.jpeg").Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length > index, $"the shared Kermany images are missing from {Kermany}");
        return new ImportFile(Path.GetFileName(files[index]), File.ReadAllBytes(files[index]));
    }

    private static ImportFile Csv(string text) => new("labels.csv", Encoding.UTF8.GetBytes(text));

    [Fact]
    public void The_public_real_vs_ai_layout_imports_as_it_is_with_dicom_png_and_jpeg()
    {
        var jpeg = Real(0);
        var options = new PhantomOptions(PhantomRegion.Hand, 128, 160, 14, 3);
        var phantom = RadiographPhantom.Generate(options);
        using var dcm = new MemoryStream();
        RadiographPhantom.ToDicom(phantom, options).Save(dcm);
        var png16 = new GrayImage(70, 50, 16, samples: [.. Enumerable.Range(0, 3500).Select(i => (ushort)(i * 18))]);
        var cases = CaseSetImport.Prepare(
        [
            Csv("Image_Name,Real_or_AI,Reasoning\n" + $"{jpeg.Name},Real,\"real, from Kermany\"\nphantom.dcm,AI,simulated\nramp.png,ai,\"a ramp, \"\"synthetic\"\"\"\n"),
            jpeg, new ImportFile("phantom.dcm", dcm.ToArray()), new ImportFile("ramp.png", PngCodec.EncodeGray(png16)),
        ]);
        Assert.Equal(3, cases.Count);
        Assert.Equal((Truth.Real, "JPEG", 224, 8), (cases[0].Truth, cases[0].SourceFormat, cases[0].Image.Width, cases[0].Image.BitsStored));
        Assert.Equal("real, from Kermany", cases[0].Explanation);
        Assert.Equal((Truth.Synthetic, "DICOM", 128, 160, 14), (cases[1].Truth, cases[1].SourceFormat, cases[1].Image.Width, cases[1].Image.Height, cases[1].Image.BitsStored));
        Assert.True(phantom.SamplesEqual(cases[1].Image)); // all 14 bits kept, nothing windowed away
        Assert.Equal("a ramp, \"synthetic\"", cases[2].Explanation);
        Assert.True(png16.SamplesEqual(cases[2].Image));
        Assert.Equal(16, cases[2].Image.BitsStored);
    }

    [Fact]
    public void The_simple_file_label_explanation_header_imports_too()
    {
        var jpeg = Real(1);
        var cases = CaseSetImport.Prepare([Csv($"file,label,explanation\r\n{jpeg.Name},real,why\r\n"), jpeg]);
        Assert.Equal("why", Assert.Single(cases).Explanation);
    }

    [Fact]
    public void Bad_input_lists_every_problem_in_one_message()
    {
        var a = Real(0);
        var b = Real(1);
        var csv = "Image_Name,Real_or_AI,Reasoning\n" +
                  $"{a.Name},Real,ok\n" +
                  "missing.png,AI,no such file\n" +
                  $"{a.Name},AI,named twice\n" +
                  $"{b.Name},Maybe,unknown label\n" +
                  "notes.txt,Real,not an image\n";
        var e = Assert.Throws<CaseSetImportException>(() => CaseSetImport.Prepare(
            [Csv(csv), a, b, new ImportFile("notes.txt", Encoding.UTF8.GetBytes("hello")), new ImportFile("stray.jpeg", a.Bytes)]));
        Assert.Equal(5, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("missing.png: no such file was uploaded", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains($"{a.Name} is named again (first on row 2)", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("unknown label 'Maybe'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("notes.txt: not an image", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("stray.jpeg: uploaded but not named", StringComparison.Ordinal));
        Assert.All(e.Problems, p => Assert.Contains(p, e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "the CSV is empty")]
    [InlineData("name,kind\nx.png,Real\n", "lacks an image name column (Image_Name or file) and a label column")]
    [InlineData("Image_Name,Real_or_AI\n", "the CSV names no images")]
    public void A_csv_that_names_nothing_usable_says_so(string csv, string expected)
    {
        var e = Assert.Throws<CaseSetImportException>(() => CaseSetImport.Prepare([Csv(csv)]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_csv_or_two_csvs_are_refused()
    {
        Assert.Contains("no CSV file", Assert.Throws<CaseSetImportException>(() => CaseSetImport.Prepare([Real(0)])).Message, StringComparison.Ordinal);
        Assert.Contains("2 CSV files", Assert.Throws<CaseSetImportException>(() => CaseSetImport.Prepare([Csv("a"), new ImportFile("b.csv", [])])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_dicom_file_is_a_problem_not_a_crash()
    {
        var options = new PhantomOptions(PhantomRegion.Chest, 64, 64, 12, 1);
        using var dcm = new MemoryStream();
        RadiographPhantom.ToDicom(RadiographPhantom.Generate(options), options).Save(dcm);
        var truncated = dcm.ToArray()[..(int)(dcm.Length - 1000)];
        var e = Assert.Throws<CaseSetImportException>(() => CaseSetImport.Prepare([Csv("file,label\nx.dcm,AI\n"), new ImportFile("x.dcm", truncated)]));
        Assert.StartsWith("x.dcm: cannot be decoded", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void The_demo_set_is_twelve_labelled_cases_with_its_licence()
    {
        var cases = CaseSetImport.Prepare(DemoCaseSet.Files());
        Assert.Equal(12, cases.Count);
        Assert.Equal(6, cases.Count(c => c.Truth == Truth.Real));
        Assert.All(cases.Where(c => c.Name.StartsWith("phantom", StringComparison.Ordinal) || c.Name.StartsWith("manipulated", StringComparison.Ordinal)),
            c => Assert.Equal(Truth.Synthetic, c.Truth));
        Assert.Contains(cases, c => c.Image.BitsStored == 16);
        Assert.All(cases, c => Assert.False(string.IsNullOrEmpty(c.Artefacts)));
        Assert.Contains("doi:10.17632/rscbjbr9sj.2", DemoCaseSet.Attribution, StringComparison.Ordinal);
        Assert.Contains("CC BY 4.0", DemoCaseSet.Attribution, StringComparison.Ordinal);
        // Deterministic: the derived cases are the same on every install.
        var again = CaseSetImport.Prepare(DemoCaseSet.Files());
        Assert.All(cases.Zip(again), p => Assert.True(p.First.Image.SamplesEqual(p.Second.Image)));
    }

    [Fact]
    public void Manipulations_do_what_their_labels_say()
    {
        var real = ImageFiles.Decode(Real(0).Bytes);
        var mirror = DemoCaseSet.Mirror(real);
        Assert.Equal(mirror.Row(0, 100)[10], mirror.Row(0, 100)[real.Width - 11]);
        Assert.False(real.SamplesEqual(mirror));
        var smooth = DemoCaseSet.Smooth(real, 3);
        static double Roughness(GrayImage g)
        {
            // Mean absolute difference between horizontal neighbours, within rows.
            double sum = 0;
            for (var y = 0; y < g.Height; y++)
            {
                var row = g.Row(0, y);
                for (var x = 1; x < row.Length; x++)
                {
                    sum += Math.Abs(row[x] - row[x - 1]);
                }
            }
            return sum;
        }
        Assert.True(Roughness(smooth) < Roughness(real) * 0.8, $"{Roughness(smooth)} vs {Roughness(real)}");
        var up = DemoCaseSet.Upsample(real, 4);
        Assert.Equal((real.Width, real.Height), (up.Width, up.Height));
        Assert.False(real.SamplesEqual(up));
    }
}
