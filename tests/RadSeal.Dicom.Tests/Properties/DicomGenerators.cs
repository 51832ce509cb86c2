using System.Globalization;
using System.Reflection;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace RadSeal.Dicom.Tests.Properties;

/// <summary>What the generated data sets must survive.</summary>
public enum GenMode
{
    /// <summary>Any VR on any tag (explicit syntaxes carry the VR).</summary>
    Explicit,
    /// <summary>Public tags with their dictionary VR, private data elements as UN (implicit syntaxes take the VR from the dictionary).</summary>
    Implicit,
}

/// <summary>Options beyond the mode: extras the round trip through another syntax cannot carry but a same-syntax rewrite must.</summary>
public sealed record GenOptions(GenMode Mode, bool EncapsulatedPixelData = false, bool GroupLengths = false);

/// <summary>
/// FsCheck generators for data sets: every VR with a value of valid shape and even length (short VRs well under the
/// 16-bit length limit of explicit syntaxes), nested sequences and items of defined and undefined length, private
/// blocks with their creators, and optionally encapsulated pixel data and group lengths.
/// </summary>
public static class DicomGenerators
{
    public const int MaxDepth = 3;

    /// <summary>Every VR but SQ: those a primitive element can have.</summary>
    public static readonly DicomVR[] PrimitiveVRs = [.. DicomVR.All.Where(v => v != DicomVR.SQ)];

    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Digits = "0123456789";
    private const string Printable = Upper + "abcdefghijklmnopqrstuvwxyz" + Digits + " .,-_()^=+*/:;?!'\"<>[]{}|@#$%&~";

    /// <summary>Public tags of the dictionary usable in a data set (no command, meta, group length or delimiter tags).</summary>
    private static readonly DicomTag[] PublicTags = typeof(DicomTags)
        .GetProperties(BindingFlags.Public | BindingFlags.Static)
        .Where(p => p.PropertyType == typeof(DicomTag))
        .Select(p => (DicomTag)p.GetValue(null)!)
        .Where(t => t.Group >= 0x0008 && t.Group != 0xFFFE && !t.IsGroupLength && !t.IsPrivate && DicomDictionary.Lookup(t) is not null)
        .Distinct()
        .OrderBy(t => t.Value)
        .ToArray();

    /// <summary>Public tags by each VR the dictionary allows for them.</summary>
    private static readonly Dictionary<DicomVR, DicomTag[]> TagsByVR = DicomVR.All.ToDictionary(
        vr => vr,
        vr => PublicTags.Where(t => DicomDictionary.Lookup(t)!.VRs.Contains(vr)).ToArray());

    /// <summary>Public tags whose implicit VR (what an implicit-syntax reader assigns) is <c>vr</c>.</summary>
    private static readonly Dictionary<DicomVR, DicomTag[]> TagsByImplicitVR = DicomVR.All.ToDictionary(
        vr => vr,
        vr => PublicTags.Where(t => DicomDictionary.ImplicitVR(t) == vr).ToArray());

    /// <summary>The VRs an implicit-VR data set can hold on public tags (UN is left to private tags).</summary>
    private static readonly DicomVR[] ImplicitPrimitiveVRs = [.. PrimitiveVRs.Where(v => v != DicomVR.UN && TagsByImplicitVR[v].Length > 0)];

    private static Gen<byte> AnyByte => Gen.Choose(0, 255).Select(b => (byte)b);

    private static Gen<byte[]> Bytes(int maxUnits, int unit) =>
        from n in Gen.Choose(0, maxUnits)
        from bytes in Gen.ArrayOf(AnyByte, n * unit)
        select bytes;

    private static Gen<string> Chars(string alphabet, int min, int max) =>
        from n in Gen.Choose(min, max)
        from chars in Gen.ArrayOf(Gen.Elements(alphabet.ToCharArray()), n)
        select new string(chars);

    /// <summary>1 to <paramref name="maxValues"/> values joined by backslash.</summary>
    private static Gen<string> Multi(Gen<string> one, int maxValues) =>
        from n in Gen.Choose(1, maxValues)
        from values in Gen.ListOf(one, n)
        select string.Join('\\', values);

    private static Gen<string> Date =>
        from y in Gen.Choose(1900, 2099)
        from m in Gen.Choose(1, 12)
        from d in Gen.Choose(1, 28)
        select string.Create(CultureInfo.InvariantCulture, $"{y:D4}{m:D2}{d:D2}");

    private static Gen<string> Time =>
        from h in Gen.Choose(0, 23)
        from mi in Gen.Choose(0, 59)
        from s in Gen.Choose(0, 59)
        from frac in Gen.Choose(-1, 999999)
        select string.Create(CultureInfo.InvariantCulture, $"{h:D2}{mi:D2}{s:D2}") + (frac < 0 ? "" : "." + frac.ToString("D6", CultureInfo.InvariantCulture));

    private static Gen<string> DecimalString =>
        from mantissa in Gen.Choose(-999_999, 999_999)
        from exponent in Gen.Choose(-6, 6)
        select (mantissa * Math.Pow(10, exponent)).ToString("G8", CultureInfo.InvariantCulture);

    private static Gen<string> Uid =>
        from root in Gen.Elements("1.2.840.10008", "1.2.826.0.1.3680043", "2.25", "1.3.6.1.4.1.5962")
        from n in Gen.Choose(1, 5)
        from parts in Gen.ListOf(Gen.Choose(0, 99999).Select(i => i.ToString(CultureInfo.InvariantCulture)), n)
        select root + "." + string.Join('.', parts);

    private static Gen<string> PersonName =>
        from family in Chars(Upper, 1, 12)
        from given in Chars(Upper, 0, 10)
        from middle in Chars(Upper, 0, 6)
        from groups in Gen.Choose(1, 3)
        select groups switch
        {
            1 => $"{family}^{given}",
            2 => $"{family}^{given}^{middle}",
            _ => $"{family}^{given}=",
        };

    /// <summary>The encoded text, padded to even length with the VR's padding byte.</summary>
    private static byte[] Padded(string text, DicomVR vr)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        if ((bytes.Length & 1) == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.Padding;
        }
        return bytes;
    }

    /// <summary>A value of valid shape for <paramref name="vr"/>, of even length.</summary>
    public static Gen<byte[]> Value(DicomVR vr)
    {
        Gen<string>? text = vr.Code switch
        {
            "AE" => Multi(Chars(Upper + Digits + "_", 1, 16), 2),
            "AS" => from n in Gen.Choose(0, 999) from u in Gen.Elements('D', 'W', 'M', 'Y') select string.Create(CultureInfo.InvariantCulture, $"{n:D3}{u}"),
            "CS" => Multi(Chars(Upper + Digits + "_ ", 1, 16), 3),
            "DA" => Multi(Date, 2),
            "DS" => Multi(DecimalString, 4),
            "DT" => from d in Date from t in Time from z in Gen.Elements("", "+0100", "-0500") select d + t + z,
            "IS" => Multi(Gen.Choose(-99_999_999, 99_999_999).Select(i => i.ToString(CultureInfo.InvariantCulture)), 4),
            "LO" => Multi(Chars(Printable, 0, 64), 2),
            "LT" => Chars(Printable + "\r\n\\", 0, 400),
            "PN" => PersonName,
            "SH" => Multi(Chars(Printable, 0, 16), 2),
            "ST" => Chars(Printable + "\r\n\\", 0, 300),
            "TM" => Multi(Time, 2),
            "UC" => Multi(Chars(Printable, 0, 120), 3),
            "UI" => Multi(Uid, 2),
            "UR" => from path in Chars(Upper + Digits + "/-_.~%", 0, 80) select "https://example.org/" + path,
            "UT" => Chars(Printable + "\r\n\\", 0, 600),
            _ => null,
        };
        if (text is not null)
        {
            return text.Select(t => Padded(t, vr));
        }
        return vr.Code switch
        {
            "AT" => Bytes(4, 4),
            "OB" or "UN" => from n in Gen.Choose(0, 150) from b in Gen.ArrayOf(AnyByte, n * 2) select b,
            "FD" or "SV" or "UV" or "OD" or "OV" => Bytes(vr.Kind == VRKind.Bytes ? 24 : 4, 8),
            "FL" or "SL" or "UL" or "OF" or "OL" => Bytes(vr.Kind == VRKind.Bytes ? 48 : 6, 4),
            "US" or "SS" or "OW" => Bytes(vr.Kind == VRKind.Bytes ? 96 : 8, 2),
            _ => throw new ArgumentException($"No generator for VR {vr}", nameof(vr)),
        };
    }

    private static Gen<DicomTag> PublicTagFor(DicomVR vr, GenMode mode)
    {
        var tags = (mode == GenMode.Implicit ? TagsByImplicitVR : TagsByVR)[vr];
        if (tags.Length > 0)
        {
            return Gen.Elements(tags);
        }
        // No public tag has this VR (explicit mode only): an even-group tag the dictionary does not list.
        return from g in Gen.Choose(0x0800, 0x3FFF)
               from e in Gen.Choose(0xF000, 0xFFFE)
               let tag = new DicomTag((ushort)(g * 2), (ushort)e)
               where DicomDictionary.Lookup(tag) is null
               select tag;
    }

    private static Gen<DicomItem> Primitive(GenMode mode)
    {
        var vrs = mode == GenMode.Implicit ? ImplicitPrimitiveVRs : PrimitiveVRs;
        return from vr in Gen.Elements(vrs)
               from tag in PublicTagFor(vr, mode)
               from value in Value(vr)
               select (DicomItem)new DicomElement(tag, vr, value);
    }

    private static Gen<DicomSequence> Sequence(Gen<DicomTag> tag, GenOptions options, int depth) =>
        from t in tag
        from n in Gen.Choose(0, 3)
        from items in Gen.ListOf(DataSet(options, depth + 1), n)
        from undefined in Gen.Elements(true, false)
        select new DicomSequence(t, items, undefined);

    /// <summary>
    /// An undefined-length UN sequence (PS3.5 6.2.2): its items are encoded in Implicit VR Little Endian whatever the
    /// syntax around it, so their content is implicit-shaped.
    /// </summary>
    private static Gen<DicomSequence> UnknownSequence(DicomTag tag, GenOptions options, int depth) =>
        from n in Gen.Choose(0, 3)
        from items in Gen.ListOf(DataSet(options with { Mode = GenMode.Implicit, EncapsulatedPixelData = false }, depth + 1), n)
        select new DicomSequence(tag, items, undefinedLength: true, DicomVR.UN);

    private static Gen<DicomItem> PublicSequence(GenOptions options, int depth) =>
        Sequence(Gen.Elements(TagsByImplicitVR[DicomVR.SQ]), options, depth).Select(s => (DicomItem)s);

    /// <summary>A private block: the creator (gggg,00bb) and data elements (gggg,bbxx); private sequences in explicit mode.</summary>
    private static Gen<DicomItem[]> PrivateBlock(GenOptions options, int depth)
    {
        var mode = options.Mode;
        var element =
            from vr in mode == GenMode.Implicit ? Gen.Constant(DicomVR.UN) : Gen.Elements(PrimitiveVRs)
            from value in Value(vr)
            select (vr, value);
        return from g in Gen.Elements<ushort>(0x0009, 0x0011, 0x0019, 0x0029, 0x4001, 0x7FDF)
               from block in Gen.Choose(0x10, 0x14)
               from creator in Gen.Elements("ACME 1.0", "RADSEAL", "SIEMENS CSA HEADER", "GEMS_IDEN_01")
               from n in Gen.Choose(1, 4)
               from elements in Gen.ListOf(element, n)
               from offsets in Gen.ListOf(Gen.Choose(0x00, 0xFF), n)
               from nested in depth < MaxDepth && mode == GenMode.Explicit
                   ? Gen.Frequency(
                       (4, Gen.Constant<DicomSequence?>(null)),
                       (2, Sequence(Gen.Constant(new DicomTag(g, (ushort)(block << 8 | 0xFF))), options, depth).Select(s => (DicomSequence?)s)),
                       (1, UnknownSequence(new DicomTag(g, (ushort)(block << 8 | 0xFF)), options, depth).Select(s => (DicomSequence?)s)))
                   : Gen.Constant<DicomSequence?>(null)
               select Block(g, block, creator, elements, offsets, nested);
    }

    private static DicomItem[] Block(ushort group, int block, string creator, List<(DicomVR Vr, byte[] Value)> elements, List<int> offsets, DicomSequence? nested)
    {
        var items = new List<DicomItem> { new DicomElement(new DicomTag(group, (ushort)block), DicomVR.LO, Padded(creator, DicomVR.LO)) };
        for (var i = 0; i < elements.Count; i++)
        {
            // 0xFF is kept for the nested sequence.
            var tag = new DicomTag(group, (ushort)(block << 8 | Math.Min(offsets[i], 0xFE)));
            items.Add(new DicomElement(tag, elements[i].Vr, elements[i].Value));
        }
        if (nested is not null)
        {
            items.Add(nested);
        }
        return [.. items];
    }

    private static Gen<DicomItem> EncapsulatedPixelData =>
        from offsets in Gen.Choose(0, 2)
        from table in Gen.ArrayOf(AnyByte, offsets * 4)
        from n in Gen.Choose(1, 3)
        from fragments in Gen.ListOf(from k in Gen.Choose(0, 100) from b in Gen.ArrayOf(AnyByte, k * 2) select b, n)
        select (DicomItem)new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, ValueBuffer.From(table), fragments.Select(f => ValueBuffer.From(f)));

    /// <summary>A data set (or an item, at <paramref name="depth"/> &gt; 0) of up to 12 top-level or 5 nested elements.</summary>
    public static Gen<DicomDataSet> DataSet(GenOptions options, int depth = 0)
    {
        var entries = new List<(int, Gen<DicomItem[]>)>
        {
            (8, Primitive(options.Mode).Select(e => new[] { e })),
            (2, PrivateBlock(options, depth)),
        };
        if (depth < MaxDepth)
        {
            entries.Add((2, PublicSequence(options, depth).Select(e => new[] { e })));
        }
        var entry = Gen.Frequency(entries);
        return from n in Gen.Choose(0, depth == 0 ? 12 : 5)
               from parts in Gen.ListOf(entry, n)
               from undefined in Gen.Elements(true, false)
               from pixels in options.EncapsulatedPixelData && depth == 0
                   ? Gen.Frequency((1, Gen.Constant<DicomItem?>(null)), (2, EncapsulatedPixelData.Select(p => (DicomItem?)p)))
                   : Gen.Constant<DicomItem?>(null)
               from groupLengths in options.GroupLengths ? Gen.Elements(true, false) : Gen.Constant(false)
               select Assemble(parts, undefined, pixels, groupLengths);
    }

    private static DicomDataSet Assemble(IEnumerable<DicomItem[]> parts, bool undefinedLength, DicomItem? pixels, bool groupLengths)
    {
        var dataSet = new DicomDataSet { UndefinedLength = undefinedLength };
        foreach (var item in parts.SelectMany(p => p))
        {
            dataSet.Set(item);
        }
        if (pixels is not null)
        {
            dataSet.Set(pixels);
        }
        if (groupLengths)
        {
            // Values deliberately wrong: the writer recomputes them.
            foreach (var group in dataSet.Select(x => x.Tag.Group).Distinct().ToList())
            {
                dataSet.Set(new DicomElement(new DicomTag(group, 0x0000), DicomVR.UL, new byte[4]));
            }
        }
        return dataSet;
    }

    public static Arbitrary<DicomDataSet> Arbitrary(GenOptions options) => Arb.From(DataSet(options));

    /// <summary>Describes the first difference between two data sets (tags, VRs, value bytes in little-endian order, length forms), or null.</summary>
    public static string? Difference(DicomDataSet expected, DicomDataSet actual, string path = "")
    {
        var e = expected.ToList();
        var a = actual.ToList();
        for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
        {
            if (i >= e.Count)
            {
                return $"{path}: unexpected extra {a[i]}";
            }
            if (i >= a.Count)
            {
                return $"{path}: missing {e[i]}";
            }
            var x = e[i];
            var y = a[i];
            var where = path + x.Tag;
            if (x.Tag != y.Tag || x.VR != y.VR || x.GetType() != y.GetType())
            {
                return $"{where}: expected {x} ({x.GetType().Name}), got {y} ({y.GetType().Name})";
            }
            switch (x, y)
            {
                case (DicomElement ex, DicomElement ey):
                    if (!ex.GetLittleEndianBytes().Span.SequenceEqual(ey.GetLittleEndianBytes().Span))
                    {
                        return $"{where}: value differs: expected {Convert.ToHexString(ex.GetLittleEndianBytes().Span)}, got {Convert.ToHexString(ey.GetLittleEndianBytes().Span)}";
                    }
                    break;
                case (DicomSequence sx, DicomSequence sy):
                    if (sx.UndefinedLength != sy.UndefinedLength || sx.Items.Count != sy.Items.Count)
                    {
                        return $"{where}: expected {sx.Items.Count} items (undefined length {sx.UndefinedLength}), got {sy.Items.Count} ({sy.UndefinedLength})";
                    }
                    for (var k = 0; k < sx.Items.Count; k++)
                    {
                        if (sx.Items[k].UndefinedLength != sy.Items[k].UndefinedLength)
                        {
                            return $"{where}[{k}]: item length form differs";
                        }
                        if (Difference(sx.Items[k], sy.Items[k], $"{where}[{k}]/") is { } inner)
                        {
                            return inner;
                        }
                    }
                    break;
                case (DicomFragmentSequence fx, DicomFragmentSequence fy):
                    if (!fx.OffsetTable.GetMemory().Span.SequenceEqual(fy.OffsetTable.GetMemory().Span)
                        || fx.Fragments.Count != fy.Fragments.Count
                        || fx.Fragments.Zip(fy.Fragments).Any(p => !p.First.GetMemory().Span.SequenceEqual(p.Second.GetMemory().Span)))
                    {
                        return $"{where}: fragments differ";
                    }
                    break;
            }
        }
        return null;
    }
}
