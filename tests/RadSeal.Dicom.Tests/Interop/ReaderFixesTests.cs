namespace RadSeal.Dicom.Tests.Interop;

/// <summary>
/// The reader fixes the peer comparison led to, each pinned by a small synthetic input (no peers needed):
/// "US or SS" resolved by Pixel Representation in implicit VR (MR_small_implicit.dcm) and encapsulated pixel data in
/// an implicit VR data set read as OB (SC_rgb_jpeg.dcm).
/// </summary>
public sealed class ReaderFixesTests
{
    private static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    private static readonly DicomTag SmallestImagePixelValue = new(0x0028, 0x0106);
    private static readonly DicomTag ModalityLutSequence = new(0x0028, 0x3000);
    private static readonly DicomTag LutDescriptor = new(0x0028, 0x3002);

    [Theory]
    [InlineData((ushort)1, "SS")]
    [InlineData((ushort)0, "US")]
    public void Implicit_US_or_SS_follows_pixel_representation(ushort pixelRepresentation, string expected)
    {
        var ds = new DicomDataSet();
        ds.SetValues(PixelRepresentation, DicomVR.US, pixelRepresentation);
        ds.SetValues(SmallestImagePixelValue, DicomVR.SS, (short)-5);
        var item = new DicomDataSet();
        item.SetValues(LutDescriptor, DicomVR.SS, (short)-2, (short)0, (short)16);
        ds.Set(new DicomSequence(ModalityLutSequence, [item]));

        var back = RoundTrip(new DicomFile(new DicomDataSet(), ds, TransferSyntax.ImplicitVRLittleEndian));

        Assert.Equal(expected, back.DataSet.Find(SmallestImagePixelValue)!.VR.Code);
        // In an item, Pixel Representation is looked for in the enclosing data set (PS3.5 7.5: items nest in it).
        Assert.Equal(expected, back.DataSet.FindSequence(ModalityLutSequence)!.Items[0].Find(LutDescriptor)!.VR.Code);
        Assert.Equal((short)-5, back.DataSet.GetValue<short>(SmallestImagePixelValue));
    }

    [Fact]
    public void Implicit_US_or_SS_without_pixel_representation_is_US()
    {
        var ds = new DicomDataSet();
        ds.SetValues(SmallestImagePixelValue, DicomVR.US, (ushort)5);
        var back = RoundTrip(new DicomFile(new DicomDataSet(), ds, TransferSyntax.ImplicitVRLittleEndian));
        Assert.Equal("US", back.DataSet.Find(SmallestImagePixelValue)!.VR.Code);
    }

    [Fact]
    public void Encapsulated_pixel_data_in_implicit_VR_is_OB()
    {
        var ds = new DicomDataSet();
        ds.Set(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, ValueBuffer.Empty, [ValueBuffer.From(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 })]));
        var back = RoundTrip(new DicomFile(new DicomDataSet(), ds, TransferSyntax.ImplicitVRLittleEndian));
        var pixels = Assert.IsType<DicomFragmentSequence>(back.DataSet.Find(DicomTag.PixelData));
        Assert.Equal("OB", pixels.VR.Code);
        Assert.Single(pixels.Fragments);
    }

    private static DicomFile RoundTrip(DicomFile file)
    {
        using var stream = new MemoryStream();
        file.Save(stream);
        stream.Position = 0;
        return DicomFile.Read(stream);
    }
}
