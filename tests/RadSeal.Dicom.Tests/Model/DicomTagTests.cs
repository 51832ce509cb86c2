namespace RadSeal.Dicom.Tests.Model;

public class DicomTagTests
{
    [Theory]
    [InlineData("(0010,0010)", 0x0010, 0x0010)]
    [InlineData("0010,0010", 0x0010, 0x0010)]
    [InlineData("00100010", 0x0010, 0x0010)]
    [InlineData("(7FE0,0010)", 0x7FE0, 0x0010)]
    [InlineData("(7fe0,0010)", 0x7FE0, 0x0010)]
    [InlineData("  (FFFE,E0DD) ", 0xFFFE, 0xE0DD)]
    [InlineData("(0000,0000)", 0x0000, 0x0000)]
    [InlineData("FFFFFFFF", 0xFFFF, 0xFFFF)]
    public void Parse_accepts_the_usual_forms(string text, int group, int element)
    {
        Assert.Equal(new DicomTag((ushort)group, (ushort)element), DicomTag.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("()")]
    [InlineData("0010,001")]
    [InlineData("(0010,00100)")]
    [InlineData("(0010;0010)")]
    [InlineData("(GGGG,0010)")]
    [InlineData("0x10,0x10")]
    [InlineData("(0010,-010)")]
    [InlineData("PatientName")]
    public void Parse_refuses_what_is_not_a_tag(string text)
    {
        var ex = Assert.Throws<FormatException>(() => DicomTag.Parse(text));
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    // Regression: Parse once stripped parentheses and the comma before the 8-digit check and allowed inner white
    // space, so these parsed as (0001,0010) and (0010,0010).
    [Theory]
    [InlineData("( 0010,010)")]
    [InlineData("(0010,010 )")]
    [InlineData("(001,00010)")]
    public void Parse_refuses_misplaced_digits_and_inner_spaces(string text)
    {
        Assert.Throws<FormatException>(() => DicomTag.Parse(text));
    }

    [Fact]
    public void Parse_null_throws_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => DicomTag.Parse(null!));
    }

    [Theory]
    [InlineData(0x0010, 0x0010, "(0010,0010)")]
    [InlineData(0x7FE0, 0x0010, "(7FE0,0010)")]
    [InlineData(0xFFFE, 0xE00D, "(FFFE,E00D)")]
    [InlineData(0x0000, 0x0000, "(0000,0000)")]
    [InlineData(0xABCD, 0xEF01, "(ABCD,EF01)")]
    public void ToString_is_upper_case_hex_in_parentheses(int group, int element, string expected)
    {
        var tag = new DicomTag((ushort)group, (ushort)element);
        Assert.Equal(expected, tag.ToString());
        Assert.Equal(tag, DicomTag.Parse(tag.ToString()));
    }

    [Fact]
    public void ToString_and_Parse_round_trip_for_random_tags()
    {
        var rng = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var tag = new DicomTag((uint)rng.NextInt64(0, 1L << 32));
            Assert.Equal(tag, DicomTag.Parse(tag.ToString()));
            Assert.Equal(tag, DicomTag.Parse(tag.ToString()[1..^1].Replace(",", "", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Value_puts_the_group_in_the_high_half()
    {
        var tag = new DicomTag(0x0028, 0x0010);
        Assert.Equal(0x00280010u, tag.Value);
        Assert.Equal(tag, new DicomTag(0x00280010u));
    }

    [Fact]
    public void Ordering_is_by_group_then_element()
    {
        var tags = new[]
        {
            new DicomTag(0x7FE0, 0x0010), new DicomTag(0x0008, 0x0018), new DicomTag(0x0010, 0x0010),
            new DicomTag(0x0008, 0x0005), new DicomTag(0xFFFE, 0xE000), new DicomTag(0x0009, 0x0010),
            new DicomTag(0x0008, 0xFFFF), new DicomTag(0x0000, 0x0000),
        };
        var sorted = tags.Order().ToArray();
        Assert.Equal(tags.OrderBy(t => t.Group).ThenBy(t => t.Element), sorted);
        for (var i = 1; i < sorted.Length; i++)
        {
            Assert.True(sorted[i - 1] < sorted[i]);
            Assert.True(sorted[i - 1] <= sorted[i]);
            Assert.True(sorted[i] > sorted[i - 1]);
            Assert.True(sorted[i] >= sorted[i - 1]);
            Assert.True(sorted[i - 1].CompareTo(sorted[i]) < 0);
            Assert.True(sorted[i].CompareTo(sorted[i - 1]) > 0);
        }
        // (0008,FFFF) sorts before (0009,0000): element never outweighs group.
        Assert.True(new DicomTag(0x0008, 0xFFFF) < new DicomTag(0x0009, 0x0000));
        Assert.Equal(0, new DicomTag(0x0010, 0x0010).CompareTo(DicomTags.PatientName));
    }

    [Fact]
    public void Equality_is_by_value()
    {
        Assert.Equal(new DicomTag(0x0010, 0x0010), DicomTags.PatientName);
        Assert.True(new DicomTag(0x0010, 0x0010) == DicomTags.PatientName);
        Assert.NotEqual(new DicomTag(0x0010, 0x0020), DicomTags.PatientName);
        Assert.Equal(new DicomTag(0x0010, 0x0010).GetHashCode(), DicomTags.PatientName.GetHashCode());
    }

    [Theory]
    [InlineData(0x0009, 0x0010, true, true)]
    [InlineData(0x0009, 0x00FF, true, true)]
    [InlineData(0x0009, 0x1000, true, false)]
    [InlineData(0x0009, 0x000F, true, false)]
    [InlineData(0x0009, 0x0100, true, false)]
    [InlineData(0x0011, 0x0010, true, true)]
    [InlineData(0x0029, 0x1010, true, false)]
    [InlineData(0x7FDF, 0x0010, true, true)]
    [InlineData(0xFFFD, 0x0010, true, true)]
    [InlineData(0x0010, 0x0010, false, false)]
    [InlineData(0x0008, 0x0010, false, false)]
    [InlineData(0x0001, 0x0010, false, false)]
    [InlineData(0x0003, 0x0010, false, false)]
    [InlineData(0x0005, 0x0010, false, false)]
    [InlineData(0x0007, 0x0010, false, false)]
    [InlineData(0xFFFF, 0x0010, false, false)]
    [InlineData(0xFFFE, 0xE000, false, false)]
    public void Private_tags_are_odd_groups_above_0008_except_FFFF(int group, int element, bool isPrivate, bool isCreator)
    {
        var tag = new DicomTag((ushort)group, (ushort)element);
        Assert.Equal(isPrivate, tag.IsPrivate);
        Assert.Equal(isCreator, tag.IsPrivateCreator);
    }

    [Fact]
    public void Group_length_and_delimiter_flags()
    {
        Assert.True(new DicomTag(0x0008, 0x0000).IsGroupLength);
        Assert.True(DicomTag.FileMetaInformationGroupLength.IsGroupLength);
        Assert.False(new DicomTag(0x0008, 0x0001).IsGroupLength);
        Assert.True(DicomTag.Item.IsDelimiter);
        Assert.True(DicomTag.ItemDelimitation.IsDelimiter);
        Assert.True(DicomTag.SequenceDelimitation.IsDelimiter);
        Assert.False(DicomTag.PixelData.IsDelimiter);
    }

    [Fact]
    public void Well_known_tags_have_their_standard_numbers()
    {
        Assert.Equal("(FFFE,E000)", DicomTag.Item.ToString());
        Assert.Equal("(FFFE,E00D)", DicomTag.ItemDelimitation.ToString());
        Assert.Equal("(FFFE,E0DD)", DicomTag.SequenceDelimitation.ToString());
        Assert.Equal("(0002,0010)", DicomTag.TransferSyntaxUid.ToString());
        Assert.Equal("(0008,0005)", DicomTag.SpecificCharacterSet.ToString());
        Assert.Equal("(7FE0,0010)", DicomTag.PixelData.ToString());
    }
}
