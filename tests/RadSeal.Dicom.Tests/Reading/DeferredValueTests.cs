namespace RadSeal.Dicom.Tests.Reading;

/// <summary>
/// Large values stay in the file until asked for: the header of a 50 MB image costs kilobytes, reading its pixels
/// costs the pixels. Allocation is counted (deterministic), not time.
/// </summary>
public class DeferredValueTests
{
    private static string WriteImage(TempDir dir, int pixelBytes)
    {
        var ds = new DicomDataSet();
        ds.SetString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1");
        ds.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUid.Generate());
        ds.SetString(DicomTags.PatientName, DicomVR.PN, "Deferred^Test");
        var pixels = new byte[pixelBytes];
        new Random(7).NextBytes(pixels);
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels));
        var path = dir.File("big.dcm");
        new DicomFile(new DicomDataSet(), ds, TransferSyntax.ExplicitVRLittleEndian).Save(path);
        return path;
    }

    private static long Allocated(Action action)
    {
        action(); // warm-up: JIT and static tables are not what is measured
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Listing_the_header_of_a_50_MB_file_allocates_kilobytes()
    {
        using var dir = new TempDir();
        var path = WriteImage(dir, 50 * 1024 * 1024);
        DicomFile? file = null;
        var bytes = Allocated(() => file = DicomFile.Open(path));
        Assert.True(bytes < 256 * 1024, $"opening allocated {bytes} bytes");
        var pixel = file!.DataSet.FindElement(DicomTag.PixelData)!;
        Assert.True(pixel.Value.IsDeferred);
        Assert.Equal(50 * 1024 * 1024, pixel.Length);
        Assert.Equal("Deferred^Test", file.DataSet.GetString(DicomTags.PatientName));
        Assert.True(Allocated(() => DicomDump.ToString(file)) < 256 * 1024, "the listing loaded the pixels");
    }

    [Fact]
    public void Reading_the_pixels_of_a_20_MB_file_allocates_at_most_1_2_times_their_size()
    {
        using var dir = new TempDir();
        const int size = 20 * 1024 * 1024;
        var path = WriteImage(dir, size);
        var bytes = Allocated(() =>
        {
            var memory = DicomFile.Open(path).DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory();
            Assert.Equal(size, memory.Length);
        });
        Assert.True(bytes <= size * 1.2, $"reading the pixels allocated {bytes} bytes for {size}");
    }

    [Fact]
    public void A_deferred_value_equals_what_was_written_and_a_changed_file_is_refused()
    {
        using var dir = new TempDir();
        var path = WriteImage(dir, 1024 * 1024);
        var file = DicomFile.Open(path);
        var expected = new byte[1024 * 1024];
        new Random(7).NextBytes(expected);
        Assert.Equal(expected, file.DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory().ToArray());

        File.AppendAllText(path, "x"); // the file changes under the reader
        Assert.Throws<IOException>(() => file.DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory());
    }

    [Fact]
    public void Stop_at_pixel_data_reads_only_the_header()
    {
        using var dir = new TempDir();
        var path = WriteImage(dir, 256 * 1024);
        var file = DicomFile.Open(path, new ReadOptions { StopAtTag = DicomTag.PixelData });
        Assert.Null(file.DataSet.Find(DicomTag.PixelData));
        Assert.Equal("Deferred^Test", file.DataSet.GetString(DicomTags.PatientName));
    }
}
