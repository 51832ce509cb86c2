using System.Globalization;
using System.Runtime.InteropServices;

namespace RadSeal.Dicom;

/// <summary>Typed access to values. Reading never throws for a bad value: absent or unparseable gives null/empty.</summary>
public sealed partial class DicomDataSet
{
    private (DicomElement? Source, SpecificCharacterSet Value) charsetCache;

    /// <summary>The Specific Character Set in force here: this data set's own (0008,0005), else the enclosing one's.</summary>
    public SpecificCharacterSet CharacterSet
    {
        get
        {
            var own = FindElement(DicomTag.SpecificCharacterSet);
            if (own is null)
            {
                return Parent?.CharacterSet ?? SpecificCharacterSet.Default;
            }
            if (!ReferenceEquals(charsetCache.Source, own))
            {
                var terms = DicomText.SplitValues(DicomText.DecodeAscii(own.Value.GetMemory().Span), own.VR);
                charsetCache = (own, SpecificCharacterSet.Parse(terms));
            }
            return charsetCache.Value;
        }
    }

    /// <summary>The whole value as text (multiple values still joined by '\'), padding removed; null if absent.</summary>
    public string? GetString(DicomTag tag) =>
        FindElement(tag) is { } e ? DicomText.Trim(DecodeText(e), e.VR) : null;

    /// <summary>The values of a string element, split at '\' (except LT, ST, UT, UR) and trimmed; empty if absent.</summary>
    public IReadOnlyList<string> GetStrings(DicomTag tag) =>
        FindElement(tag) is { } e ? DicomText.SplitValues(DecodeText(e), e.VR) : [];

    /// <summary>Decodes an element's bytes as text with the character set in force, for display or JSON.</summary>
    public string DecodeText(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        var bytes = element.Value.GetMemory().Span;
        return element.VR.UsesSpecificCharacterSet ? CharacterSet.Decode(bytes, element.VR) : DicomText.DecodeAscii(bytes);
    }

    /// <summary>Binary numbers (US, SS, UL, SL, FL, FD, SV, UV, and OW/OF/OD/OL/OV words) in host order.</summary>
    public T[] GetValues<T>(DicomTag tag) where T : unmanaged
    {
        if (FindElement(tag) is not { } e)
        {
            return [];
        }
        var bytes = e.GetLittleEndianBytes().Span;
        var size = Marshal.SizeOf<T>();
        var values = MemoryMarshal.Cast<byte, T>(bytes[..(bytes.Length / size * size)]).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("RadSeal assumes a little-endian host.");
        }
        return values;
    }

    /// <summary>The first binary number, or null.</summary>
    public T? GetValue<T>(DicomTag tag) where T : unmanaged => GetValues<T>(tag) is { Length: > 0 } v ? v[0] : null;

    /// <summary>Decimal String (DS) values; an unparseable value makes the result null.</summary>
    public double[]? GetDecimals(DicomTag tag) => ParseAll(tag, static v =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (double?)null);

    /// <summary>Integer String (IS) values; an unparseable value makes the result null.</summary>
    public long[]? GetIntegers(DicomTag tag) => ParseAll(tag, static v =>
        long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : (long?)null);

    private T[]? ParseAll<T>(DicomTag tag, Func<string, T?> parse) where T : struct
    {
        var parts = GetStrings(tag);
        var result = new T[parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            if (parse(parts[i]) is not { } value)
            {
                return null;
            }
            result[i] = value;
        }
        return result;
    }

    public DateOnly? GetDate(DicomTag tag) => DicomDateTime.TryParseDate(GetString(tag), out var d) ? d : null;

    public TimeOnly? GetTime(DicomTag tag) => DicomDateTime.TryParseTime(GetString(tag), out var t) ? t : null;

    public DateTimeOffset? GetDateTime(DicomTag tag) =>
        DicomDateTime.TryParseDateTime(GetString(tag), out var v, out _) ? v : null;

    public PersonName? GetPersonName(DicomTag tag) => GetString(tag) is { } s ? PersonName.Parse(s) : null;

    /// <summary>Attribute Tag (AT) values.</summary>
    public IReadOnlyList<DicomTag> GetTags(DicomTag tag) => FindElement(tag) is { } e ? GetTagsOf(e) : [];

    internal static IReadOnlyList<DicomTag> GetTagsOf(DicomElement e)
    {
        var bytes = e.GetLittleEndianBytes().Span;
        var words = MemoryMarshal.Cast<byte, ushort>(bytes[..(bytes.Length / 4 * 4)]);
        var result = new DicomTag[words.Length / 2];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new DicomTag(words[2 * i], words[2 * i + 1]);
        }
        return result;
    }

    /// <summary>Sets a string element, joining values with '\', encoding with the character set in force, padding to even length.</summary>
    public DicomDataSet SetStrings(DicomTag tag, DicomVR vr, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(vr);
        ArgumentNullException.ThrowIfNull(values);
        var text = string.Join('\\', values);
        var bytes = vr.UsesSpecificCharacterSet ? CharacterSet.Encode(text, vr) : System.Text.Encoding.ASCII.GetBytes(text);
        if ((bytes.Length & 1) == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.Padding;
        }
        return Set(new DicomElement(tag, vr, bytes));
    }

    public DicomDataSet SetString(DicomTag tag, DicomVR vr, string value) => SetStrings(tag, vr, value);

    /// <summary>Sets a binary-number element, little endian.</summary>
    public DicomDataSet SetValues<T>(DicomTag tag, DicomVR vr, params T[] values) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(vr);
        ArgumentNullException.ThrowIfNull(values);
        return Set(new DicomElement(tag, vr, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
    }
}
