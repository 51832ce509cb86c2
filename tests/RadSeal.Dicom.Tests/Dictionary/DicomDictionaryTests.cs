using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace RadSeal.Dicom.Tests.Dictionary;

public class DicomDictionaryTests
{
    private static DictionaryEntry MustLookup(ushort group, ushort element)
    {
        var tag = new DicomTag(group, element);
        var entry = DicomDictionary.Lookup(tag);
        Assert.True(entry is not null, $"{tag} is missing from the dictionary");
        return entry;
    }

    private static string Codes(DictionaryEntry entry) => string.Join(" or ", entry.VRs.Select(v => v.Code));

    [Fact]
    public void PatientName_is_PN_single_valued_and_current()
    {
        var entry = MustLookup(0x0010, 0x0010);
        Assert.Equal("PatientName", entry.Keyword);
        Assert.Equal("Patient's Name", entry.Name);
        Assert.Same(DicomVR.PN, entry.VR);
        Assert.Equal("1", entry.VM);
        Assert.False(entry.Retired);
        Assert.Equal(new DicomTag(0x0010, 0x0010), DicomTags.PatientName);
    }

    [Fact]
    public void Retired_tags_are_kept_and_flagged()
    {
        // (0008,0040) Data Set Type, retired long ago, still appears in old files.
        var entry = MustLookup(0x0008, 0x0040);
        Assert.Equal("DataSetType", entry.Keyword);
        Assert.True(entry.Retired);
        Assert.Same(DicomVR.US, entry.VR);
    }

    [Fact]
    public void Ambiguous_VRs_keep_every_alternative_and_implicit_VR_picks_one()
    {
        var pixelData = MustLookup(0x7FE0, 0x0010);
        Assert.Equal("OB or OW", Codes(pixelData));
        Assert.Same(DicomVR.OW, DicomDictionary.ImplicitVR(DicomTag.PixelData));

        var padding = MustLookup(0x0028, 0x0120);
        Assert.Equal("US or SS", Codes(padding));
        Assert.Same(DicomVR.US, DicomDictionary.ImplicitVR(padding.Tag));

        Assert.Equal("US or OW", Codes(MustLookup(0x0028, 0x3006)));
        Assert.Same(DicomVR.US, DicomDictionary.ImplicitVR(new DicomTag(0x0028, 0x3006)));
        Assert.Same(DicomVR.OW, DicomDictionary.ImplicitVR(new DicomTag(0x5400, 0x1010)));
    }

    [Fact]
    public void Overlay_data_in_any_even_60xx_group_resolves_through_the_repeaters()
    {
        var entry = MustLookup(0x6002, 0x3000);
        Assert.Equal(new DicomTag(0x6002, 0x3000), entry.Tag);
        Assert.Equal("OverlayData", entry.Keyword);
        Assert.Equal("OB or OW", Codes(entry));
        Assert.Same(DicomVR.OW, DicomDictionary.ImplicitVR(entry.Tag));
        Assert.Equal("OverlayRows", MustLookup(0x601E, 0x0010).Keyword);
    }

    [Fact]
    public void Curve_tags_in_50xx_groups_resolve_through_the_repeaters()
    {
        var entry = MustLookup(0x5004, 0x0010);
        Assert.Equal(new DicomTag(0x5004, 0x0010), entry.Tag);
        Assert.Equal("NumberOfPoints", entry.Keyword);
        Assert.Same(DicomVR.US, entry.VR);
        Assert.True(entry.Retired);
        Assert.Equal("CurveData", MustLookup(0x5000, 0x3000).Keyword);
        Assert.Equal("VariablePixelData", MustLookup(0x7F10, 0x0010).Keyword);
    }

    [Fact]
    public void Odd_groups_are_private_even_where_a_repeater_mask_would_match()
    {
        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x6001, 0x3000)));
        Assert.Equal("PrivateCreator", MustLookup(0x6001, 0x0010).Keyword);
        Assert.Same(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0x6001, 0x3000)));
    }

    [Fact]
    public void Group_length_is_synthesized_for_any_group()
    {
        var entry = MustLookup(0x0018, 0x0000);
        Assert.Equal(new DicomTag(0x0018, 0x0000), entry.Tag);
        Assert.Equal("GroupLength", entry.Keyword);
        Assert.Equal("Group Length", entry.Name);
        Assert.Same(DicomVR.UL, entry.VR);
        Assert.Equal("1", entry.VM);
        Assert.Same(DicomVR.UL, DicomDictionary.ImplicitVR(new DicomTag(0x0009, 0x0000)));
        // Element 0000 is the group length even where a mask such as (1010,xxxx) Zonal Map would match.
        Assert.Equal("GroupLength", MustLookup(0x1010, 0x0000).Keyword);
        // The two current group lengths are real entries.
        Assert.Equal("FileMetaInformationGroupLength", MustLookup(0x0002, 0x0000).Keyword);
        Assert.Equal("CommandGroupLength", MustLookup(0x0000, 0x0000).Keyword);
    }

    [Fact]
    public void Private_creator_is_LO_and_other_private_tags_are_unknown()
    {
        var creator = MustLookup(0x0009, 0x0010);
        Assert.Equal(new DicomTag(0x0009, 0x0010), creator.Tag);
        Assert.Equal("PrivateCreator", creator.Keyword);
        Assert.Equal("Private Creator", creator.Name);
        Assert.Same(DicomVR.LO, creator.VR);
        Assert.Equal("1", creator.VM);
        Assert.Equal("PrivateCreator", MustLookup(0x0029, 0x00FF).Keyword);

        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x0009, 0x1001)));
        Assert.Same(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0x0009, 0x1001)));
        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x0010, 0x9999)));
        Assert.Same(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0x0010, 0x9999)));
    }

    [Fact]
    public void Items_and_delimiters_are_UN_in_implicit_VR()
    {
        Assert.Equal("Item", MustLookup(0xFFFE, 0xE000).Keyword);
        Assert.Same(DicomVR.UN, MustLookup(0xFFFE, 0xE0DD).VR);
        Assert.Same(DicomVR.UN, DicomDictionary.ImplicitVR(DicomTag.Item));
        Assert.Same(DicomVR.UN, DicomDictionary.ImplicitVR(DicomTag.ItemDelimitation));
        Assert.Same(DicomVR.UN, DicomDictionary.ImplicitVR(new DicomTag(0xFFFE, 0x0000)));
    }

    // DicomTags members by reflection: fields today; properties also accepted so the generator may switch forms.
    private static List<(string Name, DicomTag Tag)> GeneratedTags()
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        return typeof(DicomTags).GetFields(flags).Where(f => f.FieldType == typeof(DicomTag))
            .Select(f => (f.Name, (DicomTag)f.GetValue(null)!))
            .Concat(typeof(DicomTags).GetProperties(flags).Where(p => p.PropertyType == typeof(DicomTag))
                .Select(p => (p.Name, (DicomTag)p.GetValue(null)!)))
            .ToList();
    }

    [Fact]
    public void Every_generated_tag_keyword_round_trips()
    {
        var generated = GeneratedTags();
        Assert.True(generated.Count > 4800, $"only {generated.Count} DicomTags members");
        foreach (var (name, tag) in generated)
        {
            Assert.True(DicomDictionary.TryGetTag(name, out var found), $"TryGetTag({name}) failed");
            Assert.Equal(tag, found);
            var entry = DicomDictionary.Lookup(tag);
            Assert.NotNull(entry);
            Assert.Equal(name, entry.Keyword);
            Assert.Equal(tag, entry.Tag);
        }
        Assert.False(DicomDictionary.TryGetTag("OverlayData", out _)); // repeaters are not keyword-addressable
        Assert.False(DicomDictionary.TryGetTag("patientname", out _));
        Assert.False(DicomDictionary.TryGetTag("", out _));
        Assert.False(DicomDictionary.TryGetTag("ZZZ", out _));
    }

    [Fact]
    public void Concurrent_lookups_share_one_entry_per_tag()
    {
        var tags = GeneratedTags().Select(t => t.Tag).ToArray();
        var seen = new DictionaryEntry?[tags.Length];
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < tags.Length; i++)
            {
                var entry = DicomDictionary.Lookup(tags[i]);
                Assert.NotNull(entry);
                var first = Interlocked.CompareExchange(ref seen[i], entry, null);
                Assert.True(first is null || ReferenceEquals(first, entry), $"{tags[i]} parsed into two instances");
            }
        });
    }

    [Fact]
    public void Uids_resolve_with_or_without_padding()
    {
        var explicitLe = DicomUids.Lookup("1.2.840.10008.1.2.1");
        Assert.NotNull(explicitLe);
        Assert.Equal("Explicit VR Little Endian", explicitLe.Name);
        Assert.Equal("ExplicitVRLittleEndian", explicitLe.Keyword);
        Assert.Equal("Transfer Syntax", explicitLe.Type);
        Assert.False(explicitLe.Retired);
        Assert.Equal("1.2.840.10008.1.2.1", DicomUids.ExplicitVRLittleEndian);

        var ct = DicomUids.Lookup("1.2.840.10008.5.1.4.1.1.2\0");
        Assert.NotNull(ct);
        Assert.Equal("CT Image Storage", ct.Name);
        Assert.Equal("SOP Class", ct.Type);
        Assert.Equal(DicomUids.CTImageStorage, ct.Uid);
        Assert.Equal("Explicit VR Big Endian", DicomUids.Lookup(DicomUids.ExplicitVRBigEndian + " ")?.Name);
        Assert.True(DicomUids.Lookup(DicomUids.ExplicitVRBigEndian)?.Retired);

        Assert.Null(DicomUids.Lookup("1.2.3.4"));
        Assert.Null(DicomUids.Lookup(""));
    }

    [Fact]
    public void Every_generated_uid_constant_resolves_to_its_keyword()
    {
        var fields = typeof(DicomUids).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).ToArray();
        Assert.True(fields.Length > 400, $"only {fields.Length} DicomUids constants");
        foreach (var field in fields)
        {
            var entry = DicomUids.Lookup((string)field.GetRawConstantValue()!);
            Assert.NotNull(entry);
            Assert.Equal(field.Name, entry.Keyword);
        }
    }

    // Samples pydicom's own dictionary, which the generated tables came from, through its public datadict API:
    // every 10th exact tag plus one concrete tag per repeating-group mask.
    private const string PydicomSampler = """
        from pydicom.datadict import DicomDictionary, RepeatersDictionary, get_entry
        tags = sorted(DicomDictionary)[::10]
        for mask in sorted(RepeatersDictionary):
            tag = int(mask.replace('x', '2'), 16)  # '2' keeps the group even, as repeating groups are
            if tag not in DicomDictionary:
                tags.append(tag)
        for tag in tags:
            vr, vm, name, retired, keyword = get_entry(tag)
            print('%08X|%s|%s|%d|%s' % (tag, vr, vm, 1 if retired else 0, keyword))
        """;

    [Fact]
    public void Agrees_with_pydicom_on_a_sample_of_tags()
    {
        const string python = "/usr/bin/python3";
        var output = RunPython(python, "import pydicom");
        Assert.True(output.ExitCode == 0,
            $"{python} cannot import pydicom ({output.Error.Trim()}); install it with 'apt-get install python3-pydicom'.");

        var sample = RunPython(python, PydicomSampler);
        Assert.True(sample.ExitCode == 0, $"pydicom sampler failed: {sample.Error}");
        var rows = sample.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(rows.Length > 300, $"pydicom printed only {rows.Length} rows");

        foreach (var row in rows)
        {
            var f = row.Split('|');
            var tag = new DicomTag(uint.Parse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            var entry = DicomDictionary.Lookup(tag);
            Assert.True(entry is not null, $"{tag} ({f[4]}) is in pydicom but not in the dictionary");
            // NONE (items, delimiters) is stored as UN; every other VR text maps one to one.
            var expectedVR = f[1] == "NONE" ? "UN" : f[1];
            Assert.Equal($"{tag} {expectedVR} {f[2]} {f[3] == "1"} {f[4]}",
                $"{entry.Tag} {Codes(entry)} {entry.VM} {entry.Retired} {entry.Keyword}");
        }
    }

    // Every UID pydicom knows, through its public uid module.
    private const string PydicomUidSampler = """
        from pydicom.uid import UID_dictionary
        for uid in sorted(UID_dictionary):
            name, kind, info, retired, keyword = UID_dictionary[uid]
            print('%s|%s|%s|%d|%s' % (uid, name, kind, 1 if retired else 0, keyword))
        """;

    [Fact]
    public void Agrees_with_pydicom_on_every_uid()
    {
        const string python = "/usr/bin/python3";
        var output = RunPython(python, "import pydicom");
        Assert.True(output.ExitCode == 0,
            $"{python} cannot import pydicom ({output.Error.Trim()}); install it with 'apt-get install python3-pydicom'.");

        var sample = RunPython(python, PydicomUidSampler);
        Assert.True(sample.ExitCode == 0, $"pydicom UID sampler failed: {sample.Error}");
        var rows = sample.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(rows.Length > 400, $"pydicom printed only {rows.Length} UIDs");
        foreach (var row in rows)
        {
            var f = row.Split('|');
            var entry = DicomUids.Lookup(f[0]);
            Assert.True(entry is not null, $"{f[0]} ({f[1]}) is in pydicom but not in DicomUids");
            Assert.Equal($"{f[0]} {f[1]} {f[2]} {f[3] == "1"} {f[4]}",
                $"{entry.Uid} {entry.Name} {entry.Type} {entry.Retired} {entry.Keyword}");
        }
    }

    private sealed record ProcessResult(int ExitCode, string Output, string Error);

    private static ProcessResult RunPython(string python, string script)
    {
        if (!File.Exists(python))
        {
            return new ProcessResult(-1, "", $"{python} does not exist");
        }
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-I"); // isolated: no PYTHONPATH or user site, only the system's pydicom
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return new ProcessResult(-1, output, "python timed out");
        }
        return new ProcessResult(process.ExitCode, output, error.Result);
    }
}
