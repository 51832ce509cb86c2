using System.Buffers;
using System.Collections.Frozen;
using System.Text;

namespace RadSeal.Dicom;

/// <summary>
/// Decodes and encodes character string values under a Specific Character Set (0008,0005), following PS3.5 6.1
/// and the examples of Annexes H (Japanese), I (Korean), J (UTF-8) and K (Chinese).
/// </summary>
/// <remarks>
/// <para>
/// The stand-alone sets ISO_IR 192, GB18030 and GBK, and ASCII or Latin-1 values without ESC bytes, decode with one
/// .NET <see cref="Encoding"/> call. Everything else runs an ISO 2022 state machine (a plain single-byte set being
/// its simplest case): escape sequences designate a code element into G0 or G1, and value 1's designations come back
/// into force after the delimiters of PS3.5 6.1.2.5.3 (CR, LF, FF, TAB; the value delimiter <c>\</c> except in LT,
/// ST and UT; and <c>^</c> and <c>=</c> in PN).
/// </para>
/// <para>
/// Leniency, following pydicom and DCMTK: bytes 80H-FFH under the default repertoire (ISO_IR 6) decode as Latin-1;
/// unknown or misspelt terms fall back with a message in <see cref="Warnings"/>; escape sequences that designate a
/// set not named in (0008,0005) are kept as text; bytes that are invalid in the active set decode as U+FFFD.
/// <see cref="Encode"/> writes <c>?</c> for characters that no permitted set can represent.
/// </para>
/// </remarks>
public sealed class SpecificCharacterSet
{
    private const byte Esc = 0x1B;

    private readonly Encoding? _standalone;
    private readonly CodeElement _initialG0;
    private readonly CodeElement _initialG1;
    private readonly CodeElement[] _permitted;

    private SpecificCharacterSet(
        string[] terms, string[] warnings, Encoding? standalone, CodeElement g0, CodeElement g1, CodeElement[] permitted)
    {
        Terms = terms;
        Warnings = warnings;
        _standalone = standalone;
        _initialG0 = g0;
        _initialG1 = g1;
        _permitted = permitted;
    }

    /// <summary>
    /// The default repertoire ISO_IR 6 (ASCII), used when (0008,0005) is absent or empty. Bytes 80H-FFH, which ASCII
    /// lacks but real files contain, decode as Latin-1 as pydicom and DCMTK do; encoding writes ASCII only.
    /// </summary>
    public static SpecificCharacterSet Default { get; } =
        new([], [], null, CodeElement.Ascii, CodeElement.Latin1Fallback, [CodeElement.Ascii]);

    /// <summary>The values of (0008,0005) as given to <see cref="Parse"/>, trimmed of padding; empty for <see cref="Default"/>.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>What <see cref="Parse"/> had to correct or ignore in the terms; empty for a valid value.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Interprets the values of (0008,0005), e.g. <c>["ISO_IR 192"]</c> or <c>["", "ISO 2022 IR 87"]</c>. An empty
    /// value 1 means ISO 2022 IR 6. Never throws for bad terms: misspellings are corrected and unknown terms replaced by
    /// ISO_IR 6 as pydicom does, with a message in <see cref="Warnings"/>.
    /// </summary>
    public static SpecificCharacterSet Parse(IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        var trimmed = terms.Select(t => (t ?? string.Empty).Trim(' ', '\0')).ToArray();
        if (trimmed.Length == 0 || (trimmed.Length == 1 && trimmed[0].Length == 0))
        {
            return Default;
        }

        var warnings = new List<string>();
        var definitions = CharacterSetTerm.Resolve(trimmed, warnings);
        var first = definitions[0];
        return new SpecificCharacterSet(
            trimmed,
            [.. warnings],
            first.Standalone,
            InitialG0(first),
            first.G1 ?? CodeElement.Latin1Fallback,
            PermittedElements(definitions));
    }

    /// <summary>
    /// Decodes a whole element value, backslash-separated values included, without trimming padding. VRs that do not
    /// use the Specific Character Set (<see cref="DicomVR.UsesSpecificCharacterSet"/> is false) decode as ASCII, with
    /// bytes 80H-FFH as Latin-1.
    /// </summary>
    public string Decode(ReadOnlySpan<byte> value, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(vr);
        if (value.IsEmpty)
        {
            return string.Empty;
        }
        if (!vr.UsesSpecificCharacterSet)
        {
            return Encoding.Latin1.GetString(value);
        }
        if (_standalone is not null)
        {
            return _standalone.GetString(value);
        }
        // Common case: ASCII or Latin-1 without escape sequences needs no state machine.
        if (_initialG0 == CodeElement.Ascii && _initialG1.IsLatin1 && !value.Contains(Esc))
        {
            return Encoding.Latin1.GetString(value);
        }
        return DecodeIso2022(value, Iso2022DelimiterRules.For(vr));
    }

    /// <summary>
    /// Encodes a whole element value (inverse of <see cref="Decode"/>), without padding. For sets with code extensions
    /// the escape sequences are chosen per character, and value 1's sets are restored before each delimiter and at the
    /// end as PS3.5 6.1.2.5.3 requires. Characters no permitted set can represent are written as <c>?</c>.
    /// </summary>
    public byte[] Encode(string value, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(vr);
        if (value.Length == 0)
        {
            return [];
        }
        if (!vr.UsesSpecificCharacterSet)
        {
            return Encoding.Latin1.GetBytes(value);
        }
        if (_standalone is not null)
        {
            return _standalone.GetBytes(value);
        }
        if (IsSingleStepEncodable(value))
        {
            return Encoding.Latin1.GetBytes(value);
        }
        return EncodeIso2022(value, Iso2022DelimiterRules.For(vr));
    }

    public override string ToString() => Terms.Count == 0 ? "ISO_IR 6" : string.Join('\\', Terms);

    // A multi-byte G0 as value 1 would make plain ASCII bytes unreadable; pydicom (iso2022_jp) starts in ASCII, so do we.
    private static CodeElement InitialG0(CharacterSetTerm first) =>
        first.G0 is { IsDoubleByte: false } g0 ? g0 : CodeElement.Ascii;

    // Every set named by a term may be designated; ASCII always may (pydicom accepts ESC ( B regardless).
    private static CodeElement[] PermittedElements(IReadOnlyList<CharacterSetTerm> definitions)
    {
        var permitted = new List<CodeElement>();
        foreach (var definition in definitions)
        {
            AddOnce(permitted, definition.G0);
            AddOnce(permitted, definition.G1);
        }
        AddOnce(permitted, CodeElement.Ascii);
        return [.. permitted];

        static void AddOnce(List<CodeElement> list, CodeElement? element)
        {
            if (element is not null && !list.Contains(element))
            {
                list.Add(element);
            }
        }
    }

    // Pure ASCII (or Latin-1 under ISO_IR 100) in the initial sets needs no escape sequences and maps byte for char.
    private bool IsSingleStepEncodable(string value)
    {
        if (!_initialG0.IsAsciiCompatible)
        {
            return false;
        }
        return Ascii.IsValid(value)
            || (_initialG1 == CodeElement.Latin1 && value.AsSpan().IndexOfAnyInRange('\u0100', '\uFFFF') < 0);
    }

    private string DecodeIso2022(ReadOnlySpan<byte> value, Iso2022Delimiters delimiters)
    {
        // ISO 2022 decoding never yields more chars than bytes, so a buffer of value.Length suffices.
        const int StackLimit = 512;
        char[]? rented = null;
        var buffer = value.Length <= StackLimit
            ? stackalloc char[value.Length]
            : (rented = ArrayPool<char>.Shared.Rent(value.Length));
        try
        {
            var decoder = new Iso2022Decoder(_initialG0, _initialG1, _permitted, delimiters);
            var written = decoder.Decode(value, buffer);
            return new string(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private byte[] EncodeIso2022(string value, Iso2022Delimiters delimiters)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Iso2022Encoder.MaxByteCount(value.Length));
        try
        {
            var encoder = new Iso2022Encoder(_initialG0, _initialG1, _permitted, delimiters, rented);
            foreach (var rune in value.EnumerateRunes())
            {
                encoder.Write(rune);
            }
            return rented.AsSpan(0, encoder.Finish()).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>Which characters bring value 1's character sets back into force (PS3.5 6.1.2.5.3).</summary>
internal enum Iso2022Delimiters
{
    /// <summary>LT, ST, UT: only CR, LF, FF and TAB; a backslash is text.</summary>
    SingleText,
    /// <summary>SH, LO, UC: also the value delimiter backslash.</summary>
    MultiText,
    /// <summary>PN: also the component delimiters ^ and =.</summary>
    PersonName,
}

internal static class Iso2022DelimiterRules
{
    public static Iso2022Delimiters For(DicomVR vr) =>
        vr == DicomVR.PN ? Iso2022Delimiters.PersonName
        : vr.Kind == VRKind.SingleText ? Iso2022Delimiters.SingleText
        : Iso2022Delimiters.MultiText;

    public static bool IsDelimiter(this Iso2022Delimiters delimiters, int c) => c switch
    {
        '\t' or '\n' or '\f' or '\r' => true,
        '\\' => delimiters != Iso2022Delimiters.SingleText,
        '^' or '=' => delimiters == Iso2022Delimiters.PersonName,
        _ => false,
    };
}

/// <summary>
/// A graphic character set that ISO 2022 designates into G0 or G1 with an escape sequence (PS3.3 Tables C.12-3 and
/// C.12-4). Tables are built lazily from .NET code pages; undefined code points decode as U+FFFD.
/// </summary>
internal sealed class CodeElement
{
    private const char Undefined = '\uFFFD';
    private const int Cells94 = 94;

    private readonly Lazy<char[]> _table;
    private readonly Lazy<FrozenDictionary<char, ushort>> _reverse;

    private CodeElement(string name, string escape, bool isG1, bool isDoubleByte, Func<char[]> buildTable, bool encodable = true)
    {
        Name = name;
        Escape = Encoding.ASCII.GetBytes("\e" + escape);
        IsG1 = isG1;
        IsDoubleByte = isDoubleByte;
        _table = new Lazy<char[]>(buildTable);
        _reverse = new Lazy<FrozenDictionary<char, ushort>>(encodable ? BuildReverse : () => FrozenDictionary<char, ushort>.Empty);
    }

    public string Name { get; }

    /// <summary>The designation escape sequence, ESC included.</summary>
    public byte[] Escape { get; }

    public bool IsG1 { get; }

    public bool IsDoubleByte { get; }

    public bool IsAsciiCompatible => this == Ascii || this == JisRoman;

    public bool IsLatin1 => this == Latin1 || this == Latin1Fallback;

    public override string ToString() => Name;

    // G0 sets hold 00H-7FH; JIS X 0201 Roman decodes 5CH and 7EH as backslash and tilde (not yen and overline)
    // like Python's shift_jis, so the value delimiter survives and ASCII round-trips.
    public static readonly CodeElement Ascii = new("ISO-IR 6", "(B", false, false, IdentityLowHalf);
    public static readonly CodeElement JisRoman = new("ISO-IR 14", "(J", false, false, IdentityLowHalf);

    /// <summary>High half of the default repertoire: not a real set, only for lenient decoding.</summary>
    public static readonly CodeElement Latin1Fallback = new("Latin-1 (lenient)", "-A", true, false, IdentityHighHalf, encodable: false);

    public static readonly CodeElement Latin1 = new("ISO-IR 100", "-A", true, false, IdentityHighHalf);
    public static readonly CodeElement Latin2 = HighHalf("ISO-IR 101", "-B", 28592);
    public static readonly CodeElement Latin3 = HighHalf("ISO-IR 109", "-C", 28593);
    public static readonly CodeElement Latin4 = HighHalf("ISO-IR 110", "-D", 28594);
    public static readonly CodeElement Cyrillic = HighHalf("ISO-IR 144", "-L", 28595);
    public static readonly CodeElement Arabic = HighHalf("ISO-IR 127", "-G", 28596);

    // .NET's 28597 predates ISO 8859-7:2003; use the Unicode mapping that Python (and thus pydicom) uses.
    public static readonly CodeElement Greek = HighHalf("ISO-IR 126", "-F", 28597,
        (0xA1, '\u2018'), (0xA2, '\u2019'), (0xA4, '\u20AC'), (0xA5, '\u20AF'), (0xAA, '\u037A'));

    // .NET maps AFH to OVERLINE and lacks the direction marks; ISO 8859-8 and Python have MACRON, LRM and RLM.
    public static readonly CodeElement Hebrew = HighHalf("ISO-IR 138", "-H", 28598,
        (0xAF, '\u00AF'), (0xFD, '\u200E'), (0xFE, '\u200F'));
    public static readonly CodeElement Latin5 = HighHalf("ISO-IR 148", "-M", 28599);
    public static readonly CodeElement Latin9 = HighHalf("ISO-IR 203", "-b", 28605);

    // Windows-874 is TIS 620 plus punctuation in 80H-9FH; those are C1 controls in ISO-IR 166, as in ISO 8859-11.
    public static readonly CodeElement Thai = HighHalf("ISO-IR 166", "-T", 874);
    public static readonly CodeElement JisKatakana = new("ISO-IR 13", ")I", true, false, KatakanaHighHalf);

    // JIS X 0208 and JIS X 0212 are the two planes of EUC-JP code page 20932: 0208 with both bytes' high bit set,
    // 0212 with only the first. Checked cell by cell against Python's iso2022_jp and iso2022_jp_2.
    public static readonly CodeElement JisX0208 = new("ISO-IR 87", "$B", false, true,
        () => DoubleByteTable(20932, (row, cell) => [(byte)(row | 0x80), (byte)(cell | 0x80)]));
    public static readonly CodeElement JisX0212 = new("ISO-IR 159", "$(D", false, true,
        () => DoubleByteTable(20932, (row, cell) => [(byte)(row | 0x80), (byte)cell], (0x2237, '~'), (0x2271, '\u2116')));

    // Code page 949 agrees with Python's euc_kr on every KS X 1001 cell; 51949 has one wrong cell (3453H).
    public static readonly CodeElement KsX1001 = new("ISO-IR 149", "$)C", true, true,
        () => DoubleByteTable(949, (row, cell) => [(byte)(row | 0x80), (byte)(cell | 0x80)]));

    // Code page 20936 is GB 2312-80 as Python's gb2312 decodes it, except A1ACH which it lacks.
    public static readonly CodeElement Gb2312 = new("ISO-IR 58", "$)A", true, true,
        () => DoubleByteTable(20936, (row, cell) => [(byte)(row | 0x80), (byte)(cell | 0x80)], (0x212C, '\u2016')));

    /// <summary>Decodes one byte of a single-byte set (either half).</summary>
    public char DecodeByte(byte b) => _table.Value[b & 0x7F];

    /// <summary>Decodes a two-byte character given as 21H-7EH pairs (high bits already stripped).</summary>
    public char DecodePair(int first, int second) => _table.Value[(first - 0x21) * Cells94 + second - 0x21];

    /// <summary>The code for <paramref name="c"/>: the byte for single-byte sets, 7-bit byte pair for double-byte sets.</summary>
    public bool TryEncode(char c, out ushort code) => _reverse.Value.TryGetValue(c, out code);

    private static CodeElement HighHalf(string name, string escape, int codePage, params (int Code, char Char)[] fixes) =>
        new(name, escape, true, false, () => HighHalfTable(codePage, fixes));

    private static char[] IdentityLowHalf() => [.. Enumerable.Range(0, 128).Select(i => (char)i)];

    private static char[] IdentityHighHalf() => [.. Enumerable.Range(0x80, 128).Select(i => (char)i)];

    private static char[] KatakanaHighHalf() =>
        [.. Enumerable.Range(0x80, 128).Select(b => b is >= 0xA1 and <= 0xDF ? (char)(0xFF61 + b - 0xA1) : Undefined)];

    // Table for bytes 80H-FFH; 80H-9FH are the C1 controls in every ISO 8859 part.
    private static char[] HighHalfTable(int codePage, (int Code, char Char)[] fixes)
    {
        var encoding = CodePage(codePage);
        var table = new char[128];
        for (var b = 0x80; b <= 0xFF; b++)
        {
            table[b - 0x80] = b < 0xA0 ? (char)b : DecodeOne(encoding, [(byte)b]);
        }
        foreach (var (code, c) in fixes)
        {
            table[code - 0x80] = c;
        }
        return table;
    }

    private static char[] DoubleByteTable(int codePage, Func<int, int, byte[]> bytesOf, params (int Code, char Char)[] fixes)
    {
        var encoding = CodePage(codePage);
        var table = new char[Cells94 * Cells94];
        for (var row = 0x21; row <= 0x7E; row++)
        {
            for (var cell = 0x21; cell <= 0x7E; cell++)
            {
                table[(row - 0x21) * Cells94 + cell - 0x21] = DecodeOne(encoding, bytesOf(row, cell));
            }
        }
        foreach (var (code, c) in fixes)
        {
            table[((code >> 8) - 0x21) * Cells94 + (code & 0xFF) - 0x21] = c;
        }
        return table;
    }

    // Exactly one non-private-use character, or the cell is undefined: code pages fill gaps with private-use
    // characters or with pairs of them, which no other decoder would reproduce.
    private static char DecodeOne(Encoding encoding, byte[] bytes)
    {
        Span<char> chars = stackalloc char[4];
        var count = encoding.GetChars(bytes, chars);
        return count == 1 && chars[0] != Undefined && !IsPrivateUse(chars[0]) ? chars[0] : Undefined;
    }

    private static bool IsPrivateUse(char c) => c is >= '\uE000' and <= '\uF8FF';

    // The lowest code wins, so a character in both a standard row and a vendor row (NEC row 13, IBM extensions)
    // encodes to the standard one. ASCII always comes from a single-byte G0, never from JIS X 0212's tilde.
    private FrozenDictionary<char, ushort> BuildReverse()
    {
        var table = _table.Value;
        var reverse = new Dictionary<char, ushort>();
        for (var i = 0; i < table.Length; i++)
        {
            if (table[i] != Undefined && !(IsDoubleByte && char.IsAscii(table[i])))
            {
                reverse.TryAdd(table[i], CodeOf(i));
            }
        }
        return reverse.ToFrozenDictionary();
    }

    private ushort CodeOf(int index) =>
        IsDoubleByte ? (ushort)((index / Cells94 + 0x21) << 8 | (index % Cells94 + 0x21))
        : IsG1 ? (ushort)(index | 0x80)
        : (ushort)index;

    // The provider is used directly rather than registered, so the library does not change process-wide state.
    internal static Encoding CodePage(int codePage) =>
        CodePagesEncodingProvider.Instance.GetEncoding(
            codePage, new EncoderReplacementFallback("?"), new DecoderReplacementFallback("\uFFFD"))
        ?? throw new PlatformNotSupportedException($"Code page {codePage} is not available.");
}

/// <summary>One defined term of (0008,0005) and the code elements or stand-alone encoding it selects.</summary>
internal sealed record CharacterSetTerm(string Name, CodeElement? G0, CodeElement? G1, Encoding? Standalone = null)
{
    private static readonly CharacterSetTerm Ir6 = new("ISO_IR 6", CodeElement.Ascii, null);

    private static readonly FrozenDictionary<string, CharacterSetTerm> Defined = BuildDefined();

    /// <summary>Maps each value to its definition, correcting what pydicom corrects, and drops misplaced stand-alone sets.</summary>
    public static IReadOnlyList<CharacterSetTerm> Resolve(string[] terms, List<string> warnings)
    {
        var resolved = terms.Select(term => Lookup(term, warnings)).ToList();
        return RemoveMisplacedStandalone(terms, resolved, warnings);
    }

    private static CharacterSetTerm Lookup(string term, List<string> warnings)
    {
        if (term.Length == 0)
        {
            return Ir6;
        }
        if (Defined.TryGetValue(term, out var definition))
        {
            return definition;
        }
        if (CorrectSpelling(term) is { } corrected && Defined.TryGetValue(corrected, out definition))
        {
            warnings.Add($"Incorrect value for Specific Character Set '{term}' - assuming '{corrected}'.");
            return definition;
        }
        warnings.Add($"Unknown Specific Character Set '{term}' - using ISO_IR 6 (ASCII) instead.");
        return Ir6;
    }

    // pydicom's corrections: any separator in "ISO_IR" (ISO IR 100, ISO-IR 100) and in "ISO 2022 IR ".
    private static string? CorrectSpelling(string term)
    {
        if (term.Length > 6 && term.StartsWith("ISO", StringComparison.Ordinal) && term[3] != '_'
            && term.AsSpan(4, 2).SequenceEqual("IR"))
        {
            return "ISO_IR" + term[6..];
        }
        if (term.Length > 12 && term.StartsWith("ISO", StringComparison.Ordinal) && term.AsSpan(4, 4).SequenceEqual("2022")
            && term.AsSpan(9, 2).SequenceEqual("IR"))
        {
            return "ISO 2022 IR " + term[12..];
        }
        return null;
    }

    // PS3.5 6.1.2.5.4 d and PS3.3 C.12.1.1.2: ISO_IR 192, GB18030 and GBK do not allow code extensions.
    private static List<CharacterSetTerm> RemoveMisplacedStandalone(string[] terms, List<CharacterSetTerm> resolved, List<string> warnings)
    {
        if (resolved.Count > 1 && resolved[0].Standalone is not null)
        {
            warnings.Add($"Value '{terms[0]}' for Specific Character Set does not allow code extensions, ignoring: "
                + string.Join(", ", terms.Skip(1)) + ".");
            return [resolved[0]];
        }
        for (var i = resolved.Count - 1; i > 0; i--)
        {
            if (resolved[i].Standalone is not null)
            {
                warnings.Add($"Value '{terms[i]}' cannot be used as code extension, ignoring it.");
                resolved.RemoveAt(i);
            }
        }
        return resolved;
    }

    private static FrozenDictionary<string, CharacterSetTerm> BuildDefined()
    {
        var terms = new List<CharacterSetTerm>
        {
            new("ISO_IR 192", null, null, new UTF8Encoding(false)),
            new("GB18030", null, null, CodeElement.CodePage(54936)),
            new("GBK", null, null, CodeElement.CodePage(936)),
            new("ISO 2022 IR 87", CodeElement.JisX0208, null),
            new("ISO 2022 IR 159", CodeElement.JisX0212, null),
            new("ISO 2022 IR 149", null, CodeElement.KsX1001),
            new("ISO 2022 IR 58", null, CodeElement.Gb2312),
        };
        // Single-byte sets exist as "ISO_IR n" (no extensions) and "ISO 2022 IR n" (with); the elements are the same.
        foreach (var (number, g0, g1) in SingleByteSets())
        {
            terms.Add(new($"ISO_IR {number}", g0, g1));
            terms.Add(new($"ISO 2022 IR {number}", g0, g1));
        }
        return terms.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
    }

    private static IEnumerable<(int Number, CodeElement G0, CodeElement? G1)> SingleByteSets() =>
    [
        (6, CodeElement.Ascii, null),
        (100, CodeElement.Ascii, CodeElement.Latin1),
        (101, CodeElement.Ascii, CodeElement.Latin2),
        (109, CodeElement.Ascii, CodeElement.Latin3),
        (110, CodeElement.Ascii, CodeElement.Latin4),
        (144, CodeElement.Ascii, CodeElement.Cyrillic),
        (127, CodeElement.Ascii, CodeElement.Arabic),
        (126, CodeElement.Ascii, CodeElement.Greek),
        (138, CodeElement.Ascii, CodeElement.Hebrew),
        (148, CodeElement.Ascii, CodeElement.Latin5),
        (203, CodeElement.Ascii, CodeElement.Latin9),
        (166, CodeElement.Ascii, CodeElement.Thai),
        (13, CodeElement.JisRoman, CodeElement.JisKatakana),
    ];
}

/// <summary>The ISO 2022 decoding state machine: current G0 and G1, switched by escape sequences and delimiters.</summary>
internal struct Iso2022Decoder
{
    private readonly CodeElement _initialG0;
    private readonly CodeElement _initialG1;
    private readonly CodeElement[] _permitted;
    private readonly Iso2022Delimiters _delimiters;
    private CodeElement _g0;
    private CodeElement _g1;

    public Iso2022Decoder(CodeElement initialG0, CodeElement initialG1, CodeElement[] permitted, Iso2022Delimiters delimiters)
    {
        _initialG0 = _g0 = initialG0;
        _initialG1 = _g1 = initialG1;
        _permitted = permitted;
        _delimiters = delimiters;
    }

    /// <summary>Decodes <paramref name="source"/> into <paramref name="destination"/> (at least as long); returns chars written.</summary>
    public int Decode(ReadOnlySpan<byte> source, Span<char> destination)
    {
        var written = 0;
        var i = 0;
        while (i < source.Length)
        {
            var rest = source[i..];
            if (rest[0] == 0x1B && TryDesignate(rest, out var escapeLength))
            {
                i += escapeLength;
                continue;
            }
            i += DecodeCharacter(rest, out destination[written++]);
        }
        return written;
    }

    // Unknown or undeclared sets: what follows cannot be interpreted, so the caller keeps ESC as text, and value 1's
    // sets come back as in pydicom.
    private bool TryDesignate(ReadOnlySpan<byte> rest, out int length)
    {
        foreach (var element in _permitted)
        {
            if (rest.StartsWith(element.Escape))
            {
                (element.IsG1 ? ref _g1 : ref _g0) = element;
                length = element.Escape.Length;
                return true;
            }
        }
        Reset();
        length = 0;
        return false;
    }

    private int DecodeCharacter(ReadOnlySpan<byte> rest, out char c)
    {
        var b = rest[0];
        if (b >= 0x80)
        {
            return _g1.IsDoubleByte ? DecodePair(_g1, rest, 0xA1, 0xFE, out c) : DecodeSingle(_g1, b, out c);
        }
        // Controls and space stay single bytes even while a two-byte set is in G0.
        if (_g0.IsDoubleByte && b is >= 0x21 and <= 0x7E)
        {
            return DecodePair(_g0, rest, 0x21, 0x7E, out c);
        }
        if (_delimiters.IsDelimiter(b))
        {
            Reset();
        }
        return DecodeSingle(_g0, b, out c);
    }

    private static int DecodeSingle(CodeElement element, byte b, out char c)
    {
        c = element.IsDoubleByte ? (char)b : element.DecodeByte(b);
        return 1;
    }

    // Both bytes must lie in [low, high]; otherwise the first byte alone is undecodable.
    private static int DecodePair(CodeElement element, ReadOnlySpan<byte> rest, int low, int high, out char c)
    {
        if (rest[0] >= low && rest[0] <= high && rest.Length > 1 && rest[1] >= low && rest[1] <= high)
        {
            c = element.DecodePair(rest[0] & 0x7F, rest[1] & 0x7F);
            return 2;
        }
        c = '\uFFFD';
        return 1;
    }

    private void Reset()
    {
        _g0 = _initialG0;
        _g1 = _initialG1;
    }
}

/// <summary>
/// The ISO 2022 encoder: per character, the active set if it can, else the first permitted set that can, designated
/// by its escape sequence. Before delimiters and at the end, value 1's G0 is restored (PS3.5 6.1.2.5.3); G1 needs no
/// escape there because a delimiter resets it implicitly (Annex I writes ESC $ ) C again after each ^).
/// </summary>
internal ref struct Iso2022Encoder
{
    private const int MaxEscapeLength = 4;

    private readonly CodeElement _initialG0;
    private readonly CodeElement _initialG1;
    private readonly CodeElement[] _permitted;
    private readonly Iso2022Delimiters _delimiters;
    private readonly Span<byte> _buffer;
    private CodeElement _g0;
    private CodeElement _g1;
    private int _length;

    public Iso2022Encoder(
        CodeElement initialG0, CodeElement initialG1, CodeElement[] permitted, Iso2022Delimiters delimiters, Span<byte> buffer)
    {
        _initialG0 = _g0 = initialG0;
        _initialG1 = _g1 = initialG1;
        _permitted = permitted;
        _delimiters = delimiters;
        _buffer = buffer;
    }

    /// <summary>Worst case: an escape sequence and two bytes per char, plus the final escape sequence.</summary>
    public static int MaxByteCount(int charCount) => charCount * (MaxEscapeLength + 2) + MaxEscapeLength;

    public void Write(Rune rune)
    {
        if (_delimiters.IsDelimiter(rune.Value))
        {
            RestoreInitialG0();
            _buffer[_length++] = (byte)rune.Value;
            _g1 = _initialG1;
            return;
        }
        // No ISO 2022 set here holds characters outside the BMP.
        var c = rune.IsBmp ? (char)rune.Value : '?';
        if (!TrySelect(c, out var element, out var code))
        {
            TrySelect('?', out element, out code);
        }
        Designate(element);
        WriteCode(element, code);
    }

    /// <summary>Restores value 1's G0 if needed; returns the total byte count.</summary>
    public int Finish()
    {
        RestoreInitialG0();
        return _length;
    }

    private readonly bool TrySelect(char c, out CodeElement element, out ushort code)
    {
        if (_g0.TryEncode(c, out code))
        {
            element = _g0;
            return true;
        }
        if (_g1.TryEncode(c, out code))
        {
            element = _g1;
            return true;
        }
        foreach (var candidate in _permitted)
        {
            if (candidate.TryEncode(c, out code))
            {
                element = candidate;
                return true;
            }
        }
        element = CodeElement.Ascii;
        return false;
    }

    private void Designate(CodeElement element)
    {
        ref var slot = ref element.IsG1 ? ref _g1 : ref _g0;
        if (slot != element)
        {
            WriteEscape(element);
            slot = element;
        }
    }

    private void WriteCode(CodeElement element, ushort code)
    {
        if (!element.IsDoubleByte)
        {
            _buffer[_length++] = (byte)code;
            return;
        }
        var highBits = element.IsG1 ? 0x80 : 0;
        _buffer[_length++] = (byte)(code >> 8 | highBits);
        _buffer[_length++] = (byte)(code & 0xFF | highBits);
    }

    private void RestoreInitialG0()
    {
        if (_g0 != _initialG0)
        {
            WriteEscape(_initialG0);
            _g0 = _initialG0;
        }
    }

    private void WriteEscape(CodeElement element)
    {
        element.Escape.CopyTo(_buffer[_length..]);
        _length += element.Escape.Length;
    }
}
