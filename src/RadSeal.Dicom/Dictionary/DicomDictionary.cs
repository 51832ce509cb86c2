using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace RadSeal.Dicom;

/// <summary>
/// One data element of the DICOM data dictionary (PS3.6). <see cref="VRs"/> lists every VR the standard allows,
/// in the standard's order ("US or SS" gives US, SS); <see cref="VR"/> is the first of them.
/// </summary>
public sealed record DictionaryEntry(DicomTag Tag, string Keyword, string Name, IReadOnlyList<DicomVR> VRs, string VM, bool Retired)
{
    public DicomVR VR => VRs[0];
}

/// <summary>
/// The public data dictionary: exact tags, repeating groups (50xx, 60xx, 7Fxx, 1000/1010 and the others PS3.6 lists),
/// group lengths and private creators. The tables are generated (DicomDictionary.g.cs, tools/dictionary/generate.py).
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix",
    Justification = "\"Data dictionary\" is the standard's own name for PS3.6; it is not a collection type.")]
public static class DicomDictionary
{
    /// <summary>
    /// The entry for <paramref name="tag"/>: an exact public tag, else a group length (gggg,0000), else a private
    /// creator, else a repeating-group element of an even group; null for other private tags and for unknown tags.
    /// Repeating-group and synthesized entries carry the tag asked for.
    /// </summary>
    public static DictionaryEntry? Lookup(DicomTag tag)
    {
        var entry = Find(tag);
        return entry is null || entry.Tag == tag ? entry : entry with { Tag = tag };
    }

    /// <summary>
    /// The VR to assume for <paramref name="tag"/> in Implicit VR streams. Ambiguous VRs take their first alternative
    /// ("US or SS" -> US, "US or OW" -> US), except "OB or OW", which is OW as PS3.5 Annex A.1 requires for Pixel,
    /// Overlay and Waveform Data. Items and delimiters (FFFE,xxxx), private and unknown tags are UN.
    /// </summary>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (tag.IsDelimiter)
        {
            return DicomVR.UN;
        }
        // Find, not Lookup: the VR does not depend on the tag, so this per-element call never copies an entry.
        var entry = Find(tag);
        if (entry is null)
        {
            return DicomVR.UN;
        }
        var vrs = entry.VRs;
        return vrs.Count > 1 && vrs[0] == DicomVR.OB && vrs[1] == DicomVR.OW ? DicomVR.OW : vrs[0];
    }

    /// <summary>The tag of an exact public data element by keyword (case-sensitive); repeating groups are not included.</summary>
    public static bool TryGetTag(string keyword, out DicomTag tag)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        return DicomDictionaryData.TryFindKeyword(keyword, out tag);
    }

    private static DictionaryEntry? Find(DicomTag tag)
    {
        if (DicomDictionaryData.FindExact(tag.Value) is { } exact)
        {
            return exact;
        }
        // PS3.5 7.2: element 0000 of every group is its group length, ahead of masks such as (1010,xxxx) that would
        // otherwise claim it. Only (0000,0000) and (0002,0000) are current (exact entries above); the rest are retired.
        if (tag.IsGroupLength && !tag.IsDelimiter)
        {
            return DicomDictionaryData.GroupLength;
        }
        if (tag.IsPrivate)
        {
            // Repeating groups are even groups only (PS3.5 7.6): (6001,3000) is private, not Overlay Data.
            return tag.IsPrivateCreator ? DicomDictionaryData.PrivateCreator : null;
        }
        return DicomDictionaryData.FindRepeater(tag.Value);
    }
}

/// <summary>A registered UID (PS3.6 Annex A).</summary>
public sealed record UidEntry(string Uid, string Name, string Keyword, string Type, bool Retired);

/// <summary>Registered UIDs; the constants and the table are generated (DicomUids.g.cs).</summary>
public static partial class DicomUids
{
    private static readonly UidEntry?[] Entries = new UidEntry?[UidCount];

    /// <summary>The registry entry for <paramref name="uid"/>, ignoring the trailing NUL or space padding of UI values.</summary>
    public static UidEntry? Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var key = uid.AsSpan().TrimEnd("\0 ");
        var starts = UidStarts;
        int lo = 0, hi = UidCount - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var record = UidRecords[starts[mid]..starts[mid + 1]];
            var order = DicomDictionaryData.CompareOrdinal(record[..record.IndexOf((byte)'|')], key);
            if (order == 0)
            {
                return Entries[mid] ?? DicomDictionaryData.Publish(ref Entries[mid], ParseUid(record));
            }
            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return null;
    }

    // UID|Type|R|Keyword|Name
    private static UidEntry ParseUid(ReadOnlySpan<byte> record)
    {
        var uid = DicomDictionaryData.Ascii(DicomDictionaryData.NextField(ref record));
        var type = DicomDictionaryData.Ascii(DicomDictionaryData.NextField(ref record));
        var retired = !DicomDictionaryData.NextField(ref record).IsEmpty;
        var keyword = DicomDictionaryData.Ascii(DicomDictionaryData.NextField(ref record));
        return new UidEntry(uid, DicomDictionaryData.Ascii(record), keyword, type, retired);
    }
}

/// <summary>
/// Reads the generated tables of DicomDictionary.g.cs: constant data in the assembly image, searched in place, so
/// nothing is built at startup. Exact tags go through a hash table the generator laid out (~1.2 probes), repeaters
/// through a scan of the ~90 masks, keywords through a binary search; an entry's strings are made the first time its
/// tag is asked for, then kept. Building a FrozenDictionary over the ~5,000 tags instead cost ~5-10 ms of parsing
/// and JIT on first use here.
/// </summary>
internal static partial class DicomDictionaryData
{
    internal static readonly DictionaryEntry GroupLength =
        new(new DicomTag(0x0000, 0x0000), "GroupLength", "Group Length", [DicomVR.UL], "1", Retired: true);

    internal static readonly DictionaryEntry PrivateCreator =
        new(new DicomTag(0x0009, 0x0010), "PrivateCreator", "Private Creator", [DicomVR.LO], "1", Retired: false);

    private static readonly DictionaryEntry?[] TagEntries = new DictionaryEntry?[TagCount];

    private static readonly DictionaryEntry?[] RepeaterEntries = new DictionaryEntry?[RepeaterCount];

    internal static DictionaryEntry? FindExact(uint tag)
    {
        var slots = TagSlots;
        var last = slots.Length - 1;
        for (var slot = (int)(unchecked(tag * TagHashMultiplier) >> (32 - TagHashBits)); ; slot = (slot + 1) & last)
        {
            var index = slots[slot] - 1;
            if (index < 0)
            {
                return null;
            }
            if (TagKeys[index] == tag)
            {
                return TagEntries[index] ?? Publish(ref TagEntries[index], ParseEntry(TagRecord(index), new DicomTag(tag)));
            }
        }
    }

    internal static DictionaryEntry? FindRepeater(uint tag)
    {
        var values = RepeaterValues;
        var bits = RepeaterBits;
        for (var i = 0; i < values.Length; i++)
        {
            if ((tag & bits[i]) == values[i])
            {
                var record = RepeaterRecords[RepeaterStarts[i]..RepeaterStarts[i + 1]];
                // The template carries the mask's base tag; Lookup substitutes the tag asked for.
                return RepeaterEntries[i] ?? Publish(ref RepeaterEntries[i], ParseEntry(record, new DicomTag(values[i])));
            }
        }
        return null;
    }

    internal static bool TryFindKeyword(string keyword, out DicomTag tag)
    {
        var order = TagsByKeyword;
        int lo = 0, hi = order.Length - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var record = TagRecord(order[mid]);
            for (var skip = 0; skip < 4; skip++) // tag, VR, VM, retired
            {
                NextField(ref record);
            }
            var compare = CompareOrdinal(NextField(ref record), keyword);
            if (compare == 0)
            {
                tag = new DicomTag(TagKeys[order[mid]]);
                return true;
            }
            if (compare < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        tag = default;
        return false;
    }

    private static ReadOnlySpan<byte> TagRecord(int i) => TagRecords[TagStarts[i]..TagStarts[i + 1]];

    /// <summary>Stores <paramref name="created"/> unless another thread got there first; every caller sees one instance.</summary>
    internal static T Publish<T>(ref T? slot, T created)
        where T : class =>
        Interlocked.CompareExchange(ref slot, created, null) ?? created;

    // GGGGEEEE|VR|VM|R|Keyword|Name (or the mask in place of the tag).
    private static DictionaryEntry ParseEntry(ReadOnlySpan<byte> record, DicomTag tag)
    {
        NextField(ref record);
        var vrs = ParseVRs(NextField(ref record));
        var vm = Ascii(NextField(ref record));
        var retired = !NextField(ref record).IsEmpty;
        var keyword = Ascii(NextField(ref record));
        return new DictionaryEntry(tag, keyword, Ascii(record), vrs, vm, retired);
    }

    /// <summary>
    /// PS3.6 VR text to VRs: "US or SS" -> [US, SS]; "OB or OW" -> [OB, OW]; "US or SS or OW" -> [US, SS, OW];
    /// "NONE" (items and delimiters, which have no VR) and any code DicomVR does not know -> UN.
    /// </summary>
    internal static IReadOnlyList<DicomVR> ParseVRs(ReadOnlySpan<byte> text)
    {
        var separator = " or "u8;
        var cut = text.IndexOf(separator);
        if (cut < 0)
        {
            return [VRFromCode(text)];
        }
        var vrs = new List<DicomVR>(3);
        while (true)
        {
            var vr = VRFromCode(cut < 0 ? text : text[..cut]);
            if (vrs.IndexOf(vr) < 0)
            {
                vrs.Add(vr);
            }
            if (cut < 0)
            {
                return new ReadOnlyCollection<DicomVR>(vrs);
            }
            text = text[(cut + separator.Length)..];
            cut = text.IndexOf(separator);
        }
    }

    private static DicomVR VRFromCode(ReadOnlySpan<byte> code) =>
        code.Length == 2 && DicomVR.TryGet(code[0], code[1], out var vr) ? vr : DicomVR.UN;

    /// <summary>Takes the text up to the next '|' (or the rest) off <paramref name="record"/>.</summary>
    internal static ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> record)
    {
        var bar = record.IndexOf((byte)'|');
        if (bar < 0)
        {
            var last = record;
            record = [];
            return last;
        }
        var field = record[..bar];
        record = record[(bar + 1)..];
        return field;
    }

    /// <summary>
    /// Table text to a string. Widened by hand rather than with Encoding.ASCII, whose first call costs milliseconds of
    /// setup; the generator guarantees printable ASCII.
    /// </summary>
    internal static string Ascii(ReadOnlySpan<byte> text)
    {
        Span<char> chars = text.Length <= 256 ? stackalloc char[256] : new char[text.Length];
        chars = chars[..text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }
        return new string(chars);
    }

    /// <summary>Ordinal comparison of ASCII table text with a string, the order the generator sorted by.</summary>
    internal static int CompareOrdinal(ReadOnlySpan<byte> ascii, ReadOnlySpan<char> text)
    {
        var common = Math.Min(ascii.Length, text.Length);
        for (var i = 0; i < common; i++)
        {
            var difference = ascii[i] - text[i];
            if (difference != 0)
            {
                return difference;
            }
        }
        return ascii.Length - text.Length;
    }
}
