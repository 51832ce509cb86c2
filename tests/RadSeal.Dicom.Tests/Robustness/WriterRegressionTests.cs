using System.Text;

namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>Faults found by the fuzz and property tests, each pinned by a small case.</summary>
public class WriterRegressionTests
{
    private static DicomFile Reread(DicomFile file, WriteOptions? options = null)
    {
        using var ms = new MemoryStream();
        file.Save(ms, options);
        return DicomFile.Read(new MemoryStream(ms.ToArray()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(6)]
    public void Group_length_of_odd_size_inside_a_defined_length_item_is_counted_as_written(int valueLength)
    {
        // The writer replaces a group length by a 4-byte UL; the defined lengths around it must count those 4 bytes,
        // not the size the element held (found by flipping a byte of a group length's length field).
        var item = new DicomDataSet { UndefinedLength = false }
            .Set(new DicomElement(new DicomTag(0x0008, 0x0000), DicomVR.UL, new byte[valueLength]))
            .Set(Samples.Text(DicomTags.CodeValue, DicomVR.SH, "121071"));
        var dataSet = new DicomDataSet()
            .Set(new DicomSequence(DicomTags.ConceptNameCodeSequence, [item], undefinedLength: false))
            .Set(Samples.Text(DicomTags.PatientName, DicomVR.PN, "Doe^Jane"));
        foreach (var syntax in new[] { TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian })
        {
            var back = Reread(new DicomFile(new DicomDataSet(), dataSet, syntax));
            var readItem = back.DataSet.FindSequence(DicomTags.ConceptNameCodeSequence)!.Items.Single();
            Assert.Equal(4, readItem.FindElement(new DicomTag(0x0008, 0x0000))!.Length);
            Assert.NotNull(back.DataSet.FindElement(DicomTags.PatientName));
            Assert.Equal(
                DicomEncoder.EncodedLength(readItem, syntax),
                DicomEncoder.EncodedLength(item, syntax));
        }
    }

    [Fact]
    public void Undefined_length_UN_sequence_in_big_endian_closes_in_little_endian()
    {
        // Items of an undefined-length UN are Implicit VR Little Endian (PS3.5 6.2.2), and the reader reads the
        // closing Sequence Delimitation Item the same way; the writer wrote it big endian.
        var item = new DicomDataSet().Set(Samples.Text(DicomTags.CodeValue, DicomVR.SH, "121071"));
        var dataSet = new DicomDataSet()
            .Set(Samples.Text(new DicomTag(0x0009, 0x0010), DicomVR.LO, "ACME"))
            .Set(new DicomSequence(new DicomTag(0x0009, 0x1001), [item], undefinedLength: true, DicomVR.UN))
            .Set(Samples.Text(DicomTags.PatientName, DicomVR.PN, "Doe^Jane"));
        var back = Reread(new DicomFile(new DicomDataSet(), dataSet, TransferSyntax.ExplicitVRBigEndian));
        var sq = back.DataSet.FindSequence(new DicomTag(0x0009, 0x1001))!;
        Assert.Same(DicomVR.UN, sq.VR);
        Assert.Equal("121071", Encoding.ASCII.GetString(sq.Items.Single().FindElement(DicomTags.CodeValue)!.Value.GetMemory().Span));
        Assert.NotNull(back.DataSet.FindElement(DicomTags.PatientName));
    }

    [Fact]
    public void File_meta_elements_in_the_data_set_are_refused()
    {
        // Written first in the data set, (0002,xxxx) would read back as part of the meta group.
        var dataSet = Samples.DataSet().Set(Samples.Text(new DicomTag(0x0002, 0x0016), DicomVR.AE, "SENDER"));
        var file = new DicomFile(new DicomDataSet(), dataSet, TransferSyntax.ExplicitVRLittleEndian);
        var ex = Assert.Throws<DicomEncodingException>(() => file.Save(new MemoryStream()));
        Assert.Contains("(0002,0016)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Meta_declaring_another_uncompressed_syntax_is_corrected()
    {
        // Meta taken from an Explicit VR file, data set written Implicit: (0002,0010) must say Implicit.
        var explicitFile = DicomFile.Read(new MemoryStream(Samples.File(TransferSyntax.ExplicitVRLittleEndian)));
        var file = new DicomFile(explicitFile.Meta, explicitFile.DataSet, TransferSyntax.ImplicitVRLittleEndian);
        var back = Reread(file);
        Assert.Same(TransferSyntax.ImplicitVRLittleEndian, back.TransferSyntax);
        var declared = Encoding.ASCII.GetString(back.Meta.FindElement(DicomTag.TransferSyntaxUid)!.Value.GetMemory().Span).TrimEnd('\0');
        Assert.Equal(TransferSyntax.ImplicitVRLittleEndian.Uid, declared);
    }

    [Fact]
    public void Declared_compressed_syntax_over_an_implicit_data_set_is_kept_byte_for_byte()
    {
        // pydicom's SC_rgb_jpeg.dcm declares JPEG Baseline over an Implicit VR data set; the reader goes by the data
        // set, and the rewrite keeps the declared syntax (it says how the fragments are compressed).
        var path = Samples.PydicomFile("SC_rgb_jpeg.dcm");
        var file = DicomFile.Open(path);
        Assert.Same(TransferSyntax.ImplicitVRLittleEndian, file.TransferSyntax);
        using var ms = new MemoryStream();
        file.Save(ms);
        Assert.Equal(File.ReadAllBytes(path), ms.ToArray());
    }

    [Fact]
    public void Transcoding_a_DICOMDIR_is_refused_because_its_byte_offsets_would_break()
    {
        // Found by the interop tests: pydicom could not follow the records of a transcoded DICOMDIR-implicit.
        var record = new DicomDataSet().Set(Samples.Text(new DicomTag(0x0004, 0x1430), DicomVR.CS, "PATIENT"));
        var dataSet = new DicomDataSet().Set(new DicomSequence(new DicomTag(0x0004, 0x1220), [record]));
        var file = new DicomFile(new DicomDataSet(), dataSet, TransferSyntax.ImplicitVRLittleEndian);
        var ex = Assert.Throws<DicomEncodingException>(() =>
            file.Save(new MemoryStream(), new WriteOptions { TransferSyntax = TransferSyntax.ExplicitVRLittleEndian }));
        Assert.Contains("DICOMDIR", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(Reread(file).DataSet.FindSequence(new DicomTag(0x0004, 0x1220))); // its own syntax is fine
    }
}
