using System.Runtime.InteropServices;

namespace RadSeal.Dicom.Tests.Reading;

/// <summary>
/// Reading from memory without copying (<see cref="DicomFile.Read(ReadOnlyMemory{byte}, ReadOptions?)"/>) and through a
/// file mapping (<see cref="DicomFileMapping"/>): the same data set as a stream read, values that are views of the
/// source, allocation counted (deterministic), and bad input refused as a stream read refuses it.
/// </summary>
public class MappedReadTests
{
    private static DicomFile Image(int pixelBytes, int seed = 7)
    {
        var ds = new DicomDataSet();
        ds.SetString(DicomTags.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1");
        ds.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUid.Generate());
        ds.SetString(DicomTags.PatientName, DicomVR.PN, "Mapped^Test");
        var item = new DicomDataSet();
        item.SetString(DicomTags.CodeValue, DicomVR.SH, "121320");
        ds.Set(new DicomSequence(DicomTags.InstitutionCodeSequence, [item]));
        var pixels = new byte[pixelBytes];
        new Random(seed).NextBytes(pixels);
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels));
        return new DicomFile(new DicomDataSet(), ds, TransferSyntax.ExplicitVRLittleEndian);
    }

    private static byte[] Encode(DicomFile file, TransferSyntax? syntax = null)
    {
        using var memory = new MemoryStream();
        file.Save(memory, new WriteOptions { TransferSyntax = syntax ?? file.TransferSyntax });
        return memory.ToArray();
    }

    private static void AssertSameDataSet(DicomFile expected, DicomFile actual)
    {
        Assert.Equal(expected.TransferSyntax, actual.TransferSyntax);
        Assert.Equal(Encode(expected), Encode(actual));
    }

    [Fact]
    public void Reading_from_memory_matches_a_stream_read_and_its_values_are_slices_of_the_source()
    {
        var bytes = Encode(Image(64 * 1024));
        var fromStream = DicomFile.Read(new MemoryStream(bytes, writable: false));
        var fromMemory = DicomFile.Read(bytes.AsMemory());
        AssertSameDataSet(fromStream, fromMemory);

        var pixel = fromMemory.DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory();
        Assert.True(MemoryMarshal.TryGetArray(pixel, out var segment));
        Assert.Same(bytes, segment.Array); // a view, not a copy
        Assert.Equal(bytes.Length - pixel.Length, segment.Offset); // Pixel Data is the last element
    }

    [Fact]
    public void A_deflated_file_read_from_memory_matches_a_stream_read()
    {
        var bytes = Encode(Image(4096), TransferSyntax.DeflatedExplicitVRLittleEndian);
        var fromStream = DicomFile.Read(new MemoryStream(bytes, writable: false));
        var fromMemory = DicomFile.Read(bytes.AsMemory());
        Assert.Equal(TransferSyntax.DeflatedExplicitVRLittleEndian, fromMemory.TransferSyntax);
        AssertSameDataSet(fromStream, fromMemory);
    }

    [Fact]
    public void Memory_without_an_array_behind_it_is_read_too()
    {
        var bytes = Encode(Image(8192));
        using var dir = new TempDir();
        var path = dir.File("unmanaged.dcm");
        File.WriteAllBytes(path, bytes);
        using var mapping = DicomFileMapping.Open(path);
        var pixel = mapping.File.DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory();
        Assert.False(MemoryMarshal.TryGetArray(pixel, out _)); // the mapping's memory, not an array
        AssertSameDataSet(DicomFile.Read(bytes.AsMemory()), mapping.File);
    }

    [Fact]
    public void Mapping_a_20_MB_file_allocates_kilobytes_and_reads_like_Open()
    {
        using var dir = new TempDir();
        var path = dir.File("big.dcm");
        Image(20 * 1024 * 1024).Save(path);
        DicomFileMapping.Open(path).Dispose(); // warm-up: JIT and static tables are not what is measured
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var mapping = DicomFileMapping.Open(path);
        var pixel = mapping.File.DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 256 * 1024, $"mapping allocated {allocated} bytes");
        Assert.Equal(DicomFile.Open(path).DataSet.FindElement(DicomTag.PixelData)!.Value.GetMemory().ToArray(), pixel.ToArray());
        Assert.Equal("Mapped^Test", mapping.File.DataSet.GetString(DicomTags.PatientName));
    }

    [Fact]
    public void A_value_used_after_the_mapping_ends_fails_clearly()
    {
        using var dir = new TempDir();
        var path = dir.File("image.dcm");
        Image(8192).Save(path);
        var mapping = DicomFileMapping.Open(path);
        var value = mapping.File.DataSet.FindElement(DicomTag.PixelData)!.Value;
        mapping.Dispose();
        Assert.Throws<ObjectDisposedException>(() => value.GetMemory().Span.ToArray());
        Assert.Throws<ObjectDisposedException>(() => value.GetMemory().Pin());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void A_truncated_file_is_refused_as_a_stream_read_refuses_it(double keep)
    {
        var bytes = Encode(Image(16 * 1024));
        using var dir = new TempDir();
        var path = dir.File("cut.dcm");
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        var expected = Assert.Throws<DicomFormatException>(() => DicomFile.Read(File.OpenRead(path)));
        var actual = Assert.Throws<DicomFormatException>(() => DicomFileMapping.Open(path));
        Assert.Equal(expected.Message, actual.Message);
        Assert.Throws<DicomFormatException>(() => DicomFile.Read(File.ReadAllBytes(path).AsMemory()));
    }

    [Fact]
    public void An_empty_file_is_refused_as_Open_refuses_it()
    {
        using var dir = new TempDir();
        var path = dir.File("empty.dcm");
        File.WriteAllBytes(path, []);
        var expected = Assert.Throws<DicomFormatException>(() => DicomFile.Open(path));
        Assert.Equal(expected.Message, Assert.Throws<DicomFormatException>(() => DicomFileMapping.Open(path)).Message);
    }
}
