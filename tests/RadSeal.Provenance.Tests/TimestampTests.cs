using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;
using RadSeal.Provenance.Pki;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Timestamps;
using RadSeal.Provenance.Verification;

namespace RadSeal.Provenance.Tests;

/// <summary>RFC 3161 certified time-stamps from a real TSA (openssl ts) over loopback HTTP.</summary>
public sealed class TimestampTests : IClassFixture<PkiFixture>, IDisposable
{
    private readonly PkiFixture pki;
    private readonly OpenSslTsa tsa;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public TimestampTests(PkiFixture pki)
    {
        this.pki = pki;
        tsa = new OpenSslTsa(pki.Pki);
    }

    public void Dispose()
    {
        http.Dispose();
        tsa.Dispose();
    }

    private HttpTimestampAuthority Authority => new(tsa.Url, http);

    [Fact]
    public void Time_stamped_signature_verifies_with_openssl_ts_dcmsign_and_RadSeal()
    {
        using var dir = new TempDir();
        foreach (var signer in new[] { pki.Rsa, pki.P256 })
        {
            var file = TestImages.Rich();
            var signature = Signing.Sign(file, signer, new SigningOptions { TimestampAuthority = Authority });
            Assert.Equal(DicomSigner.TimestampTypeCms, signature.TimestampType);

            // openssl ts -verify: the token certifies exactly the signature value (pad byte removed).
            File.WriteAllBytes(dir.File("sig.bin"), signature.UnpaddedSignature.ToArray());
            var token = signature.TimestampBytes!.Value.ToArray();
            File.WriteAllBytes(dir.File("token.der"), TrimDer(token));
            var verify = Peers.Run("openssl", ["ts", "-verify", "-data", dir.File("sig.bin"), "-in", dir.File("token.der"), "-token_in",
                "-CAfile", pki.Pki.CaCert], null, TimeSpan.FromMinutes(1));
            Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
            Assert.Contains("Verification: OK", verify.Stdout, StringComparison.Ordinal);

            var path = Signing.Save(file, dir.File("stamped.dcm"));
            var dcmsign = Peers.Run("dcmsign", ["-v", "--verify", "+rg", "+cf", pki.Pki.CaCert, path], null, TimeSpan.FromMinutes(1));
            Assert.True(dcmsign.ExitCode == 0, dcmsign.Stdout + dcmsign.Stderr);
            Assert.Contains("Timestamp Verification      : OK", dcmsign.Stdout + dcmsign.Stderr, StringComparison.Ordinal);

            var report = new SignatureVerifier(Signing.Policy(pki.Pki) with { RequireTimestamp = true }).VerifyFile(path);
            Assert.True(report.Passed, string.Join("; ", report.Signatures.SelectMany(s => s.Findings).Select(f => f.Code + ": " + f.Message)));
            Assert.Equal("timestamp", report.Signatures[0].TimeSource);
            Assert.Contains(report.Signatures[0].Findings, f => f.Code == ReasonCodes.TimestampValid);
        }
        Assert.Equal(2, tsa.Requests);
    }

    [Fact]
    public void Time_stamp_over_other_bytes_is_caught()
    {
        var file = TestImages.Rich();
        Signing.Sign(file, pki.P256);
        var foreign = Authority.RequestToken("some other signature value"u8.ToArray());
        var item = file.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence)!.Items[0];
        item.SetString(DicomTags.CertifiedTimestampType, DicomVR.CS, "CMS_TSP");
        item.Set(new DicomElement(DicomTags.CertifiedTimestamp, DicomVR.OB, (foreign.Length & 1) == 1 ? [.. foreign, 0] : foreign));
        // The time-stamp is outside the MAC, so the signature itself still holds; only the time-stamp is rejected.
        var report = Signing.Verify(file, Signing.Policy(pki.Pki));
        Assert.Equal([ReasonCodes.TimestampInvalid], report.FailureCodes);
    }

    [Fact]
    public void Time_stamp_from_an_untrusted_tsa_is_caught()
    {
        var file = TestImages.Rich();
        Signing.Sign(file, pki.P256, new SigningOptions { TimestampAuthority = Authority });
        using var other = new TestPki();
        var policy = Signing.Policy(pki.Pki) with { TimestampAnchors = PemFiles.LoadCertificates(other.CaCert) };
        Assert.Equal([ReasonCodes.TimestampInvalid], Signing.Verify(file, policy).FailureCodes);
    }

    [Fact]
    public void Unreachable_tsa_is_a_clear_error_and_nothing_is_signed()
    {
        var file = TestImages.Rich();
        var dead = new HttpTimestampAuthority(new Uri("http://127.0.0.1:9/tsa"), http);
        var ex = Assert.Throws<TimestampException>(() => Signing.Sign(file, pki.P256, new SigningOptions { TimestampAuthority = dead }));
        Assert.Contains("cannot reach", ex.Message, StringComparison.Ordinal);
        Assert.Empty(DicomSignatures.Find(file.DataSet));
    }

    private static byte[] TrimDer(byte[] token) =>
        System.Formats.Asn1.AsnDecoder.ReadEncodedValue(token, System.Formats.Asn1.AsnEncodingRules.BER, out _, out _, out var consumed) is var _
            ? token[..consumed] : token;
}
