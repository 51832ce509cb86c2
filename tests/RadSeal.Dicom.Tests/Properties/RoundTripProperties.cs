using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace RadSeal.Dicom.Tests.Properties;

/// <summary>
/// Write then read gives back the same data set in each uncompressed syntax; a same-syntax rewrite of what was read
/// is byte-identical. Compared syntax-independently: tags, VRs, value bytes in little-endian order, length forms.
/// </summary>
public class RoundTripProperties
{
    private const int Cases = 150;

    private static readonly GenOptions ExplicitOptions = new(GenMode.Explicit);
    private static readonly GenOptions ImplicitOptions = new(GenMode.Implicit);

    internal static byte[] Write(DicomDataSet dataSet, TransferSyntax syntax, DicomDataSet? meta = null)
    {
        using var ms = new MemoryStream();
        new DicomFile(meta ?? new DicomDataSet(), dataSet, syntax).Save(ms);
        return ms.ToArray();
    }

    private static bool RoundTrips(DicomDataSet dataSet, TransferSyntax syntax)
    {
        var bytes = Write(dataSet, syntax);
        var file = DicomFile.Read(new MemoryStream(bytes));
        Assert.Equal(syntax, file.TransferSyntax);
        if (DicomGenerators.Difference(dataSet, file.DataSet) is { } difference)
        {
            throw new Xunit.Sdk.XunitException($"{syntax.Name}: {difference}");
        }
        return true;
    }

    private static bool RewritesIdentically(DicomDataSet dataSet, TransferSyntax syntax)
    {
        var first = Write(dataSet, syntax);
        var read = DicomFile.Read(new MemoryStream(first));
        using var ms = new MemoryStream();
        read.Save(ms);
        var second = ms.ToArray();
        if (!first.AsSpan().SequenceEqual(second))
        {
            var at = first.AsSpan().CommonPrefixLength(second);
            throw new Xunit.Sdk.XunitException($"{syntax.Name}: rewrite differs from byte {at} (lengths {first.Length} and {second.Length})");
        }
        return true;
    }

    [Property(MaxTest = Cases)]
    public Property Explicit_VR_little_endian_round_trips() =>
        Prop.ForAll(DicomGenerators.Arbitrary(ExplicitOptions), ds => RoundTrips(ds, TransferSyntax.ExplicitVRLittleEndian));

    [Property(MaxTest = Cases)]
    public Property Explicit_VR_big_endian_round_trips() =>
        Prop.ForAll(DicomGenerators.Arbitrary(ExplicitOptions), ds => RoundTrips(ds, TransferSyntax.ExplicitVRBigEndian));

    [Property(MaxTest = Cases)]
    public Property Deflated_round_trips() =>
        Prop.ForAll(DicomGenerators.Arbitrary(ExplicitOptions), ds => RoundTrips(ds, TransferSyntax.DeflatedExplicitVRLittleEndian));

    [Property(MaxTest = Cases)]
    public Property Implicit_VR_little_endian_round_trips() =>
        Prop.ForAll(DicomGenerators.Arbitrary(ImplicitOptions), ds => RoundTrips(ds, TransferSyntax.ImplicitVRLittleEndian));

    [Property(MaxTest = 100)]
    public Property Implicit_shaped_data_sets_also_round_trip_in_explicit_syntaxes() =>
        Prop.ForAll(DicomGenerators.Arbitrary(ImplicitOptions), ds =>
            RoundTrips(ds, TransferSyntax.ExplicitVRLittleEndian) && RoundTrips(ds, TransferSyntax.ExplicitVRBigEndian));

    [Property(MaxTest = 100)]
    public Property Transcoding_through_every_syntax_and_back_keeps_the_data_set() =>
        Prop.ForAll(DicomGenerators.Arbitrary(ImplicitOptions), ds =>
        {
            // Read each written file and write it in the next syntax: the values carry their byte order along.
            var current = new DicomFile(new DicomDataSet(), ds, TransferSyntax.ExplicitVRLittleEndian);
            foreach (var next in new[] { TransferSyntax.ExplicitVRBigEndian, TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.DeflatedExplicitVRLittleEndian, TransferSyntax.ExplicitVRBigEndian, TransferSyntax.ExplicitVRLittleEndian })
            {
                using var ms = new MemoryStream();
                current.Save(ms, new WriteOptions { TransferSyntax = next });
                current = DicomFile.Read(new MemoryStream(ms.ToArray()));
                Assert.Equal(next, current.TransferSyntax);
            }
            return DicomGenerators.Difference(ds, current.DataSet) is not { } d ? true : throw new Xunit.Sdk.XunitException(d);
        });

    [Property(MaxTest = 120)]
    public Property Same_syntax_rewrite_is_byte_identical_explicit_little_endian() =>
        SameSyntax(TransferSyntax.ExplicitVRLittleEndian, GenMode.Explicit);

    [Property(MaxTest = 120)]
    public Property Same_syntax_rewrite_is_byte_identical_explicit_big_endian() =>
        SameSyntax(TransferSyntax.ExplicitVRBigEndian, GenMode.Explicit);

    [Property(MaxTest = 120)]
    public Property Same_syntax_rewrite_is_byte_identical_deflated() =>
        SameSyntax(TransferSyntax.DeflatedExplicitVRLittleEndian, GenMode.Explicit);

    [Property(MaxTest = 120)]
    public Property Same_syntax_rewrite_is_byte_identical_implicit() =>
        SameSyntax(TransferSyntax.ImplicitVRLittleEndian, GenMode.Implicit);

    [Property(MaxTest = 120)]
    public Property Same_syntax_rewrite_is_byte_identical_encapsulated() =>
        SameSyntax(TransferSyntax.JpegBaseline, GenMode.Explicit);

    private static Property SameSyntax(TransferSyntax syntax, GenMode mode) =>
        Prop.ForAll(
            DicomGenerators.Arbitrary(new GenOptions(mode, EncapsulatedPixelData: true, GroupLengths: true)),
            ds => RewritesIdentically(ds, syntax));
}
