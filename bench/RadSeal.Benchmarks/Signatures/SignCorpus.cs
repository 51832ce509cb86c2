using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Benchmarks.Signatures;

/// <summary>
/// `sign-corpus IN OUT KEY CERT PASSWORD SERIAL`: signs every file of a corpus in one process (whole data set,
/// SHA-256), stamping Device Serial Number so the device policy applies, for the verify side-by-side.
/// </summary>
public static class SignCorpus
{
    public static void Run(string input, string output, string key, string cert, string password, string serial)
    {
        Directory.CreateDirectory(output);
        using var signer = SoftwareSignatureKey.Load(key, cert, password);
        var files = Directory.GetFiles(input, "*.dcm").Order(StringComparer.Ordinal).ToArray();
        Parallel.ForEach(files, path =>
        {
            var file = DicomFile.Open(path);
            file.DataSet.SetString(DicomTags.DeviceSerialNumber, DicomVR.LO, serial);
            DicomSigner.Sign(file, signer);
            file.Save(Path.Combine(output, Path.GetFileName(path)));
        });
    }
}
