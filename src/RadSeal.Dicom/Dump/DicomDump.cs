using System.Globalization;
using System.Text;

namespace RadSeal.Dicom;

/// <summary>
/// A dcmdump-style listing: one line per element with tag, VR, value, length, VM and keyword; sequences indented.
/// Deferred values are not loaded: the listing of a large image costs what its header costs.
/// </summary>
public static class DicomDump
{
    private const int ValueWidth = 40;

    public static void Write(TextWriter output, DicomFile file, int maxValueChars = 64)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(file);
        var sb = new StringBuilder(4096);
        sb.Append("# Dicom-File-Format: ").Append(file.Format).Append('\n');
        sb.Append("\n# Dicom-Meta-Information-Header\n# Used TransferSyntax: Explicit VR Little Endian\n");
        WriteDataSet(sb, file.Meta, 0, maxValueChars);
        sb.Append("\n# Dicom-Data-Set\n# Used TransferSyntax: ").Append(file.TransferSyntax.Name).Append('\n');
        WriteDataSet(sb, file.DataSet, 0, maxValueChars);
        output.Write(sb);
    }

    public static string ToString(DicomFile file, int maxValueChars = 64)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        Write(w, file, maxValueChars);
        return w.ToString();
    }

    private static void WriteDataSet(StringBuilder sb, DicomDataSet ds, int depth, int maxValueChars)
    {
        foreach (var item in ds)
        {
            switch (item)
            {
                case DicomSequence sq:
                    Line(sb, depth, item.Tag, item.VR.Code,
                        $"(Sequence with {(sq.UndefinedLength ? "undefined" : "explicit")} length #={sq.Items.Count})", -1, 1);
                    foreach (var child in sq.Items)
                    {
                        Line(sb, depth + 1, DicomTag.Item, "na",
                            $"(Item with {(child.UndefinedLength ? "undefined" : "explicit")} length #={child.Count})", -1, 1);
                        WriteDataSet(sb, child, depth + 2, maxValueChars);
                        if (child.UndefinedLength)
                        {
                            Line(sb, depth + 1, DicomTag.ItemDelimitation, "na", "(ItemDelimitationItem)", 0, 0);
                        }
                    }
                    if (sq.UndefinedLength)
                    {
                        Line(sb, depth, DicomTag.SequenceDelimitation, "na", "(SequenceDelimitationItem)", 0, 0);
                    }
                    break;
                case DicomFragmentSequence f:
                    Line(sb, depth, item.Tag, item.VR.Code, $"(PixelSequence #={f.Fragments.Count + 1})", -1, 1);
                    Line(sb, depth + 1, DicomTag.Item, "pi", Describe(f.OffsetTable, maxValueChars), f.OffsetTable.Length, 1);
                    foreach (var fragment in f.Fragments)
                    {
                        Line(sb, depth + 1, DicomTag.Item, "pi", Describe(fragment, maxValueChars), fragment.Length, 1);
                    }
                    Line(sb, depth, DicomTag.SequenceDelimitation, "na", "(SequenceDelimitationItem)", 0, 0);
                    break;
                case DicomElement e:
                    var (text, vm) = FormatValue(ds, e, maxValueChars);
                    Line(sb, depth, e.Tag, e.VR.Code, text, e.Length, vm);
                    break;
                default:
                    break;
            }
        }
    }

    private static void Line(StringBuilder sb, int depth, DicomTag tag, string vr, string value, long length, int vm)
    {
        var start = sb.Length;
        sb.Append(' ', depth * 2);
        sb.Append('(').Append(tag.Group.ToString("x4", CultureInfo.InvariantCulture)).Append(',')
            .Append(tag.Element.ToString("x4", CultureInfo.InvariantCulture)).Append(") ").Append(vr).Append(' ').Append(value);
        var pad = depth * 2 + 16 + ValueWidth - (sb.Length - start);
        sb.Append(' ', Math.Max(1, pad));
        sb.Append("# ").Append(length < 0 ? "u/l" : length.ToString(CultureInfo.InvariantCulture).PadLeft(3))
            .Append(", ").Append(vm.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Keyword(tag)).Append('\n');
    }

    private static string Keyword(DicomTag tag)
    {
        if (tag == DicomTag.Item)
        {
            return "Item";
        }
        if (tag == DicomTag.ItemDelimitation)
        {
            return "ItemDelimitationItem";
        }
        if (tag == DicomTag.SequenceDelimitation)
        {
            return "SequenceDelimitationItem";
        }
        return DicomDictionary.Lookup(tag)?.Keyword is { Length: > 0 } k ? k : tag.IsPrivate ? "PrivateTag" : "Unknown Tag & Data";
    }

    private static string Describe(ValueBuffer value, int maxValueChars) =>
        value.IsDeferred ? $"(not loaded, {value.Length} bytes)" : Hex(value.GetMemory().Span, maxValueChars, out _);

    private static (string Text, int VM) FormatValue(DicomDataSet ds, DicomElement e, int maxValueChars)
    {
        if (e.Length == 0)
        {
            return ("(no value available)", 0);
        }
        if (e.Value.IsDeferred)
        {
            return ($"(not loaded, {e.Length} bytes)", 1);
        }
        switch (e.VR.Kind)
        {
            case VRKind.Number:
                return Numbers(e, maxValueChars);
            case VRKind.Tag:
                var tags = DicomDataSet.GetTagsOf(e);
                return (Clip(string.Join('\\', tags), maxValueChars), tags.Count);
            case VRKind.Bytes:
                var words = e.VR == DicomVR.OB || e.VR == DicomVR.UN ? e.Value.GetMemory().Span : e.GetLittleEndianBytes().Span;
                return (Hex(words, maxValueChars, out var count, e.VR.UnitSize), count);
            default:
                var text = ds.DecodeText(e).TrimEnd('\0', ' ');
                var vm = e.VR.Kind == VRKind.SingleText ? 1 : text.Count(c => c == '\\') + 1;
                if (e.VR == DicomVR.UI && DicomUids.Lookup(text) is { Keyword.Length: > 0 } uid)
                {
                    return ("=" + uid.Keyword, vm);
                }
                return ("[" + Clip(text, maxValueChars) + "]", vm);
        }
    }

    private static (string, int) Numbers(DicomElement e, int maxValueChars)
    {
        var bytes = e.GetLittleEndianBytes().Span;
        var sb = new StringBuilder();
        var count = bytes.Length / e.VR.UnitSize;
        for (var i = 0; i < count && sb.Length <= maxValueChars; i++)
        {
            if (i > 0)
            {
                sb.Append('\\');
            }
            var s = bytes[(i * e.VR.UnitSize)..];
            var vr = e.VR;
            sb.Append(vr == DicomVR.US ? BitConverter.ToUInt16(s).ToString(CultureInfo.InvariantCulture)
                : vr == DicomVR.SS ? BitConverter.ToInt16(s).ToString(CultureInfo.InvariantCulture)
                : vr == DicomVR.UL ? BitConverter.ToUInt32(s).ToString(CultureInfo.InvariantCulture)
                : vr == DicomVR.SL ? BitConverter.ToInt32(s).ToString(CultureInfo.InvariantCulture)
                : vr == DicomVR.SV ? BitConverter.ToInt64(s).ToString(CultureInfo.InvariantCulture)
                : vr == DicomVR.UV ? BitConverter.ToUInt64(s).ToString(CultureInfo.InvariantCulture)
                : vr == DicomVR.FL ? BitConverter.ToSingle(s).ToString("R", CultureInfo.InvariantCulture)
                : BitConverter.ToDouble(s).ToString("R", CultureInfo.InvariantCulture));
        }
        return (Clip(sb.ToString(), maxValueChars), count);
    }

    private static string Hex(ReadOnlySpan<byte> bytes, int maxValueChars, out int count, int unit = 1)
    {
        var sb = new StringBuilder();
        var step = unit is 2 or 4 or 8 ? unit : 1;
        count = bytes.Length / step;
        for (var i = 0; i + step <= bytes.Length && sb.Length <= maxValueChars; i += step)
        {
            if (i > 0)
            {
                sb.Append('\\');
            }
            for (var j = step - 1; j >= 0; j--)
            {
                sb.Append(bytes[i + j].ToString("x2", CultureInfo.InvariantCulture));
            }
        }
        return Clip(sb.ToString(), maxValueChars);
    }

    private static string Clip(string s, int max) => s.Length > max ? string.Concat(s.AsSpan(0, max), "...") : s;
}
