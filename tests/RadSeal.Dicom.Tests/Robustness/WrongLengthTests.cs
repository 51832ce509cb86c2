namespace RadSeal.Dicom.Tests.Robustness;

/// <summary>Hand-made data sets whose length fields lie: each must fail with a DicomFormatException naming the tag.</summary>
public class WrongLengthTests
{
    private static readonly TransferSyntax Explicit = TransferSyntax.ExplicitVRLittleEndian;

    private static DicomFormatException ReadFails(byte[] file, DicomTag? expectedTag = null)
    {
        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(file)));
        Assert.True(ex.Offset >= 0, "the exception names no offset");
        Assert.Contains("offset", ex.Message, StringComparison.Ordinal);
        if (expectedTag is { } tag)
        {
            Assert.Equal(tag, ex.Tag);
            Assert.Contains(tag.ToString(), ex.Message, StringComparison.Ordinal);
        }
        // The same bytes from a stream of unknown length fail the same way (with or without a tag).
        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new NonSeekableStream(new MemoryStream(file))));
        return ex;
    }

    private static RawWriter Start() => new RawWriter()
        .Explicit(0x0008, 0x0060, "CS", 2).Ascii("OT");

    [Fact]
    public void Element_length_larger_than_the_file()
    {
        var raw = Start().Explicit(0x0010, 0x0010, "PN", 0x1000).Ascii("Doe^").ToArray();
        ReadFails(Samples.WithRawDataSet(Explicit, raw), DicomTags.PatientName);
    }

    [Fact]
    public void Long_element_length_larger_than_the_file()
    {
        var raw = Start().Explicit(0x0042, 0x0011, "OB", 0x0010_0000).Bytes(new byte[100]).ToArray();
        ReadFails(Samples.WithRawDataSet(Explicit, raw), DicomTags.EncapsulatedDocument);
    }

    [Fact]
    public void Implicit_element_length_larger_than_the_file()
    {
        var raw = new RawWriter().Implicit(0x0008, 0x0060, 2).Ascii("OT").Implicit(0x0010, 0x0010, 0x7000).Ascii("Doe^").ToArray();
        ReadFails(Samples.WithRawDataSet(TransferSyntax.ImplicitVRLittleEndian, raw), DicomTags.PatientName);
    }

    [Fact]
    public void Odd_sequence_length_overrunning_its_items()
    {
        // The sequence claims 17 bytes; its one empty item takes 8, then the next "item" header runs past the end.
        var raw = Start()
            .Explicit(0x0008, 0x1140, "SQ", 17)
            .Item(0)
            .Item(0)
            .Explicit(0x0010, 0x0010, "PN", 4).Ascii("Doe^")
            .ToArray();
        ReadFails(Samples.WithRawDataSet(Explicit, raw), DicomTags.ReferencedImageSequence);
    }

    [Fact]
    public void Odd_sequence_length_ending_inside_an_item()
    {
        // 8 (item header) + 10 (one element) = 18 bytes of content, but the sequence claims 17.
        var raw = Start()
            .Explicit(0x0008, 0x1140, "SQ", 17)
            .Item(10).Explicit(0x0008, 0x1150, "UI", 2).Ascii("1\0")
            .Explicit(0x0010, 0x0010, "PN", 4).Ascii("Doe^")
            .ToArray();
        var ex = ReadFails(Samples.WithRawDataSet(Explicit, raw));
        Assert.Contains("overrun", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Item_length_exceeding_its_sequence_ends_with_the_sequence_as_DCMTK_and_pydicom_read_it()
    {
        // pydicom's DICOMDIR-nooffset has exactly this fault: an item length left as it was after elements were removed.
        var raw = Start()
            .Explicit(0x0008, 0x1140, "SQ", 18)
            .Item(100).Explicit(0x0008, 0x1150, "UI", 2).Ascii("1\0")
            .Explicit(0x0010, 0x0010, "PN", 4).Ascii("Doe^")
            .ToArray();
        var file = DicomFile.Read(new MemoryStream(Samples.WithRawDataSet(Explicit, raw)));
        var item = Assert.Single(file.DataSet.FindSequence(new DicomTag(0x0008, 0x1140))!.Items);
        Assert.Equal("1", item.GetString(new DicomTag(0x0008, 0x1150)));
        Assert.Equal("Doe^", file.DataSet.GetString(new DicomTag(0x0010, 0x0010)));
    }

    [Fact]
    public void Item_length_exceeding_an_undefined_length_sequence_file_end()
    {
        var raw = Start()
            .Explicit(0x0008, 0x1140, "SQ", 0xFFFFFFFF)
            .Item(0x10000).Explicit(0x0008, 0x1150, "UI", 2).Ascii("1\0")
            .SequenceEnd()
            .ToArray();
        ReadFails(Samples.WithRawDataSet(Explicit, raw));
    }

    [Fact]
    public void Element_overrunning_its_defined_length_item()
    {
        // The item will claim 10 bytes; its element is 12.
        var raw = Start()
            .Explicit(0x0008, 0x1140, "SQ", 20)
            .Item(12).Explicit(0x0008, 0x1150, "UI", 4).Ascii("1.2\0")
            .ToArray();
        // Patch the item length from 12 to 10: the element then ends 2 bytes past its item.
        var itemLengthAt = raw.Length - 12 - 4;
        Assert.Equal(12, raw[itemLengthAt]);
        raw[itemLengthAt] = 10;
        var ex = ReadFails(Samples.WithRawDataSet(Explicit, raw));
        Assert.Contains("overrun", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fragment_with_undefined_length()
    {
        var raw = Start()
            .Explicit(0x7FE0, 0x0010, "OB", 0xFFFFFFFF)
            .Item(0)
            .Item(0xFFFFFFFF).Bytes(new byte[64])
            .SequenceEnd()
            .ToArray();
        var ex = ReadFails(Samples.WithRawDataSet(TransferSyntax.JpegBaseline, raw), DicomTags.PixelData);
        Assert.Contains("Fragment length", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Basic_offset_table_with_undefined_length()
    {
        var raw = Start()
            .Explicit(0x7FE0, 0x0010, "OB", 0xFFFFFFFF)
            .Item(0xFFFFFFFF)
            .Item(4).Bytes(new byte[4])
            .SequenceEnd()
            .ToArray();
        ReadFails(Samples.WithRawDataSet(TransferSyntax.JpegBaseline, raw), DicomTags.PixelData);
    }

    [Fact]
    public void Fragment_longer_than_the_file()
    {
        var raw = Start()
            .Explicit(0x7FE0, 0x0010, "OB", 0xFFFFFFFF)
            .Item(0)
            .Item(0x100000).Bytes(new byte[64])
            .ToArray();
        ReadFails(Samples.WithRawDataSet(TransferSyntax.JpegBaseline, raw), DicomTags.PixelData);
    }

    [Fact]
    public void Fragments_without_sequence_delimiter()
    {
        var raw = Start()
            .Explicit(0x7FE0, 0x0010, "OB", 0xFFFFFFFF)
            .Item(0)
            .Item(8).Bytes(new byte[8])
            .ToArray();
        ReadFails(Samples.WithRawDataSet(TransferSyntax.JpegBaseline, raw), DicomTags.PixelData);
    }

    [Fact]
    public void Non_item_tag_inside_a_sequence()
    {
        var raw = Start()
            .Explicit(0x0008, 0x1140, "SQ", 0xFFFFFFFF)
            .Explicit(0x0008, 0x1150, "UI", 2).Ascii("1\0")
            .SequenceEnd()
            .ToArray();
        ReadFails(Samples.WithRawDataSet(Explicit, raw), DicomTags.ReferencedImageSequence);
    }

    [Fact]
    public void Undefined_length_on_a_short_VR()
    {
        // A 4-byte undefined length can only be written for long-length VRs; UT undefined is refused.
        var raw = Start().Explicit(0x0040, 0xA160, "UT", 0xFFFFFFFF).Ascii("text").ToArray();
        ReadFails(Samples.WithRawDataSet(Explicit, raw), new DicomTag(0x0040, 0xA160));
    }

    [Fact]
    public void Meta_group_element_length_larger_than_the_file()
    {
        var good = Samples.File(Explicit);
        // (0002,0000) UL length 4 at offset 132: make it claim 0x4000 bytes (16-bit length field of UL).
        var bad = good[..200];
        Assert.Equal(0x02, bad[132]);
        bad[138] = 0x00;
        bad[139] = 0x40;
        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bad)));
    }
}
