namespace RadSeal.Dicom.Tests.Reading;

/// <summary>Regression: a file opened through a symbolic link could not read its deferred (large) values.</summary>
public class SymlinkTests
{
    [Fact]
    public void Deferred_pixel_data_reads_through_a_symbolic_link()
    {
        using var dir = new TempDir();
        var pixels = new byte[200_000];
        new Random(7).NextBytes(pixels);
        var ds = new DicomDataSet();
        ds.SetString(new DicomTag(0x0008, 0x0016), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7");
        ds.SetString(new DicomTag(0x0008, 0x0018), DicomVR.UI, "1.2.3.4");
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OB, pixels));
        var meta = new DicomDataSet();
        new DicomFile(meta, ds, TransferSyntax.ExplicitVRLittleEndian).Save(dir.File("real.dcm"));
        File.CreateSymbolicLink(dir.File("link.dcm"), dir.File("real.dcm"));

        var file = DicomFile.Open(dir.File("link.dcm"));
        var element = Assert.IsType<DicomElement>(file.DataSet[DicomTag.PixelData]);
        Assert.True(element.Value.IsDeferred);
        Assert.Equal(pixels, element.Value.GetMemory().ToArray());
    }
}
