using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Provenance.Tests;

/// <summary>
/// The MAC stream equals what dcmsign 3.6.7 hashed (`dcmsign +d FILE` writes it) byte for byte: the stream is rebuilt
/// from dcmsign's signed output with RadSeal's reader and builder and compared with the dump.
/// </summary>
public class MacStreamTests : IClassFixture<PkiFixture>
{
    private readonly PkiFixture pki;

    public MacStreamTests(PkiFixture pki) => this.pki = pki;

    public static TheoryData<string, string, string[]> Cases => new()
    {
        // name, transcode of the input (dcmconv option or "" for none), extra dcmsign options
        { "whole data set, explicit VR, undefined-length sequences", "", [] },
        { "explicit-length sequences and items", "+e", [] },
        { "implicit VR input", "+ti", [] },
        { "deflated input", "+td", [] },
        { "selected tags and a purpose code", "", ["--tag", "PatientName", "--tag", "0008,0018", "--tag", "ReferencedSeriesSequence", "--tag", "PixelData", "+sp", "1"] },
        { "item-level signature", "", ["--sign-item-placeholder", "ReferencedSeriesSequence[0]"] },
        { "Creator RSA profile", "", ["+pc"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stream_equals_dcmsign_dump(string name, string transcode, string[] options)
    {
        Assert.NotNull(name);
        using var dir = new TempDir();
        var input = TestImages.WriteRich(dir.File("in.dcm"));
        if (transcode.Length > 0)
        {
            Peers.Run("dcmconv", transcode, input, dir.File("conv.dcm")).EnsureSuccess("dcmconv");
            input = dir.File("conv.dcm");
        }
        var (key, cert) = pki.Rsa;
        var args = new List<string>();
        if (options is ["--sign-item-placeholder", var address])
        {
            args.AddRange(["--sign-item", key, cert, address]);
        }
        else
        {
            args.AddRange(["--sign", key, cert]);
            args.AddRange(options);
        }
        args.AddRange(["-pw", "+m2", "+d", dir.File("mac.bin"), input, dir.File("signed.dcm")]);
        Peers.Run("dcmsign", args, null, TimeSpan.FromMinutes(1)).EnsureSuccess("dcmsign");

        var signed = DicomFile.Open(dir.File("signed.dcm"));
        var signature = Assert.Single(DicomSignatures.Find(signed.DataSet));
        var stream = MacStreamBuilder.Build(signature.Container, signature.SignedTags.ToHashSet(),
            TransferSyntax.FromUid(signature.MacSyntaxUid!), signature.SignatureItem);
        var expected = File.ReadAllBytes(dir.File("mac.bin"));
        Assert.Equal(expected.Length, stream.Length);
        Assert.Equal(expected, stream);
    }

    [Fact]
    public void Encapsulated_pixel_data_is_item_wrapped_fragments_without_lengths()
    {
        using var dir = new TempDir();
        var input = TestImages.WriteRich(dir.File("in.dcm"));
        Peers.Run("dcmcrle", input, dir.File("rle.dcm")).EnsureSuccess("dcmcrle");
        var (key, cert) = pki.Rsa;
        Peers.Run("dcmsign", "--sign", key, cert, "-pw", "+m2", "+d", dir.File("mac.bin"), dir.File("rle.dcm"), dir.File("signed.dcm"))
            .EnsureSuccess("dcmsign");
        var signed = DicomFile.Open(dir.File("signed.dcm"));
        Assert.True(signed.TransferSyntax.IsEncapsulated);
        var signature = Assert.Single(DicomSignatures.Find(signed.DataSet));
        Assert.Equal(TransferSyntax.RleLossless.Uid, signature.MacSyntaxUid);
        var stream = MacStreamBuilder.Build(signature.Container, signature.SignedTags.ToHashSet(), TransferSyntax.RleLossless, signature.SignatureItem);
        Assert.Equal(File.ReadAllBytes(dir.File("mac.bin")), stream);
        // (7FE0,0010) OB 00 00, the offset table item's tag and bytes, then the first fragment's tag and bytes: no lengths.
        var fragments = Assert.IsType<DicomFragmentSequence>(signed.DataSet[DicomTag.PixelData]);
        byte[] expectedStart =
        [
            0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFE, 0xFF, 0x00, 0xE0,
            .. fragments.OffsetTable.GetMemory().ToArray(), 0xFE, 0xFF, 0x00, 0xE0, .. fragments.Fragments[0].GetMemory()[..16].ToArray(),
        ];
        var pixel = stream.AsSpan().IndexOf(expectedStart);
        Assert.True(pixel > 0);
    }

    [Fact]
    public void Outer_signature_leaves_out_an_inner_item_signature()
    {
        using var dir = new TempDir();
        var input = TestImages.WriteRich(dir.File("in.dcm"));
        var (key, cert) = pki.Rsa;
        Peers.Run("dcmsign", "--sign-item", key, cert, "ReferencedSeriesSequence[0]", "-pw", "+m2", input, dir.File("inner.dcm")).EnsureSuccess("dcmsign inner");
        Peers.Run("dcmsign", "--sign", key, cert, "-pw", "+m5", "+d", dir.File("mac.bin"), dir.File("inner.dcm"), dir.File("outer.dcm")).EnsureSuccess("dcmsign outer");
        var signed = DicomFile.Open(dir.File("outer.dcm"));
        var signatures = DicomSignatures.Find(signed.DataSet);
        Assert.Equal(2, signatures.Count);
        var outer = Assert.Single(signatures, s => s.IsTopLevel);
        Assert.Equal("ReferencedSeriesSequence[0]", Assert.Single(signatures, s => !s.IsTopLevel).Location);
        var stream = MacStreamBuilder.Build(outer.Container, outer.SignedTags.ToHashSet(), TransferSyntax.ExplicitVRLittleEndian, outer.SignatureItem);
        Assert.Equal(File.ReadAllBytes(dir.File("mac.bin")), stream);
    }

    [Fact]
    public void Signability_rules_of_the_standard()
    {
        Assert.False(MacStreamBuilder.IsSignableTag(new DicomTag(0x0008, 0x0000)));
        Assert.False(MacStreamBuilder.IsSignableTag(new DicomTag(0x0008, 0x0001)));
        Assert.False(MacStreamBuilder.IsSignableTag(new DicomTag(0x0002, 0x0010)));
        Assert.False(MacStreamBuilder.IsSignableTag(new DicomTag(0x0006, 0x0001)));
        Assert.False(MacStreamBuilder.IsSignableTag(DicomTags.DigitalSignaturesSequence));
        Assert.False(MacStreamBuilder.IsSignableTag(new DicomTag(0xFFFA, 0x0010)));
        Assert.False(MacStreamBuilder.IsSignableTag(DicomTags.MACParametersSequence));
        Assert.False(MacStreamBuilder.IsSignableTag(new DicomTag(0xFFFC, 0xFFFC)));
        Assert.True(MacStreamBuilder.IsSignableTag(DicomTag.PixelData));
        Assert.False(MacStreamBuilder.IsSignable(new DicomElement(new DicomTag(0x0009, 0x1001), DicomVR.UN, new byte[] { 1, 2 })));
        var inner = new DicomDataSet();
        inner.Set(new DicomElement(new DicomTag(0x0009, 0x1001), DicomVR.UN, new byte[] { 1, 2 }));
        var outer = new DicomDataSet();
        outer.Set(new DicomSequence(DicomTags.ReferencedInstanceSequence, [inner]));
        Assert.False(MacStreamBuilder.IsSignable(new DicomSequence(DicomTags.ReferencedSeriesSequence, [outer])));
    }
}

/// <summary>Keys and certificates shared by a test class (made once: key generation is the slow part).</summary>
public sealed class PkiFixture : IDisposable
{
    private readonly Lazy<(string, string)> rsa;
    private readonly Lazy<(string, string)> p256;
    private readonly Lazy<(string, string)> p384;

    public PkiFixture()
    {
        Pki = new TestPki();
        rsa = new(() => Pki.Issue("rsa"));
        p256 = new(() => Pki.Issue("p256"));
        p384 = new(() => Pki.Issue("p384"));
    }

    public TestPki Pki { get; }
    public (string Key, string Cert) Rsa => rsa.Value;
    public (string Key, string Cert) P256 => p256.Value;
    public (string Key, string Cert) P384 => p384.Value;

    public void Dispose() => Pki.Dispose();
}
