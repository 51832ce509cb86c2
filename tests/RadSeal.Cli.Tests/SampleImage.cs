using RadSeal.Dicom;

namespace RadSeal.Cli.Tests;

/// <summary>
/// Builds the bundled sample (samples/sample-dx.dcm): a synthetic 12-bit digital radiograph made entirely here, with
/// fixed UIDs so the committed file is reproducible byte for byte (see SampleTests). No patient data, no third-party
/// pixels. The physics-based phantom of the pixels issue will supersede its simple pattern.
/// </summary>
public static class SampleImage
{
    public const int Rows = 256;
    public const int Columns = 256;
    private const string Root = "2.25.161716829023228376124646157947479894966.1";

    public static DicomFile Build()
    {
        var ds = new DicomDataSet();
        S(ds, 0x0008, 0x0005, DicomVR.CS, "ISO_IR 192");
        S(ds, 0x0008, 0x0008, DicomVR.CS, "DERIVED", "PRIMARY");
        S(ds, 0x0008, 0x0016, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1");
        S(ds, 0x0008, 0x0018, DicomVR.UI, Root + ".3.1");
        S(ds, 0x0008, 0x0020, DicomVR.DA, "20260101");
        S(ds, 0x0008, 0x0023, DicomVR.DA, "20260101");
        S(ds, 0x0008, 0x0030, DicomVR.TM, "120000");
        S(ds, 0x0008, 0x0033, DicomVR.TM, "120000");
        S(ds, 0x0008, 0x0050, DicomVR.SH, "");
        S(ds, 0x0008, 0x0060, DicomVR.CS, "DX");
        S(ds, 0x0008, 0x0068, DicomVR.CS, "FOR PRESENTATION");
        S(ds, 0x0008, 0x0070, DicomVR.LO, "RadSeal");
        S(ds, 0x0008, 0x0090, DicomVR.PN, "");
        S(ds, 0x0008, 0x1090, DicomVR.LO, "Synthetic sample");
        var chest = new DicomDataSet();
        S(chest, 0x0008, 0x0100, DicomVR.SH, "51185008");
        S(chest, 0x0008, 0x0102, DicomVR.SH, "SCT");
        S(chest, 0x0008, 0x0104, DicomVR.LO, "Chest");
        ds.Set(new DicomSequence(new DicomTag(0x0008, 0x2218), [chest]));
        S(ds, 0x0010, 0x0010, DicomVR.PN, "Sample^Phantom");
        S(ds, 0x0010, 0x0020, DicomVR.LO, "RADSEAL-SAMPLE-1");
        S(ds, 0x0010, 0x0030, DicomVR.DA, "");
        S(ds, 0x0010, 0x0040, DicomVR.CS, "O");
        S(ds, 0x0018, 0x0015, DicomVR.CS, "CHEST");
        S(ds, 0x0018, 0x0060, DicomVR.DS, "120");
        S(ds, 0x0018, 0x1000, DicomVR.LO, "SAMPLE-0001");
        S(ds, 0x0018, 0x1164, DicomVR.DS, "0.5", "0.5");
        S(ds, 0x0018, 0x1508, DicomVR.CS, "");
        S(ds, 0x0018, 0x5101, DicomVR.CS, "PA");
        S(ds, 0x0018, 0x7004, DicomVR.CS, "DIRECT");
        S(ds, 0x0020, 0x000D, DicomVR.UI, Root + ".1.1");
        S(ds, 0x0020, 0x000E, DicomVR.UI, Root + ".2.1");
        S(ds, 0x0020, 0x0010, DicomVR.SH, "1");
        S(ds, 0x0020, 0x0011, DicomVR.IS, "1");
        S(ds, 0x0020, 0x0013, DicomVR.IS, "1");
        S(ds, 0x0020, 0x0020, DicomVR.CS, "L", "F");
        S(ds, 0x0020, 0x0062, DicomVR.CS, "U");
        S(ds, 0x0028, 0x0002, 1);
        S(ds, 0x0028, 0x0004, DicomVR.CS, "MONOCHROME2");
        S(ds, 0x0028, 0x0010, Rows);
        S(ds, 0x0028, 0x0011, Columns);
        S(ds, 0x0028, 0x0030, DicomVR.DS, "0.5", "0.5");
        S(ds, 0x0028, 0x0100, 16);
        S(ds, 0x0028, 0x0101, 12);
        S(ds, 0x0028, 0x0102, 11);
        S(ds, 0x0028, 0x0103, 0);
        S(ds, 0x0028, 0x0301, DicomVR.CS, "NO");
        S(ds, 0x0028, 0x1040, DicomVR.CS, "LIN");
        ds.SetValues(new DicomTag(0x0028, 0x1041), DicomVR.SS, (short)1);
        S(ds, 0x0028, 0x1050, DicomVR.DS, "2048");
        S(ds, 0x0028, 0x1051, DicomVR.DS, "4096");
        S(ds, 0x0028, 0x1052, DicomVR.DS, "0");
        S(ds, 0x0028, 0x1053, DicomVR.DS, "1");
        S(ds, 0x0028, 0x1054, DicomVR.LO, "US");
        S(ds, 0x0028, 0x2110, DicomVR.CS, "00");
        ds.Set(new DicomSequence(new DicomTag(0x0040, 0x0555), []));
        S(ds, 0x2050, 0x0020, DicomVR.CS, "IDENTITY");
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, Pixels()));
        var meta = new DicomDataSet();
        meta.Set(new DicomElement(new DicomTag(0x0002, 0x0001), DicomVR.OB, new byte[] { 0, 1 }));
        meta.SetString(new DicomTag(0x0002, 0x0002), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1");
        meta.SetString(new DicomTag(0x0002, 0x0003), DicomVR.UI, Root + ".3.1");
        meta.SetString(DicomTag.TransferSyntaxUid, DicomVR.UI, TransferSyntax.ExplicitVRLittleEndian.Uid);
        meta.SetString(new DicomTag(0x0002, 0x0012), DicomVR.UI, DicomUid.ImplementationClassUid);
        meta.SetString(new DicomTag(0x0002, 0x0013), DicomVR.SH, DicomUid.ImplementationVersionName);
        return new DicomFile(meta, ds, TransferSyntax.ExplicitVRLittleEndian, new byte[128]);
    }

    /// <summary>A chest-like pattern: bright mediastinum and ribs over darker lungs, deterministic.</summary>
    private static byte[] Pixels()
    {
        var pixels = new ushort[Rows * Columns];
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Columns; x++)
            {
                double u = (x - Columns / 2.0) / (Columns / 2.0), v = (y - Rows / 2.0) / (Rows / 2.0);
                var body = Math.Max(0, 1 - (u * u * 0.8 + v * v * 0.5));
                var lung = Math.Exp(-Math.Pow((Math.Abs(u) - 0.45) / 0.25, 2) - Math.Pow(v / 0.55, 2));
                var rib = 0.5 + 0.5 * Math.Cos((v * 9 + u * u * 2) * Math.PI);
                var value = 300 + 3000 * body - 1800 * lung + 350 * rib * lung + ((x * 7 + y * 13) % 17);
                pixels[y * Columns + x] = (ushort)Math.Clamp(value, 0, 4095);
            }
        }
        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray();
    }

    private static void S(DicomDataSet ds, ushort g, ushort e, DicomVR vr, params string[] values) =>
        ds.SetStrings(new DicomTag(g, e), vr, values);

    private static void S(DicomDataSet ds, ushort g, ushort e, ushort value) =>
        ds.SetValues(new DicomTag(g, e), DicomVR.US, value);
}
