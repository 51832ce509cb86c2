namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>Save(path) writes a temporary file and renames it: a failure midway leaves the directory as it was.</summary>
public class AtomicSaveTests
{
    /// <summary>
    /// A data set that fails while being written in an explicit syntax: 200 KB of pixel-like bytes (enough to reach the
    /// disk through the write buffers) and then an LO value of 70,000 bytes, more than a 16-bit length can state.
    /// </summary>
    private static DicomFile FailingFile()
    {
        var dataSet = Samples.DataSet();
        dataSet.Set(new DicomElement(new DicomTag(0x0011, 0x0010), DicomVR.LO, "ACME    "u8.ToArray()));
        dataSet.Set(new DicomElement(new DicomTag(0x0011, 0x1001), DicomVR.OB, new byte[200_000]));
        dataSet.Set(new DicomElement(new DicomTag(0x0040, 0xA160), DicomVR.LO, new byte[70_000]));
        return new DicomFile(new DicomDataSet(), dataSet, TransferSyntax.ExplicitVRLittleEndian);
    }

    public static TheoryData<string> FailingSyntaxes => new()
    {
        TransferSyntax.ExplicitVRLittleEndian.Uid,
        TransferSyntax.ExplicitVRBigEndian.Uid,
        TransferSyntax.DeflatedExplicitVRLittleEndian.Uid,
    };

    [Theory]
    [MemberData(nameof(FailingSyntaxes))]
    public void Failed_save_leaves_no_file_and_no_temporary_file(string syntaxUid)
    {
        using var dir = new TempDir();
        var path = dir.File("out.dcm");
        var options = new WriteOptions { TransferSyntax = TransferSyntax.FromUid(syntaxUid) };
        Assert.Throws<DicomEncodingException>(() => FailingFile().Save(path, options));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Theory]
    [MemberData(nameof(FailingSyntaxes))]
    public void Failed_save_leaves_an_existing_file_unchanged(string syntaxUid)
    {
        using var dir = new TempDir();
        var path = dir.File("out.dcm");
        new DicomFile(new DicomDataSet(), Samples.DataSet(), TransferSyntax.ExplicitVRLittleEndian).Save(path);
        var before = File.ReadAllBytes(path);
        var written = File.GetLastWriteTimeUtc(path);
        var options = new WriteOptions { TransferSyntax = TransferSyntax.FromUid(syntaxUid) };
        Assert.Throws<DicomEncodingException>(() => FailingFile().Save(path, options));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal([path], Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void The_same_data_set_saves_in_implicit_VR_where_lengths_are_32_bit()
    {
        using var dir = new TempDir();
        var path = dir.File("out.dcm");
        FailingFile().Save(path, new WriteOptions { TransferSyntax = TransferSyntax.ImplicitVRLittleEndian });
        var back = DicomFile.Open(path);
        Assert.Equal(70_000, back.DataSet.FindElement(new DicomTag(0x0040, 0xA160))!.Length);
        Assert.Equal([path], Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Saving_over_the_file_it_was_opened_from_with_deferred_values()
    {
        // Open defers the pixel data; Save(path) onto the same path must read it before replacing the file.
        using var dir = new TempDir();
        var path = dir.File("self.dcm");
        var original = Samples.File(TransferSyntax.ExplicitVRLittleEndian);
        File.WriteAllBytes(path, original);
        var file = DicomFile.Open(path, new ReadOptions { DeferThreshold = 1024 });
        Assert.True(file.DataSet.FindElement(DicomTags.PixelData)!.Value.IsDeferred);
        file.Save(path);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Failure_in_a_sequence_item_midway_leaves_nothing()
    {
        using var dir = new TempDir();
        var path = dir.File("out.dcm");
        var dataSet = Samples.DataSet();
        var item = new DicomDataSet { UndefinedLength = false }
            .Set(new DicomElement(new DicomTag(0x0008, 0x0100), DicomVR.SH, new byte[66_000]));
        dataSet.Set(new DicomSequence(DicomTags.ContentSequence, [item], undefinedLength: true));
        var file = new DicomFile(new DicomDataSet(), dataSet, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Throws<DicomEncodingException>(() => file.Save(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
