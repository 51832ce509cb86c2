using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Verification;

namespace RadSeal.Provenance.Tests;

/// <summary>The attack suite: each tampering is caught, with its reason code. The untouched file passes first.</summary>
public class AttackTests : IClassFixture<PkiFixture>
{
    private readonly PkiFixture pki;

    public AttackTests(PkiFixture pki) => this.pki = pki;

    private VerificationReport Verify(DicomFile file, params string[] crls) => Signing.Verify(file, Signing.Policy(pki.Pki, crls));

    [Fact]
    public void Untouched_signed_file_passes()
    {
        var report = Verify(Signing.SignRich(pki.Rsa));
        Assert.True(report.Passed, string.Join("; ", report.FailureCodes));
        Assert.Equal("SAMPLE-0001", report.Signatures[0].SignerSerialNumber);
    }

    [Fact]
    public void Unsigned_file_fails()
    {
        var report = Verify(TestImages.Rich());
        Assert.False(report.Passed);
        Assert.Equal([ReasonCodes.NoSignature], report.FailureCodes);
        Assert.Equal("UNSIGNED", ReasonCodes.NoSignature);
    }

    [Fact]
    public void Stripped_signatures()
    {
        var file = Signing.SignRich(pki.Rsa);
        file.DataSet.Remove(DicomTags.DigitalSignaturesSequence);
        file.DataSet.Remove(DicomTags.MACParametersSequence);
        Assert.Equal([ReasonCodes.NoSignature], Verify(file).FailureCodes);
    }

    [Fact]
    public void One_pixel_changed()
    {
        foreach (var signer in new[] { pki.Rsa, pki.P256 })
        {
            var file = Signing.SignRich(signer);
            var pixels = ((DicomElement)file.DataSet[DicomTag.PixelData]).Value.GetMemory().ToArray();
            pixels[1000] ^= 1;
            file.DataSet.Set(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels));
            Assert.Equal([ReasonCodes.MacMismatch], Verify(file).FailureCodes);
        }
    }

    [Fact]
    public void Patient_id_changed()
    {
        var file = Signing.SignRich(pki.Rsa);
        file.DataSet.SetString(DicomTags.PatientID, DicomVR.LO, "SOMEONE-ELSE");
        Assert.Equal([ReasonCodes.MacMismatch], Verify(file).FailureCodes);
    }

    [Fact]
    public void Signature_sequences_copied_onto_another_image()
    {
        var signed = Signing.SignRich(pki.Rsa);
        var other = TestImages.Rich();
        other.DataSet.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, DicomUid.Generate());
        other.DataSet.Set(signed.DataSet[DicomTags.MACParametersSequence]);
        other.DataSet.Set(signed.DataSet[DicomTags.DigitalSignaturesSequence]);
        Assert.Equal([ReasonCodes.MacMismatch], Verify(other).FailureCodes);
    }

    [Fact]
    public void Damaged_signature_value()
    {
        var file = Signing.SignRich(pki.Rsa);
        var item = file.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence)!.Items[0];
        var value = item.FindElement(DicomTags.Signature)!.Value.GetMemory().ToArray();
        value[10] ^= 0x40;
        item.Set(new DicomElement(DicomTags.Signature, DicomVR.OB, value));
        Assert.Equal([ReasonCodes.BadSignature], Verify(file).FailureCodes);
    }

    [Fact]
    public void Certificate_from_an_untrusted_ca()
    {
        var file = Signing.SignRich(pki.Pki.SelfSigned("/CN=Rogue/serialNumber=SAMPLE-0001"),
            new SigningOptions { Time = DateTimeOffset.UtcNow.AddSeconds(2), RequireCertificateValidAtSigningTime = false });
        var report = Signing.Verify(file, Signing.Policy(pki.Pki) with { Now = DateTimeOffset.UtcNow.AddMinutes(1) });
        Assert.Equal([ReasonCodes.UntrustedSigner], report.FailureCodes);
    }

    [Fact]
    public void Expired_certificate()
    {
        var expired = pki.Pki.Issue("p256", start: "20200101000000Z", end: "20210101000000Z");
        var file = Signing.SignRich(expired, new SigningOptions { RequireCertificateValidAtSigningTime = false });
        Assert.Equal([ReasonCodes.CertExpired], Verify(file).FailureCodes);
        Assert.Throws<SigningException>(() => Signing.SignRich(expired));
    }

    [Fact]
    public void Signature_date_before_the_certificate_validity()
    {
        var file = Signing.SignRich(pki.P256, new SigningOptions
        {
            Time = new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero),
            RequireCertificateValidAtSigningTime = false,
        });
        Assert.Equal([ReasonCodes.CertNotYetValid], Verify(file).FailureCodes);
    }

    [Fact]
    public void Signature_date_in_the_future()
    {
        var file = Signing.SignRich(pki.P256, new SigningOptions { Time = DateTimeOffset.UtcNow.AddDays(30) });
        Assert.Equal([ReasonCodes.SignatureTimeInvalid], Verify(file).FailureCodes);
    }

    [Fact]
    public void Revoked_certificate()
    {
        var device = pki.Pki.Issue("p256");
        var file = Signing.SignRich(device);
        var crlBefore = pki.Pki.Crl();
        Assert.Empty(Verify(file, crlBefore).FailureCodes);
        var crl = pki.Pki.Revoke(device.Cert);
        Assert.Equal([ReasonCodes.CertRevoked], Verify(file, crl).FailureCodes);
    }

    [Fact]
    public void No_crl_for_the_issuer_when_revocation_is_required()
    {
        var file = Signing.SignRich(pki.Rsa);
        var report = Signing.Verify(file, Signing.Policy(pki.Pki) with { RequireRevocationCheck = true });
        Assert.Equal([ReasonCodes.RevocationUnknown], report.FailureCodes);
    }

    [Fact]
    public void Signature_covering_everything_but_pixel_data()
    {
        var file = TestImages.Rich();
        var tags = file.DataSet.Where(MacStreamBuilder.IsSignable).Select(i => i.Tag).Where(t => t != DicomTag.PixelData).ToArray();
        Signing.Sign(file, pki.Rsa, new SigningOptions { Tags = tags });
        Assert.Equal([ReasonCodes.PixelsNotCovered], Verify(file).FailureCodes);
    }

    [Fact]
    public void Signature_leaving_out_patient_identity()
    {
        var file = TestImages.Rich();
        Signing.Sign(file, pki.Rsa, new SigningOptions { Tags = [DicomTag.PixelData, DicomTags.DeviceSerialNumber] });
        var report = Verify(file);
        Assert.Equal([ReasonCodes.RequiredElementNotCovered], report.FailureCodes);
        var messages = report.Signatures[0].Findings.Where(f => f.Code == ReasonCodes.RequiredElementNotCovered).Select(f => f.Message).ToArray();
        Assert.Contains(messages, m => m.Contains("PatientID", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("SOPInstanceUID", StringComparison.Ordinal));
    }

    [Fact]
    public void Private_tag_turned_to_UN_by_an_implicit_VR_transcode()
    {
        using var dir = new TempDir();
        var path = Signing.Save(Signing.SignRich(pki.Rsa), dir.File("signed.dcm"));
        DicomFile.Open(path).Save(dir.File("implicit.dcm"), new WriteOptions { TransferSyntax = TransferSyntax.ImplicitVRLittleEndian });
        var report = new SignatureVerifier(Signing.Policy(pki.Pki)).VerifyFile(dir.File("implicit.dcm"));
        Assert.Equal([ReasonCodes.UnsignableElement], report.FailureCodes);
        // dcmsign agrees: "signature contains attribute that is not signable".
        Assert.Equal(101, Signing.DcmsignVerify(dir.File("implicit.dcm"), pki.Pki.CaCert).ExitCode);
    }

    [Fact]
    public void Certificate_for_another_device()
    {
        var other = pki.Pki.Issue("p256", serialNumber: "OTHER-9");
        Assert.Equal([ReasonCodes.DeviceSerialMismatch], Verify(Signing.SignRich(other)).FailureCodes);
    }

    [Fact]
    public void Certificate_without_a_signing_key_usage()
    {
        var tls = pki.Pki.Issue("rsa", extensions: "ext_tls");
        Assert.Equal([ReasonCodes.KeyUsageNotAllowed], Verify(Signing.SignRich(tls)).FailureCodes);
    }

    [Fact]
    public void Signature_inside_original_attributes_is_reported_but_never_trusted()
    {
        var old = Signing.SignRich(pki.Rsa);
        var file = TestImages.Rich();
        var original = new DicomDataSet();
        original.Set(old.DataSet[DicomTags.MACParametersSequence]);
        original.Set(old.DataSet[DicomTags.DigitalSignaturesSequence]);
        file.DataSet.Set(new DicomSequence(DicomTags.OriginalAttributesSequence, [original]));
        var report = Verify(file);
        Assert.False(report.Passed);
        Assert.Equal([ReasonCodes.NoSignature], report.FailureCodes);
        var verdict = Assert.Single(report.Signatures);
        Assert.True(verdict.InOriginalAttributes);
        Assert.False(verdict.Trusted);
        Assert.Contains(verdict.Findings, f => f.Code == ReasonCodes.IgnoredOriginalAttributes);
    }

    [Fact]
    public void Item_level_signature_alone_does_not_sign_the_file()
    {
        var file = TestImages.Rich();
        Signing.Sign(file, pki.Rsa, new SigningOptions { ItemAddress = "ReferencedSeriesSequence[0]" });
        var report = Verify(file);
        Assert.Equal([ReasonCodes.NoSignature], report.FailureCodes);
        Assert.True(report.Signatures[0].Trusted);
    }

    [Fact]
    public void Tampered_item_under_an_item_signature_fails_the_file()
    {
        var file = TestImages.Rich();
        Signing.Sign(file, pki.Rsa, new SigningOptions { ItemAddress = "ReferencedSeriesSequence[0]" });
        Signing.Sign(file, pki.Rsa, new SigningOptions { Tags = [.. file.DataSet.Where(MacStreamBuilder.IsSignable).Select(i => i.Tag).Where(t => t != DicomTags.ReferencedSeriesSequence)] });
        file.DataSet.FindSequence(DicomTags.ReferencedSeriesSequence)!.Items[0].SetString(DicomTags.SeriesInstanceUID, DicomVR.UI, "1.2.3.999");
        Assert.Equal([ReasonCodes.MacMismatch], Verify(file).FailureCodes);
    }

    [Fact]
    public void No_trust_anchor_means_no_trust()
    {
        var report = Signing.Verify(Signing.SignRich(pki.Rsa), new VerificationPolicy());
        Assert.Equal([ReasonCodes.UntrustedSigner], report.FailureCodes);
    }

    [Fact]
    public void Garbage_in_the_signature_sequence_is_a_failure_not_a_crash()
    {
        var file = TestImages.Rich();
        var item = new DicomDataSet();
        item.SetValues(DicomTags.MACIDNumber, DicomVR.US, (ushort)7);
        item.Set(new DicomElement(DicomTags.CertificateOfSigner, DicomVR.OB, new byte[] { 1, 2, 3, 4 }));
        file.DataSet.Set(new DicomSequence(DicomTags.DigitalSignaturesSequence, [item]));
        var report = Verify(file);
        Assert.False(report.Passed);
        Assert.Contains(ReasonCodes.MalformedSignature, report.FailureCodes);
    }

    [Fact]
    public void Thousands_of_signatures_are_refused_without_hashing_each()
    {
        var file = Signing.SignRich(pki.P256);
        var one = file.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence)!.Items[0];
        file.DataSet.Set(new DicomSequence(DicomTags.DigitalSignaturesSequence, Enumerable.Repeat(one, 5000).Select(i => new DicomDataSet(i))));
        var report = new SignatureVerifier(Signing.Policy(pki.Pki)).Verify(file.DataSet);
        Assert.Equal([ReasonCodes.TooManySignatures], report.FailureCodes);
    }

    [Fact]
    public void Only_ECDSA_values_lose_their_pad_byte()
    {
        // Regression: an RSA signature that happens to begin with 0x30 was cut as if it were padded DER (1 in 256).
        var rsa = Signing.SignRich(pki.Rsa);
        var item = rsa.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence)!.Items[0];
        var value = item.FindElement(DicomTags.Signature)!.Value.GetMemory().ToArray();
        value[0] = 0x30;
        value[1] = 0x10;
        item.Set(new DicomElement(DicomTags.Signature, DicomVR.OB, value));
        Assert.Equal(value.Length, DicomSignatures.Find(rsa.DataSet)[0].UnpaddedSignature.Length);

        var ec = Signing.SignRich(pki.P256);
        var signature = DicomSignatures.Find(ec.DataSet)[0];
        var der = signature.UnpaddedSignature.Span;
        Assert.Equal(der.Length, 2 + der[1]);
        Assert.True(signature.SignatureBytes.Length - der.Length is 0 or 1);
    }
}
