using RadSeal.Dicom;

namespace RadSeal.Provenance.Tests;

/// <summary>Test images built from the bundled synthetic sample (no patient data).</summary>
public static class TestImages
{
    public static string SamplePath => Path.Combine(RepoRoot.Path, "samples", "sample-dx.dcm");

    /// <summary>
    /// The sample plus what makes MAC streams interesting: a private block (explicit VR LO), a sequence with an
    /// explicit-length item, a nested sequence, and an odd-group element in a sequence.
    /// </summary>
    public static DicomFile Rich()
    {
        var file = DicomFile.Read(new MemoryStream(File.ReadAllBytes(SamplePath)));
        var ds = file.DataSet;
        ds.SetString(new DicomTag(0x0009, 0x0010), DicomVR.LO, "RADSEAL TEST");
        ds.SetString(new DicomTag(0x0009, 0x1001), DicomVR.LO, "private value");
        var instance = new DicomDataSet();
        instance.SetString(DicomTags.ReferencedSOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.1.1");
        instance.SetString(DicomTags.ReferencedSOPInstanceUID, DicomVR.UI, "1.2.3.4.5");
        instance.UndefinedLength = false;
        var series = new DicomDataSet();
        series.SetString(DicomTags.SeriesInstanceUID, DicomVR.UI, "1.2.3.4");
        series.Set(new DicomSequence(DicomTags.ReferencedInstanceSequence, [instance], undefinedLength: false));
        ds.Set(new DicomSequence(DicomTags.ReferencedSeriesSequence, [series]));
        ds.SetString(DicomTags.AcquisitionDate, DicomVR.DA, "20260101");
        ds.SetString(DicomTags.AcquisitionTime, DicomVR.TM, "115900");
        return file;
    }

    public static string WriteRich(string path, TransferSyntax? syntax = null)
    {
        Rich().Save(path, new WriteOptions { TransferSyntax = syntax });
        return path;
    }
}
