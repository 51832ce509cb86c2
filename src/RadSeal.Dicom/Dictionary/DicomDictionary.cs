using System.Collections.Frozen;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

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
/// group lengths and private creators. Generated tables live in DicomDictionary.g.cs (tools/dictionary/generate.py).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix",
    Justification = "\"Data dictionary\" is the standard's own name for PS3.6; it is not a collection type.")]
public static class DicomDictionary
{
    /// <summary>
    /// The entry for <paramref name="tag"/>: an exact public tag, else an even-group repeating-group element, else a
    /// group length (gggg,0000), else a private creator; null for other private tags and for unknown tags.
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
        // Find, not Lookup: the VR does not depend on the tag, so no copy is made on this per-element path.
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
        return DicomDictionaryData.KeywordTable.ByKeyword.TryGetValue(keyword, out tag);
    }

    private static DictionaryEntry? Find(DicomTag tag)
    {
        if (DicomDictionaryData.TagTable.ByTag.TryGetValue(tag.Value, out var exact))
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
        var repeaters = DicomDictionaryData.TagTable.Repeaters;
        var value = tag.Value;
        foreach (var r in repeaters)
        {
            if ((value & r.Bits) == r.Value)
            {
                return r.Entry;
            }
        }
        return null;
    }
}

/// <summary>Registered UIDs (PS3.6 Annex A); the constants are in DicomUids.g.cs.</summary>
public sealed record UidEntry(string Uid, string Name, string Keyword, string Type, bool Retired);

public static partial class DicomUids
{
    /// <summary>The registry entry for <paramref name="uid"/>, ignoring the trailing NUL or space padding of UI values.</summary>
    public static UidEntry? Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        return Entries.ByUid.GetValueOrDefault(uid.TrimEnd('\0', ' '));
    }

    // Nested holder: the table is parsed on first Lookup, thread-safely, by the runtime's type initialization.
    private static class Entries
    {
        internal static readonly FrozenDictionary<string, UidEntry> ByUid = Parse();

        private static FrozenDictionary<string, UidEntry> Parse()
        {
            var result = new Dictionary<string, UidEntry>(UidCount, StringComparer.Ordinal);
            var table = Table;
            while (DicomDictionaryData.NextLine(ref table, out var line))
            {
                // UID|Type|R|Keyword|Name
                var uid = DicomDictionaryData.Ascii(DicomDictionaryData.NextField(ref line));
                var type = DicomDictionaryData.Ascii(DicomDictionaryData.NextField(ref line));
                var retired = !DicomDictionaryData.NextField(ref line).IsEmpty;
                var keyword = DicomDictionaryData.Ascii(DicomDictionaryData.NextField(ref line));
                result.Add(uid, new UidEntry(uid, DicomDictionaryData.Ascii(line), keyword, type, retired));
            }
            return result.ToFrozenDictionary(StringComparer.Ordinal);
        }
    }
}

/// <summary>Parses the generated tables of DicomDictionary.g.cs once, on first use.</summary>
internal static partial class DicomDictionaryData
{
    internal static readonly DictionaryEntry GroupLength =
        new(new DicomTag(0x0000, 0x0000), "GroupLength", "Group Length", [DicomVR.UL], "1", Retired: true);

    internal static readonly DictionaryEntry PrivateCreator =
        new(new DicomTag(0x0009, 0x0010), "PrivateCreator", "Private Creator", [DicomVR.LO], "1", Retired: false);

    /// <summary>A repeating-group element: a tag matches when (tag &amp; Bits) == Value.</summary>
    internal readonly record struct Repeater(uint Value, uint Bits, DictionaryEntry Entry);

    /// <summary>Exact tags and repeaters, built on the first lookup (nested class: lazy and thread-safe).</summary>
    internal static class TagTable
    {
        // Entries share one VR list per distinct VR text; initializers run in textual order, so this comes first.
        private static readonly Dictionary<string, IReadOnlyList<DicomVR>> VRCache = new(StringComparer.Ordinal);

        internal static readonly FrozenDictionary<uint, DictionaryEntry> ByTag = ParseTags();

        internal static readonly Repeater[] Repeaters = ParseRepeaters();

        private static FrozenDictionary<uint, DictionaryEntry> ParseTags()
        {
            var byTag = new Dictionary<uint, DictionaryEntry>(TagCount);
            var table = Tags;
            while (NextLine(ref table, out var line))
            {
                var tag = ParseHex(NextField(ref line));
                byTag.Add(tag, ParseEntry(line, new DicomTag(tag), VRCache));
            }
            return byTag.ToFrozenDictionary();
        }

        private static Repeater[] ParseRepeaters()
        {
            var repeaters = new List<Repeater>(RepeaterCount);
            var table = DicomDictionaryData.Repeaters;
            while (NextLine(ref table, out var line))
            {
                uint value = 0, bits = 0;
                foreach (var c in NextField(ref line))
                {
                    // Each mask character is a nibble: 'x' matches any digit, a hex digit matches itself.
                    var isWild = c == (byte)'x';
                    value = (value << 4) | (isWild ? 0u : HexDigit(c));
                    bits = (bits << 4) | (isWild ? 0u : 0xFu);
                }
                repeaters.Add(new Repeater(value, bits, ParseEntry(line, new DicomTag(value), VRCache)));
            }
            return [.. repeaters];
        }
    }

    /// <summary>Keyword -> tag, built separately so tag lookups (the reader's path) never pay for it.</summary>
    internal static class KeywordTable
    {
        internal static readonly FrozenDictionary<string, DicomTag> ByKeyword =
            TagTable.ByTag.Values.Where(e => e.Keyword.Length > 0)
                .ToFrozenDictionary(e => e.Keyword, e => e.Tag, StringComparer.Ordinal);
    }

    // The columns after the tag or mask: VR|VM|R|Keyword|Name.
    private static DictionaryEntry ParseEntry(ReadOnlySpan<byte> line, DicomTag tag,
        Dictionary<string, IReadOnlyList<DicomVR>> vrCache)
    {
        var vrText = Ascii(NextField(ref line));
        var vm = Ascii(NextField(ref line));
        var retired = !NextField(ref line).IsEmpty;
        var keyword = Ascii(NextField(ref line));
        var name = Ascii(line);
        if (!vrCache.TryGetValue(vrText, out var vrs))
        {
            vrs = ParseVRs(vrText);
            vrCache.Add(vrText, vrs);
        }
        return new DictionaryEntry(tag, keyword, name, vrs, vm, retired);
    }

    /// <summary>
    /// PS3.6 VR text to VRs: "US or SS" -> [US, SS]; "OB or OW" -> [OB, OW]; "US or SS or OW" -> [US, SS, OW];
    /// "NONE" (items and delimiters, which have no VR) and any code DicomVR does not know -> UN.
    /// </summary>
    internal static IReadOnlyList<DicomVR> ParseVRs(string text)
    {
        var parts = text.Split(" or ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var vrs = new List<DicomVR>(parts.Length);
        foreach (var part in parts)
        {
            var vr = DicomVR.TryParse(part, out var known) ? known : DicomVR.UN;
            if (!vrs.Contains(vr))
            {
                vrs.Add(vr);
            }
        }
        if (vrs.Count == 0)
        {
            vrs.Add(DicomVR.UN);
        }
        return new ReadOnlyCollection<DicomVR>(vrs);
    }

    /// <summary>Takes the next non-empty line off <paramref name="table"/>; tolerates CRLF should git convert the .g.cs files.</summary>
    internal static bool NextLine(ref ReadOnlySpan<byte> table, out ReadOnlySpan<byte> line)
    {
        while (!table.IsEmpty)
        {
            var end = table.IndexOf((byte)'\n');
            line = (end < 0 ? table : table[..end]).TrimEnd((byte)'\r');
            table = end < 0 ? [] : table[(end + 1)..];
            if (!line.IsEmpty)
            {
                return true;
            }
        }
        line = default;
        return false;
    }

    /// <summary>Takes the text up to the next '|' off <paramref name="line"/>.</summary>
    internal static ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> line)
    {
        var bar = line.IndexOf((byte)'|');
        if (bar < 0)
        {
            throw new InvalidOperationException($"Dictionary table line '{Ascii(line)}' has too few fields.");
        }
        var field = line[..bar];
        line = line[(bar + 1)..];
        return field;
    }

    internal static string Ascii(ReadOnlySpan<byte> text) => Encoding.ASCII.GetString(text);

    private static uint ParseHex(ReadOnlySpan<byte> hex) =>
        uint.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static uint HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => (uint)(c - '0'),
        >= (byte)'A' and <= (byte)'F' => (uint)(c - 'A' + 10),
        >= (byte)'a' and <= (byte)'f' => (uint)(c - 'a' + 10),
        _ => throw new InvalidOperationException($"'{(char)c}' is not a hex digit in a repeater mask."),
    };
}
