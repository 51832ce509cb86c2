namespace RadSeal.Dicom.Tests.Model;

public class DicomVRTests
{
    private static readonly string[] AllCodes =
    [
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
        "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
    ];

    /// <summary>PS3.5 Table 7.1-1: the VRs with a 2-byte reserved field and a 32-bit length in explicit VR.</summary>
    private static readonly string[] LongLength = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

    [Fact]
    public void All_lists_every_VR_of_the_standard_once()
    {
        Assert.Equal(AllCodes, DicomVR.All.Select(v => v.Code));
        Assert.Equal(DicomVR.All.Count, DicomVR.All.Distinct().Count());
    }

    [Fact]
    public void Long_length_VRs_are_those_of_PS3_5_table_7_1_1()
    {
        Assert.Equal(LongLength, DicomVR.All.Where(v => v.HasLongLength).Select(v => v.Code));
    }

    [Fact]
    public void Each_code_parses_to_its_shared_instance()
    {
        foreach (var vr in DicomVR.All)
        {
            Assert.Same(vr, DicomVR.Parse(vr.Code));
            Assert.True(DicomVR.TryGet((byte)vr.Code[0], (byte)vr.Code[1], out var got));
            Assert.Same(vr, got);
            Assert.Equal((ushort)(vr.Code[0] << 8 | vr.Code[1]), vr.Value);
            Assert.Equal(vr.Code, vr.ToString());
        }
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("ob")]
    [InlineData("O")]
    [InlineData("OBX")]
    [InlineData("")]
    public void Unknown_codes_are_refused_and_TryParse_gives_UN(string code)
    {
        Assert.False(DicomVR.TryParse(code, out var vr));
        Assert.Same(DicomVR.UN, vr);
        Assert.Throws<FormatException>(() => DicomVR.Parse(code));
    }

    [Fact]
    public void TryParse_null_gives_false()
    {
        Assert.False(DicomVR.TryParse(null, out var vr));
        Assert.Same(DicomVR.UN, vr);
    }

    [Fact]
    public void Padding_is_space_for_text_NUL_for_UI_and_binary()
    {
        foreach (var vr in DicomVR.All)
        {
            var expected = vr.IsString && vr != DicomVR.UI ? (byte)' ' : (byte)0;
            Assert.True(expected == vr.Padding, $"{vr}: padding {vr.Padding}");
        }
    }

    [Theory]
    [InlineData("AT", 2)]
    [InlineData("US", 2)]
    [InlineData("SS", 2)]
    [InlineData("OW", 2)]
    [InlineData("UL", 4)]
    [InlineData("SL", 4)]
    [InlineData("FL", 4)]
    [InlineData("OF", 4)]
    [InlineData("OL", 4)]
    [InlineData("FD", 8)]
    [InlineData("OD", 8)]
    [InlineData("OV", 8)]
    [InlineData("SV", 8)]
    [InlineData("UV", 8)]
    [InlineData("OB", 1)]
    [InlineData("UN", 1)]
    [InlineData("LO", 1)]
    [InlineData("SQ", 1)]
    public void Unit_size_is_the_size_of_one_number(string code, int unit)
    {
        Assert.Equal(unit, DicomVR.Parse(code).UnitSize);
    }

    [Theory]
    [InlineData("AE", 16)]
    [InlineData("AS", 4)]
    [InlineData("CS", 16)]
    [InlineData("DA", 8)]
    [InlineData("DS", 16)]
    [InlineData("DT", 26)]
    [InlineData("IS", 12)]
    [InlineData("LO", 64)]
    [InlineData("LT", 10240)]
    [InlineData("PN", 64)]
    [InlineData("SH", 16)]
    [InlineData("ST", 1024)]
    [InlineData("TM", 14)]
    [InlineData("UI", 64)]
    [InlineData("UT", 0)]
    [InlineData("UC", 0)]
    [InlineData("OB", 0)]
    public void Max_length_follows_PS3_5_table_6_2_1(string code, long max)
    {
        Assert.Equal(max, DicomVR.Parse(code).MaxLength);
    }

    [Fact]
    public void Kinds_and_character_sets()
    {
        Assert.Equal(VRKind.Sequence, DicomVR.SQ.Kind);
        Assert.Equal(VRKind.Tag, DicomVR.AT.Kind);
        Assert.All(new[] { DicomVR.LT, DicomVR.ST, DicomVR.UT, DicomVR.UR }, v => Assert.Equal(VRKind.SingleText, v.Kind));
        Assert.All(new[] { DicomVR.OB, DicomVR.OD, DicomVR.OF, DicomVR.OL, DicomVR.OV, DicomVR.OW, DicomVR.UN }, v => Assert.Equal(VRKind.Bytes, v.Kind));
        Assert.All(new[] { DicomVR.FD, DicomVR.FL, DicomVR.SL, DicomVR.SS, DicomVR.SV, DicomVR.UL, DicomVR.US, DicomVR.UV }, v => Assert.Equal(VRKind.Number, v.Kind));
        // PS3.5 6.1.2.3: Specific Character Set applies to SH, LO, ST, LT, PN, UC and UT only.
        Assert.Equal(["LO", "LT", "PN", "SH", "ST", "UC", "UT"], DicomVR.All.Where(v => v.UsesSpecificCharacterSet).Select(v => v.Code));
    }
}
