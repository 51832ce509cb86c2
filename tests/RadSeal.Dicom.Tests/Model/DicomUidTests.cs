namespace RadSeal.Dicom.Tests.Model;

public class DicomUidTests
{
    [Fact]
    public void Generate_gives_valid_2_25_UIDs_of_at_most_64_characters()
    {
        for (var i = 0; i < 1000; i++)
        {
            var uid = DicomUid.Generate();
            Assert.StartsWith("2.25.", uid, StringComparison.Ordinal);
            Assert.InRange(uid.Length, 6, 64);
            Assert.True(DicomUid.IsValid(uid), uid);
            Assert.DoesNotContain(uid[5..], c => c is < '0' or > '9');
        }
    }

    [Fact]
    public void Generate_is_unique()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            Assert.True(set.Add(DicomUid.Generate()));
        }
    }

    [Fact]
    public void Generate_is_unique_across_threads()
    {
        var all = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 2000; i++)
            {
                all.Add(DicomUid.Generate());
            }
        });
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void FromUuid_is_the_ITU_T_X667_integer_form()
    {
        Assert.Equal("2.25.0", DicomUid.FromUuid(Guid.Empty));
        // The largest UUID: 2^128 - 1, 39 digits, 44 characters in all.
        var max = DicomUid.FromUuid(Guid.AllBitsSet);
        Assert.Equal("2.25.340282366920938463463374607431768211455", max);
        Assert.True(DicomUid.IsValid(max));
        // X.667 example: f81d4fae-7dec-11d0-a765-00a0c91e6bf6.
        Assert.Equal("2.25.329800735698586629295641978511506172918", DicomUid.FromUuid(Guid.Parse("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")));
    }

    [Fact]
    public void Implementation_identity_is_valid()
    {
        Assert.True(DicomUid.IsValid(DicomUid.ImplementationClassUid));
        Assert.StartsWith("2.25.", DicomUid.ImplementationClassUid, StringComparison.Ordinal);
        Assert.InRange(DicomUid.ImplementationVersionName.Length, 1, 16);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2", true)]
    [InlineData("0", true)]
    [InlineData("0.0", true)]
    [InlineData("1.0.2", true)]
    [InlineData("1.02", false)]
    [InlineData("01.2", false)]
    [InlineData("1..2", false)]
    [InlineData(".1", false)]
    [InlineData("1.", false)]
    [InlineData("1.2a", false)]
    [InlineData("1.2 ", false)]
    [InlineData("1.2\0", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValid_checks_PS3_5_9_1(string? uid, bool valid)
    {
        Assert.Equal(valid, DicomUid.IsValid(uid));
    }

    [Fact]
    public void IsValid_limits_length_to_64()
    {
        var sixtyFour = "1." + new string('2', 62);
        Assert.True(DicomUid.IsValid(sixtyFour));
        Assert.False(DicomUid.IsValid(sixtyFour + "3"));
    }
}
