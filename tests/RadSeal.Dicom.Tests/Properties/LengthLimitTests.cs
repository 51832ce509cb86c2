namespace RadSeal.Dicom.Tests.Properties;

/// <summary>The 16-bit length field of short VRs in explicit syntaxes, at its boundary.</summary>
public class LengthLimitTests
{
    private static readonly TransferSyntax[] ExplicitSyntaxes =
        [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian, TransferSyntax.DeflatedExplicitVRLittleEndian];

    private static DicomDataSet WithValue(DicomVR vr, int length) =>
        new DicomDataSet().Set(new DicomElement(new DicomTag(0x0009, 0x1001), vr, new byte[length]));

    [Fact]
    public void Every_short_VR_holds_65534_bytes_in_explicit_syntaxes_and_refuses_65536()
    {
        foreach (var vr in DicomVR.All.Where(v => !v.HasLongLength))
        {
            foreach (var syntax in ExplicitSyntaxes)
            {
                var bytes = RoundTripProperties.Write(WithValue(vr, 65534), syntax);
                var back = DicomFile.Read(new MemoryStream(bytes));
                Assert.Equal(65534, back.DataSet.FindElement(new DicomTag(0x0009, 0x1001))!.Length);
                Assert.Throws<DicomEncodingException>(() => RoundTripProperties.Write(WithValue(vr, 65536), syntax));
            }
        }
    }

    [Fact]
    public void Long_VRs_and_implicit_syntax_have_no_16_bit_limit()
    {
        foreach (var vr in DicomVR.All.Where(v => v.HasLongLength && v != DicomVR.SQ))
        {
            var back = DicomFile.Read(new MemoryStream(RoundTripProperties.Write(WithValue(vr, 70_000), TransferSyntax.ExplicitVRLittleEndian)));
            Assert.Equal(70_000, back.DataSet.FindElement(new DicomTag(0x0009, 0x1001))!.Length);
        }
        var implicitBack = DicomFile.Read(new MemoryStream(RoundTripProperties.Write(WithValue(DicomVR.UN, 70_000), TransferSyntax.ImplicitVRLittleEndian)));
        Assert.Equal(70_000, implicitBack.DataSet.FindElement(new DicomTag(0x0009, 0x1001))!.Length);
    }
}
