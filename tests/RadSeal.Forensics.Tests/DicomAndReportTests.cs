using System.Security.Cryptography;
using RadSeal.Dicom;
using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Tests;

public sealed class DicomAndReportTests : IDisposable
{
    private readonly string dir = Support.TempDir();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Img2dcm(string name, params string[] keys)
    {
        var output = Path.Combine(dir, name);
        var args = new List<string> { "-q", Support.KermanyJpeg(1), output };
        foreach (var k in keys)
        {
            args.AddRange(["-k", k]);
        }
        Peers.Run("img2dcm", args, stdin: null, TimeSpan.FromMinutes(1)).EnsureSuccess("img2dcm");
        return output;
    }

    private string Phantom(string name, int bits)
    {
        var output = Path.Combine(dir, name);
        var (code, _, stderr) = Support.Cli("phantom", "--region", "chest", "--size", "384x320", "--bits", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "7", "-o", output);
        Assert.True(code == 0, stderr);
        return output;
    }

    [Fact]
    public void Img2dcm_posing_as_a_radiograph_trips_the_secondary_capture_and_bit_depth_rules()
    {
        var file = Img2dcm("posing.dcm", "Modality=DX");
        var report = Assert.Single(Support.InspectJson(file));
        Assert.Equal("suspicious", report.Verdict);
        var codes = report.Findings.Where(f => f.Layer == "metadata" && f.Severity == "warning").Select(f => f.Code).ToHashSet();
        Assert.Contains("META_SC_AS_ACQUISITION", codes);
        Assert.Contains("META_BIT_DEPTH_LOW", codes);
        Assert.Contains("META_ACQUISITION_MISSING", codes);
        Assert.Contains(report.Findings, f => f.Code == "META_UID_TOOLKIT_ROOT" && f.Message.Contains("DCMTK", StringComparison.Ordinal));
    }

    [Fact]
    public void Img2dcm_as_plain_secondary_capture_is_named_a_conversion_without_warnings()
    {
        var report = Assert.Single(Support.InspectJson(Img2dcm("plain.dcm")));
        Assert.Contains(report.Findings, f => f.Code == "META_SECONDARY_CAPTURE" && f.Severity == "info");
        Assert.Equal("no-evidence", report.Verdict);
    }

    [Fact]
    public void Eight_bit_content_scaled_into_a_twelve_bit_container_shows_a_combed_histogram()
    {
        var phantom = DicomFile.Open(Phantom("base.dcm", 12));
        var picture = ImageFiles.Load(Support.KermanyJpeg(2));
        var combed = new GrayImage(picture.Width, picture.Height, 12);
        for (var i = 0; i < combed.Samples.Length; i++)
        {
            combed.Samples[i] = (ushort)(picture.Samples[i] << 4);
        }
        var file = Path.Combine(dir, "combed.dcm");
        DicomPixels.WithPixels(phantom, combed).Save(file);
        var report = Assert.Single(Support.InspectJson(file));
        Assert.Equal("suspicious", report.Verdict);
        Assert.Contains(report.Findings, f => f.Code == "META_BIT_DEPTH_COMBED");
    }

    [Theory]
    [InlineData(12)]
    [InlineData(16)]
    public void Phantom_radiographs_trip_no_metadata_rule(int bits)
    {
        var report = Assert.Single(Support.InspectJson(Phantom($"phantom{bits}.dcm", bits)));
        Assert.Equal("no-evidence", report.Verdict);
        Assert.DoesNotContain(report.Findings, f => f.Severity != "info");
        Assert.DoesNotContain(report.Findings, f => f.Code is "META_SC_AS_ACQUISITION" or "META_BIT_DEPTH_COMBED" or "META_BIT_DEPTH_LOW");
    }

    [Fact]
    public void Dates_and_uids_that_contradict_each_other_are_flagged()
    {
        var file = DicomFile.Open(Phantom("dates.dcm", 12));
        file.DataSet.SetString(DicomTags.PatientBirthDate, DicomVR.DA, "20990101");
        file.DataSet.SetString(DicomTags.AcquisitionDate, DicomVR.DA, "20200101");
        file.DataSet.SetString(DicomTags.StudyDate, DicomVR.DA, "20200301");
        file.DataSet.SetString(DicomTags.SeriesInstanceUID, DicomVR.UI, "1.2.03.4");
        var findings = Metadata.MetadataLayer.Evaluate(file, null, DateTimeOffset.UtcNow);
        Assert.Contains(findings, f => f.Code == "META_DATE_FUTURE");
        Assert.Contains(findings, f => f.Code == "META_DATE_ORDER" && f.Message.Contains("Birth", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Code == "META_DATE_ORDER" && f.Message.Contains("before the Study Date", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Code == "META_UID_INVALID");
    }

    [Fact]
    public void The_watermark_proves_a_picture_and_maps_a_change_into_the_html_report_which_chromium_renders()
    {
        var (key, cert, ca) = WatermarkCredentials();
        var source = Path.Combine(dir, "source.png");
        File.WriteAllBytes(source, ImageFiles.Encode(ImageFiles.Load(Support.KermanyJpeg(3)), ImageFormat.Png));
        var marked = Path.Combine(dir, "marked.png");
        var embed = Support.Cli("watermark", "embed", source, marked, "--key", key, "--cert", cert);
        Assert.True(embed.Code == 0, embed.Stderr);
        var image = ImageFiles.Load(marked);
        var edited = image.Clone();
        for (var y = 100; y < 130; y++)
        {
            for (var x = 60; x < 100; x++)
            {
                edited.Samples[y * edited.Width + x] = 255;
            }
        }
        var tampered = Path.Combine(dir, "tampered.png");
        File.WriteAllBytes(tampered, PngCodec.EncodeGray(edited));
        var posing = Img2dcm("posing.dcm", "Modality=DX");

        var html = Path.Combine(dir, "html");
        // The mark names the device certificate by reference: without it the watermark cannot be verified (never tampered, never authentic).
        var unverified = Support.InspectJson(marked, "--watermark-trust", ca);
        Assert.Contains(unverified[0].Findings, f => f.Code == "WATERMARK_UNVERIFIABLE");
        Assert.DoesNotContain(unverified[0].Verdict, new[] { "authentic", "tampered" });
        var reports = Support.InspectJson(marked, tampered, posing, "--watermark-trust", ca, "--watermark-trust", cert, "--html", html);
        Assert.Equal("authentic", reports[0].Verdict);
        Assert.Contains(reports[0].Findings, f => f.Code == "WATERMARK_VALID");
        Assert.Equal("tampered", reports[1].Verdict);
        Assert.Contains(reports[1].Findings, f => f.Code == "WATERMARK_TAMPERED" && f.Message.Contains("tamper map", StringComparison.Ordinal));
        Assert.Equal("suspicious", reports[2].Verdict);

        var page = File.ReadAllText(Path.Combine(html, "index.html"));
        foreach (var r in reports)
        {
            Assert.Contains(System.Net.WebUtility.HtmlEncode(r.File), page, StringComparison.Ordinal);
            foreach (var f in r.Findings)
            {
                Assert.Contains(System.Net.WebUtility.HtmlEncode(f.Message), page, StringComparison.Ordinal);
            }
        }
        Assert.Contains("tamper map: changed blocks outlined in red", page, StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "data:image/png;base64,"));

        var screenshot = Path.Combine(dir, "report.png");
        Peers.Run("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--screenshot={screenshot}", "--window-size=1200,1400",
            "file://" + Path.Combine(html, "index.html")], stdin: null, TimeSpan.FromMinutes(2));
        Assert.True(File.Exists(screenshot), "chromium wrote no screenshot (install the chromium package)");
        var shot = ImageFiles.Load(screenshot);
        Assert.Equal(1200, shot.Width);
        var distinct = new HashSet<ushort>();
        foreach (var s in shot.Samples)
        {
            distinct.Add(s);
        }
        Assert.True(distinct.Count > 64, $"the screenshot has only {distinct.Count} gray levels: the page did not render its images");
    }

    private (string Key, string Cert, string Ca) WatermarkCredentials()
    {
        var (key, cert, ca) = Support.C2paCredentials(dir, "watermark");
        return (key, cert, ca);
    }

    [Fact]
    public void An_unreadable_file_exits_1_with_one_stderr_line_and_the_rest_is_still_inspected()
    {
        var junk = Path.Combine(dir, "junk.bin");
        File.WriteAllBytes(junk, RandomNumberGenerator.GetBytes(500));
        var good = Phantom("ok.dcm", 12);
        var (code, stdout, stderr) = Support.Cli("inspect", "--json", junk, good);
        Assert.Equal(1, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"radseal: {junk}: ", stderr, StringComparison.Ordinal);
        Assert.Contains("\"no-evidence\"", stdout, StringComparison.Ordinal);
        Assert.Contains("UNREADABLE", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_terminal_table_names_each_file_and_verdict()
    {
        var posing = Img2dcm("posing.dcm", "Modality=DX");
        var (code, stdout, _) = Support.Cli("inspect", dir);
        Assert.Equal(0, code);
        Assert.Contains("posing.dcm", stdout, StringComparison.Ordinal);
        Assert.Contains("suspicious", stdout, StringComparison.Ordinal);
        Assert.Contains("META_SC_AS_ACQUISITION", stdout, StringComparison.Ordinal);
        Assert.Contains("1 file: 1 suspicious", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(posing));
    }

    private sealed class FixedDetector(double p) : IPixelDetector
    {
        public string Name => "fixed-test-detector";

        public PixelScore Score(GrayImage image, CancellationToken cancellationToken = default) =>
            new(p, [0f, 1f, 0.5f, 0.25f], 2, 2, ["noise is too smooth", "no detector grid"]);
    }

    [Fact]
    public async Task The_pixel_layer_reports_not_checked_below_and_above_its_threshold()
    {
        var file = Phantom("pixels.dcm", 12);
        var none = await new Inspector(new InspectorOptions()).InspectAsync(file);
        Assert.Contains(none.Findings, f => f.Code == "PIXELS_NOT_CHECKED");
        var low = await new Inspector(new InspectorOptions { PixelDetector = new FixedDetector(0.2) }).InspectAsync(file);
        Assert.Equal(Verdict.NoEvidence, low.Verdict);
        Assert.Contains(low.Findings, f => f.Code == "PIXELS_SCORE");
        var high = await new Inspector(new InspectorOptions { PixelDetector = new FixedDetector(0.9), Thumbnails = true }).InspectAsync(file);
        Assert.Equal(Verdict.Suspicious, high.Verdict);
        var finding = Assert.Single(high.Findings, f => f.Code == "PIXELS_SYNTHETIC");
        Assert.Contains("noise is too smooth", finding.Message, StringComparison.Ordinal);
        Assert.NotNull(high.PixelScore);
        Assert.NotNull(high.Thumbnail);
        Assert.Contains("heatmap", HtmlReport.Render([high], DateTimeOffset.UtcNow), StringComparison.Ordinal);
    }

    [Fact]
    public void Verdicts_follow_the_strongest_evidence_and_authentic_needs_proof()
    {
        static LayerResult L(LayerOutcome o) => new("x", o, []);
        Assert.Equal(Verdict.Tampered, Inspector.Decide([L(LayerOutcome.Proven), L(LayerOutcome.Tampered)]));
        Assert.Equal(Verdict.Authentic, Inspector.Decide([L(LayerOutcome.Proven), L(LayerOutcome.Suspicious)]));
        Assert.Equal(Verdict.DeclaredAi, Inspector.Decide([L(LayerOutcome.DeclaredAi), L(LayerOutcome.Suspicious)]));
        Assert.Equal(Verdict.Suspicious, Inspector.Decide([L(LayerOutcome.Suspicious), L(LayerOutcome.Inconclusive)]));
        Assert.Equal(Verdict.NoEvidence, Inspector.Decide([L(LayerOutcome.Inconclusive), L(LayerOutcome.NotChecked)]));
        Assert.Equal(Verdict.NoEvidence, Inspector.Decide([]));
    }
}
