#pragma warning disable CA1822
namespace RadSeal.Dicom;
public sealed class SpecificCharacterSet
{
    public static SpecificCharacterSet Default { get; } = new();
    public static SpecificCharacterSet Parse(IReadOnlyList<string> terms) => Default;
    public string Decode(ReadOnlySpan<byte> value, DicomVR vr) => System.Text.Encoding.Latin1.GetString(value);
    public byte[] Encode(string value, DicomVR vr) => System.Text.Encoding.Latin1.GetBytes(value);
}
