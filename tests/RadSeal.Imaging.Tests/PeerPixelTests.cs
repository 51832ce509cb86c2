using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Imaging.Tests;

/// <summary>Our pixel encodings read by software nobody here wrote (pydicom, DCMTK, GDCM), and theirs read by us.</summary>
public sealed class PeerPixelTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("radseal-pixels-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const string Dump = """
import sys, pydicom, numpy as np
ds = pydicom.dcmread(sys.argv[1])
a = ds.pixel_array.astype(np.int64).ravel()
print(",".join(str(v) for v in a))
""";

    private static string Expected(GrayImage image) => string.Join(",", Enumerable.Range(0, image.Samples.Length).Select(i => image.ToStoredValue(image.Samples[i])));

    [Theory]
    [InlineData(12, false, 1, "1.2.840.10008.1.2.1")]
    [InlineData(16, true, 2, "1.2.840.10008.1.2.5")]
    [InlineData(8, false, 3, "1.2.840.10008.1.2.5")]
    [InlineData(14, true, 1, "1.2.840.10008.1.2.2")]
    public void Pydicom_reads_our_pixels(int bits, bool isSigned, int frames, string syntax)
    {
        var image = DicomPixelsTests.RandomImage(bits * 7 + frames, 33, 17, bits, isSigned, frames, Photometric.Monochrome2);
        var path = Path.Combine(dir, "ours.dcm");
        DicomPixelsTests.Wrap(image, TransferSyntax.FromUid(syntax)).Save(path);
        var result = Peers.Python3(Dump, path).EnsureSuccess("pydicom");
        Assert.Equal(Expected(image), result.Stdout.Trim());
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(8, false)]
    [InlineData(12, true)]
    public void Dcmtk_decodes_our_rle_and_we_decode_dcmtks(int bits, bool isSigned)
    {
        var image = DicomPixelsTests.RandomImage(bits, 70, 45, bits, isSigned, 1, Photometric.Monochrome2);
        var ours = Path.Combine(dir, "ours-rle.dcm");
        DicomPixelsTests.Wrap(image, TransferSyntax.RleLossless).Save(ours);
        var decoded = Path.Combine(dir, "dcmtk-decoded.dcm");
        Peers.Run("dcmdrle", ours, decoded).EnsureSuccess("dcmdrle");
        Assert.True(DicomPixels.Read(DicomFile.Open(decoded)).SamplesEqual(image));

        var plain = Path.Combine(dir, "plain.dcm");
        DicomPixelsTests.Wrap(image, TransferSyntax.ExplicitVRLittleEndian).Save(plain);
        var theirs = Path.Combine(dir, "dcmtk-rle.dcm");
        Peers.Run("dcmcrle", plain, theirs).EnsureSuccess("dcmcrle");
        var file = DicomFile.Open(theirs);
        Assert.Equal(TransferSyntax.RleLossless.Uid, file.TransferSyntax.Uid);
        Assert.True(DicomPixels.Read(file).SamplesEqual(image));
    }

    [Fact]
    public void Gdcm_rle_is_read_and_gdcm_reads_ours()
    {
        var image = DicomPixelsTests.RandomImage(5, 64, 40, 16, false, 1, Photometric.Monochrome2);
        var plain = Path.Combine(dir, "plain.dcm");
        DicomPixelsTests.Wrap(image, TransferSyntax.ExplicitVRLittleEndian).Save(plain);
        var theirs = Path.Combine(dir, "gdcm-rle.dcm");
        Peers.Run("gdcmconv", "--rle", plain, theirs).EnsureSuccess("gdcmconv --rle");
        Assert.True(DicomPixels.Read(DicomFile.Open(theirs)).SamplesEqual(image));
        var ours = Path.Combine(dir, "ours-rle.dcm");
        DicomPixelsTests.Wrap(image, TransferSyntax.RleLossless).Save(ours);
        var back = Path.Combine(dir, "gdcm-raw.dcm");
        Peers.Run("gdcmconv", "--raw", ours, back).EnsureSuccess("gdcmconv --raw");
        Assert.True(DicomPixels.Read(DicomFile.Open(back)).SamplesEqual(image));
    }
}
