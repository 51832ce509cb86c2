using System.Text.Json;
using RadSeal.Dicom;

namespace RadSeal.Cli.Tests;

public class CliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Sample => Path.Combine(RepoRoot.Path, "samples", "sample-dx.dcm");

    [Fact]
    public void Dump_lists_header_without_loading_pixels()
    {
        var (exit, output, err) = Run("dump", Sample);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", err);
        Assert.Contains("(0010,0010) PN [Sample^Phantom]", output, StringComparison.Ordinal);
        Assert.Contains("(0008,0016) UI =DigitalXRayImageStorageForPresentation", output, StringComparison.Ordinal);
        Assert.Contains("(7fe0,0010) OW (not loaded, 131072 bytes)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_json_is_the_PS3_18_model()
    {
        var (exit, output, _) = Run("dump", "--json", Sample);
        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("PN", root.GetProperty("00100010").GetProperty("vr").GetString());
        Assert.Equal("Sample", root.GetProperty("00100010").GetProperty("Value")[0].GetProperty("Alphabetic").GetString()!.Split('^')[0]);
        Assert.Equal(256, root.GetProperty("00280010").GetProperty("Value")[0].GetInt32());
        Assert.Equal(120.0, root.GetProperty("00180060").GetProperty("Value")[0].GetDouble());
        Assert.StartsWith("file://", root.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString(), StringComparison.Ordinal);
        Assert.False(root.TryGetProperty("00020010", out _), "file meta is not part of the JSON data set");
    }

    [Fact]
    public void Dump_json_of_several_files_is_an_array()
    {
        var (exit, output, _) = Run("dump", "--json", Sample, Sample);
        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public void Dump_of_a_non_dicom_file_says_so_on_one_line_and_exits_1()
    {
        using var dir = new TempDir();
        var path = dir.File("not.dcm");
        File.WriteAllText(path, "hello, this is not DICOM at all, just some text that is long enough");
        var (exit, output, err) = Run("dump", path, Sample);
        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.Contains("not valid DICOM", err, StringComparison.Ordinal);
        Assert.Contains("Sample^Phantom", output, StringComparison.Ordinal); // the other file is still listed
    }

    [Fact]
    public void Missing_file_is_an_io_error()
    {
        var (exit, _, err) = Run("dump", "/nonexistent/file.dcm");
        Assert.Equal(ExitCodes.IOError, exit);
        Assert.Contains("no such file", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(ExitCodes.Usage, Run("frobnicate").Exit);
        Assert.Equal(ExitCodes.Usage, Run("convert", Sample).Exit);
        Assert.Equal(ExitCodes.Usage, Run("convert", Sample, "/tmp/x.dcm", "--syntax", "jpeg").Exit);
    }

    [Theory]
    [InlineData("explicit", "1.2.840.10008.1.2.1")]
    [InlineData("implicit", "1.2.840.10008.1.2")]
    [InlineData("deflated", "1.2.840.10008.1.2.1.99")]
    [InlineData("big", "1.2.840.10008.1.2.2")]
    public void Convert_writes_the_requested_syntax_with_the_same_values(string syntax, string uid)
    {
        using var dir = new TempDir();
        var output = dir.File("out.dcm");
        var (exit, _, err) = Run("convert", Sample, output, "--syntax", syntax);
        Assert.True(exit == ExitCodes.Ok, err);
        var original = DicomFile.Open(Sample);
        var converted = DicomFile.Open(output);
        Assert.Equal(uid, converted.TransferSyntax.Uid);
        Assert.Equal(uid, converted.Meta.GetString(DicomTag.TransferSyntaxUid));
        Assert.Equal(DicomUid.ImplementationClassUid, converted.Meta.GetString(new DicomTag(0x0002, 0x0012)));
        Assert.Equal(original.DataSet.GetString(new DicomTag(0x0010, 0x0010)), converted.DataSet.GetString(new DicomTag(0x0010, 0x0010)));
        Assert.Equal(original.DataSet.GetValues<ushort>(DicomTag.PixelData), converted.DataSet.GetValues<ushort>(DicomTag.PixelData));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temp file left behind
    }

    [Fact]
    public void Converted_files_are_read_by_dcmdump()
    {
        using var dir = new TempDir();
        foreach (var syntax in new[] { "explicit", "implicit", "deflated", "big" })
        {
            var output = dir.File(syntax + ".dcm");
            Assert.Equal(ExitCodes.Ok, Run("convert", Sample, output, "--syntax", syntax).Exit);
            var result = Peers.Run("dcmdump", output);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Contains("Sample^Phantom", result.Stdout, StringComparison.Ordinal);
        }
    }
}
