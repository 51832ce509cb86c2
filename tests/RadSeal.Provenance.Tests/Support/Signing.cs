using RadSeal.Dicom;
using RadSeal.Provenance.Pki;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Verification;

namespace RadSeal.Provenance.Tests;

internal static class Signing
{
    public static DicomFile SignRich((string Key, string Cert) signer, SigningOptions? options = null)
    {
        var file = TestImages.Rich();
        Sign(file, signer, options);
        return file;
    }

    public static DicomSignature Sign(DicomFile file, (string Key, string Cert) signer, SigningOptions? options = null)
    {
        using var key = SoftwareSignatureKey.Load(signer.Key, signer.Cert);
        return DicomSigner.Sign(file, key, options);
    }

    public static string Save(DicomFile file, string path)
    {
        file.Save(path, new WriteOptions { TransferSyntax = DicomSigner.OutputSyntax(file.TransferSyntax) });
        return path;
    }

    /// <summary>Writes and reads back, so verification sees exactly what a receiver would.</summary>
    public static DicomFile RoundTrip(DicomFile file)
    {
        var memory = new MemoryStream();
        file.Save(memory, new WriteOptions { TransferSyntax = DicomSigner.OutputSyntax(file.TransferSyntax) });
        memory.Position = 0;
        return DicomFile.Read(memory);
    }

    public static VerificationPolicy Policy(TestPki pki, params string[] crls) => new()
    {
        TrustAnchors = PemFiles.LoadCertificates(pki.CaCert),
        RevocationLists = [.. crls.Select(c => RevocationList.Parse(PemFiles.LoadCrlBytes(c)))],
        RequireRevocationCheck = crls.Length > 0,
    };

    public static VerificationReport Verify(DicomFile file, VerificationPolicy policy) =>
        new SignatureVerifier(policy).Verify(RoundTrip(file).DataSet);

    public static ProcessResult DcmsignVerify(string path, params string[] trusted)
    {
        var args = new List<string> { "--verify", "+rg" };
        foreach (var t in trusted)
        {
            args.AddRange(["+cf", t]);
        }
        args.Add(path);
        return Peers.Run("dcmsign", args, null, TimeSpan.FromMinutes(1));
    }
}
