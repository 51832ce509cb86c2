using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Verification;

namespace RadSeal.Provenance.Tests;

/// <summary>Signatures cross-verified with DCMTK's dcmsign in both directions.</summary>
public class InteropTests : IClassFixture<PkiFixture>
{
    private readonly PkiFixture pki;

    public InteropTests(PkiFixture pki) => this.pki = pki;

    public static TheoryData<string, string[], string> DcmsignCases => new()
    {
        // key, dcmsign options, expected MAC algorithm
        { "rsa", [], "RIPEMD160" },
        { "rsa", ["+pb", "+m2"], "SHA256" },
        { "rsa", ["+pc", "+m3", "+sp", "1"], "SHA384" },
        { "rsa", ["+pa", "+m5"], "SHA512" },
        { "rsa", ["+ms"], "SHA1" },
        { "p256", ["+m2"], "SHA256" },
        { "p384", ["+m3"], "SHA384" },
        { "p256", [], "RIPEMD160" },
    };

    [Theory]
    [MemberData(nameof(DcmsignCases))]
    public void Dcmsign_signed_files_verify_with_RadSeal(string keyKind, string[] options, string mac)
    {
        using var dir = new TempDir();
        var input = TestImages.WriteRich(dir.File("in.dcm"));
        var (key, cert) = Signer(keyKind);
        Peers.Run("dcmsign", ["--sign", key, cert, "-pw", .. options, input, dir.File("signed.dcm")], null, TimeSpan.FromMinutes(1))
            .EnsureSuccess("dcmsign --sign");
        var report = new SignatureVerifier(Signing.Policy(pki.Pki)).VerifyFile(dir.File("signed.dcm"));
        var verdict = Assert.Single(report.Signatures);
        Assert.Equal(mac, verdict.MacAlgorithm);
        Assert.Empty(report.FailureCodes);
        Assert.True(report.Passed);
        Assert.Contains(verdict.Findings, f => f.Code == ReasonCodes.SignatureValid);
    }

    [Fact]
    public void Dcmsign_md5_signature_is_cryptographically_valid_but_refused_by_the_default_policy()
    {
        using var dir = new TempDir();
        var input = TestImages.WriteRich(dir.File("in.dcm"));
        Peers.Run("dcmsign", "--sign", pki.Rsa.Key, pki.Rsa.Cert, "-pw", "+mm", input, dir.File("signed.dcm")).EnsureSuccess("dcmsign");
        var report = new SignatureVerifier(Signing.Policy(pki.Pki)).VerifyFile(dir.File("signed.dcm"));
        Assert.Equal([ReasonCodes.WeakAlgorithm], report.FailureCodes);
        Assert.Contains(report.Signatures[0].Findings, f => f.Code == ReasonCodes.SignatureValid);
    }

    [Fact]
    public void Dcmsign_selected_tags_item_level_and_two_signers()
    {
        using var dir = new TempDir();
        var input = TestImages.WriteRich(dir.File("in.dcm"));
        var (key, cert) = pki.Rsa;
        Peers.Run("dcmsign", "--sign-item", key, cert, "ReferencedSeriesSequence[0]", "-pw", "+m2", input, dir.File("item.dcm")).EnsureSuccess("dcmsign item");
        Peers.Run("dcmsign", "--sign", pki.P256.Key, pki.P256.Cert, "-pw", "+m2", "--tag", "PatientID", "--tag", "PixelData", dir.File("item.dcm"), dir.File("two.dcm")).EnsureSuccess("dcmsign tags");
        Peers.Run("dcmsign", "--sign", key, cert, "-pw", "+m2", dir.File("two.dcm"), dir.File("three.dcm")).EnsureSuccess("dcmsign all");

        var report = new SignatureVerifier(Signing.Policy(pki.Pki)).VerifyFile(dir.File("three.dcm"));
        Assert.Equal(3, report.Signatures.Count);
        Assert.All(report.Signatures, s => Assert.Contains(s.Findings, f => f.Code == ReasonCodes.SignatureValid));
        var item = Assert.Single(report.Signatures, s => !s.IsTopLevel);
        Assert.Equal("ReferencedSeriesSequence[0]", item.Location);
        Assert.True(item.Trusted);
        var partial = Assert.Single(report.Signatures, s => s.IsTopLevel && s.SignedTags.Count == 2);
        Assert.Contains(partial.Findings, f => f.Code == ReasonCodes.RequiredElementNotCovered);
        Assert.Equal([0, 1], report.Signatures.Where(s => s.IsTopLevel).Select(s => (int)s.MacId!.Value).Order());
        // A partial signature beside a full one still fails the file: every counted signature must hold.
        Assert.False(report.Passed);
    }

    public static TheoryData<string, string, string, string[]> OurCases => new()
    {
        // key, profile, MAC, tags ("" = all)
        { "rsa", "None", "SHA256", [] },
        { "rsa", "BaseRSA", "SHA384", [] },
        { "rsa", "CreatorRSA", "SHA512", ["PatientID"] },
        { "rsa", "AuthorizationRSA", "SHA256", ["PatientName", "PatientID"] },
        { "p256", "None", "SHA256", [] },
        { "p384", "None", "SHA384", [] },
        { "p256", "None", "SHA512", ["PatientID", "PixelData", "ReferencedSeriesSequence"] },
    };

    [Theory]
    [MemberData(nameof(OurCases))]
    public void RadSeal_signatures_verify_with_dcmsign(string keyKind, string profile, string mac, string[] tags)
    {
        using var dir = new TempDir();
        var options = new SigningOptions
        {
            Profile = SignatureProfile.FromName(profile)!,
            Mac = MacAlgorithm.FromTerm(mac)!,
            Tags = tags.Length == 0 ? null : tags.Select(DicomSignatures.ParseTag).ToArray(),
            Purpose = 5,
        };
        var file = Signing.SignRich(Signer(keyKind), options);
        var path = Signing.Save(file, dir.File("ours.dcm"));
        var result = Signing.DcmsignVerify(path, pki.Pki.CaCert);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        if (profile == "CreatorRSA")
        {
            var signature = Assert.Single(DicomSignatures.Find(DicomFile.Open(path).DataSet));
            Assert.Contains(DicomTag.PixelData, signature.SignedTags);
            Assert.Contains(DicomTags.DeviceSerialNumber, signature.SignedTags);
        }
    }

    [Fact]
    public void RadSeal_item_level_and_several_signers_verify_with_dcmsign_and_with_RadSeal()
    {
        using var dir = new TempDir();
        var file = TestImages.Rich();
        var inner = Signing.Sign(file, pki.P256, new SigningOptions { ItemAddress = "ReferencedSeriesSequence[0]" });
        var first = Signing.Sign(file, pki.Rsa);
        var second = Signing.Sign(file, pki.P384, new SigningOptions { Mac = MacAlgorithm.Sha384 });
        Assert.Equal((ushort)0, inner.MacId);
        Assert.Equal((ushort)0, first.MacId);
        Assert.Equal((ushort)1, second.MacId);
        var path = Signing.Save(file, dir.File("ours.dcm"));
        var result = Signing.DcmsignVerify(path, pki.Pki.CaCert);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var report = new SignatureVerifier(Signing.Policy(pki.Pki)).VerifyFile(path);
        Assert.Equal(3, report.Signatures.Count);
        Assert.True(report.Passed, string.Join("; ", report.Signatures.SelectMany(s => s.Findings).Select(f => f.Code + " " + f.Message)));
    }

    [Fact]
    public void Signature_datetime_is_utc_with_offset()
    {
        var file = TestImages.Rich();
        var signature = Signing.Sign(file, pki.Rsa, new SigningOptions { Time = new DateTimeOffset(2026, 3, 1, 14, 30, 5, TimeSpan.FromHours(2)) });
        Assert.Equal("20260301123005.000000+0000", signature.DateTimeText);
        Assert.True(signature.DateTimeHasOffset);
    }

    [Fact]
    public void Ecdsa_under_an_RSA_profile_weak_keys_and_unsignable_tags_are_refused()
    {
        var file = TestImages.Rich();
        Assert.Throws<SigningException>(() => Signing.Sign(file, pki.P256, new SigningOptions { Profile = SignatureProfile.BaseRsa }));
        Assert.Throws<SigningException>(() => Signing.Sign(file, pki.Rsa, new SigningOptions { Tags = [new DicomTag(0x0002, 0x0010)] }));
        Assert.Throws<SigningException>(() => Signing.Sign(file, pki.Rsa, new SigningOptions { Tags = [DicomTags.AcquisitionDateTime] }));
        Assert.Throws<SigningException>(() => Signing.Sign(file, pki.Rsa, new SigningOptions { Mac = MacAlgorithm.Ripemd160 }));
        // P-521: dcmsign 3.6.7 cannot strip the pad of its odd-length signatures; RSA below 2048 bits is too weak.
        Assert.Throws<SigningException>(() => Signing.Sign(file, pki.Pki.Issue("p521")));
        Assert.Throws<SigningException>(() => Signing.Sign(file, pki.Pki.Issue("rsa1024")));
        Assert.Empty(DicomSignatures.Find(file.DataSet));
    }

    private (string Key, string Cert) Signer(string kind) => kind switch
    {
        "rsa" => pki.Rsa,
        "p256" => pki.P256,
        "p384" => pki.P384,
        _ => throw new ArgumentException(kind),
    };
}
