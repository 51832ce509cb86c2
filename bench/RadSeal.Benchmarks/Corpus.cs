using RadSeal.Dicom;

namespace RadSeal.Benchmarks;

/// <summary>
/// Synthetic benchmark files: CT-like (512x512x16-bit, ~120 header elements with sequences, 0.5 MB) and DX-like
/// (3072x3328x16-bit, 20 MB). Deterministic by index; no patient data.
/// </summary>
public static class Corpus
{
    public static void Write(string dir, int ctCount, int dxCount)
    {
        Directory.CreateDirectory(dir);
        for (var i = 0; i < ctCount; i++)
        {
            Make(512, 512, i, "CT").Save(Path.Combine(dir, $"ct-{i:D4}.dcm"));
        }
        for (var i = 0; i < dxCount; i++)
        {
            Make(3328, 3072, i, "DX").Save(Path.Combine(dir, $"dx-{i:D4}.dcm"));
        }
    }

    public static DicomFile Make(int rows, int columns, int seed, string modality)
    {
        var ds = new DicomDataSet();
        // The modality is part of the root: CT and DX files of the same index once shared their UIDs, so an archive (or
        // a PACS) keyed by SOP Instance UID kept 950 of the 1,000 files.
        var root = "2.25.1234567890." + (modality == "CT" ? "1." : "2.") + seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ds.SetString(new DicomTag(0x0008, 0x0005), DicomVR.CS, "ISO_IR 100");
        ds.SetStrings(new DicomTag(0x0008, 0x0008), DicomVR.CS, "ORIGINAL", "PRIMARY", "AXIAL");
        ds.SetString(new DicomTag(0x0008, 0x0016), DicomVR.UI, modality == "CT" ? "1.2.840.10008.5.1.4.1.1.2" : "1.2.840.10008.5.1.4.1.1.1.1");
        ds.SetString(new DicomTag(0x0008, 0x0018), DicomVR.UI, root + ".3");
        ds.SetString(new DicomTag(0x0008, 0x0060), DicomVR.CS, modality);
        ds.SetString(new DicomTag(0x0010, 0x0010), DicomVR.PN, "Bench^Patient" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ds.SetString(new DicomTag(0x0020, 0x000D), DicomVR.UI, root + ".1");
        ds.SetString(new DicomTag(0x0020, 0x000E), DicomVR.UI, root + ".2");
        // Filler header content typical of a CT: many short strings and a few nested sequences.
        for (ushort e = 0x1000; e < 0x1060; e++)
        {
            ds.SetString(new DicomTag(0x0019, e), DicomVR.LO, "vendor value " + e.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        ds.SetString(new DicomTag(0x0019, 0x0010), DicomVR.LO, "BENCH_PRIVATE");
        var items = Enumerable.Range(0, 4).Select(k =>
        {
            var item = new DicomDataSet();
            item.SetString(new DicomTag(0x0008, 0x1150), DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2");
            item.SetString(new DicomTag(0x0008, 0x1155), DicomVR.UI, root + ".9." + k.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return item;
        });
        ds.Set(new DicomSequence(new DicomTag(0x0008, 0x1140), items));
        ds.SetValues(new DicomTag(0x0028, 0x0002), DicomVR.US, (ushort)1);
        ds.SetString(new DicomTag(0x0028, 0x0004), DicomVR.CS, "MONOCHROME2");
        ds.SetValues(new DicomTag(0x0028, 0x0010), DicomVR.US, (ushort)rows);
        ds.SetValues(new DicomTag(0x0028, 0x0011), DicomVR.US, (ushort)columns);
        ds.SetValues(new DicomTag(0x0028, 0x0100), DicomVR.US, (ushort)16);
        ds.SetValues(new DicomTag(0x0028, 0x0101), DicomVR.US, (ushort)12);
        ds.SetValues(new DicomTag(0x0028, 0x0102), DicomVR.US, (ushort)11);
        ds.SetValues(new DicomTag(0x0028, 0x0103), DicomVR.US, (ushort)0);
        var pixels = new byte[rows * columns * 2];
        new Random(seed).NextBytes(pixels);
        ds.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels));
        return new DicomFile(new DicomDataSet(), ds, TransferSyntax.ExplicitVRLittleEndian);
    }
}
