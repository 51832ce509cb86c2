namespace RadSeal.Dicom.Tests.Model;

public class TransferSyntaxTests
{
    public static TheoryData<string> KnownUids => [.. TransferSyntax.Known.Select(t => t.Uid)];

    [Theory]
    [MemberData(nameof(KnownUids))]
    public void FromUid_gives_the_shared_instance_for_known_UIDs_padded_or_not(string uid)
    {
        var known = TransferSyntax.Known.Single(t => t.Uid == uid);
        Assert.Same(known, TransferSyntax.FromUid(uid));
        Assert.Same(known, TransferSyntax.FromUid(uid + "\0"));
        Assert.Same(known, TransferSyntax.FromUid(uid + " "));
        Assert.True(TransferSyntax.IsKnown(uid));
        Assert.True(TransferSyntax.IsKnown(uid + "\0"));
        Assert.NotEqual("Unknown transfer syntax", known.Name);
    }

    [Fact]
    public void The_uncompressed_syntaxes_have_the_right_shape()
    {
        var i = TransferSyntax.ImplicitVRLittleEndian;
        Assert.Equal(("1.2.840.10008.1.2", false, true, false, false), (i.Uid, i.IsExplicitVR, i.IsLittleEndian, i.IsEncapsulated, i.IsDeflated));
        var e = TransferSyntax.ExplicitVRLittleEndian;
        Assert.Equal(("1.2.840.10008.1.2.1", true, true, false, false), (e.Uid, e.IsExplicitVR, e.IsLittleEndian, e.IsEncapsulated, e.IsDeflated));
        var d = TransferSyntax.DeflatedExplicitVRLittleEndian;
        Assert.Equal(("1.2.840.10008.1.2.1.99", true, true, false, true), (d.Uid, d.IsExplicitVR, d.IsLittleEndian, d.IsEncapsulated, d.IsDeflated));
        var b = TransferSyntax.ExplicitVRBigEndian;
        Assert.Equal(("1.2.840.10008.1.2.2", true, false, false, false), (b.Uid, b.IsExplicitVR, b.IsLittleEndian, b.IsEncapsulated, b.IsDeflated));
        Assert.All([i, e, d, b], t => Assert.True(t.IsUncompressed));
        Assert.All([i, e, d, b], t => Assert.False(t.IsLossy));
    }

    [Fact]
    public void Compressed_syntaxes_are_encapsulated_explicit_little_endian()
    {
        foreach (var t in TransferSyntax.Known.Where(t => t.Uid.StartsWith("1.2.840.10008.1.2.4.", StringComparison.Ordinal) || t == TransferSyntax.RleLossless))
        {
            Assert.True(t.IsEncapsulated, t.Name);
            Assert.True(t.IsExplicitVR, t.Name);
            Assert.True(t.IsLittleEndian, t.Name);
            Assert.False(t.IsDeflated, t.Name);
            Assert.False(t.IsUncompressed, t.Name);
        }
        Assert.True(TransferSyntax.JpegBaseline.IsLossy);
        Assert.False(TransferSyntax.JpegLosslessSV1.IsLossy);
        Assert.False(TransferSyntax.RleLossless.IsLossy);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.4.999")]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.840.10008.1.2.1 .99")]
    public void Unknown_UIDs_are_taken_as_encapsulated_explicit_little_endian(string uid)
    {
        var ts = TransferSyntax.FromUid(uid + "\0");
        Assert.Equal(uid, ts.Uid);
        Assert.Equal("Unknown transfer syntax", ts.Name);
        Assert.True(ts.IsExplicitVR);
        Assert.True(ts.IsLittleEndian);
        Assert.True(ts.IsEncapsulated);
        Assert.False(ts.IsDeflated);
        Assert.False(TransferSyntax.IsKnown(uid));
        Assert.DoesNotContain(ts, TransferSyntax.Known);
    }

    [Fact]
    public void Empty_UID_is_unknown()
    {
        var ts = TransferSyntax.FromUid("");
        Assert.Equal("", ts.Uid);
        Assert.False(TransferSyntax.IsKnown(""));
    }

    [Fact]
    public void Equality_is_by_UID()
    {
        var a = TransferSyntax.FromUid("1.2.3.4");
        var b = TransferSyntax.FromUid("1.2.3.4");
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian);
        Assert.False(TransferSyntax.ExplicitVRLittleEndian.Equals(null));
        Assert.Contains("1.2.840.10008.1.2.1", TransferSyntax.ExplicitVRLittleEndian.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Known_UIDs_are_unique_and_valid()
    {
        Assert.Equal(TransferSyntax.Known.Count, TransferSyntax.Known.Select(t => t.Uid).Distinct().Count());
        Assert.All(TransferSyntax.Known, t => Assert.True(DicomUid.IsValid(t.Uid), t.Uid));
        // The UID registry is PS3.6 2022a; the High-Throughput JPEG 2000 syntaxes (1.2.840.10008.1.2.4.201-203)
        // were added to the standard after it.
        Assert.All(
            TransferSyntax.Known.Where(t => !t.Uid.StartsWith("1.2.840.10008.1.2.4.20", StringComparison.Ordinal)),
            t => Assert.Equal("Transfer Syntax", DicomUids.Lookup(t.Uid)?.Type));
    }

    [Fact]
    public void FromUid_null_throws()
    {
        Assert.Throws<ArgumentNullException>(() => TransferSyntax.FromUid(null!));
    }
}
