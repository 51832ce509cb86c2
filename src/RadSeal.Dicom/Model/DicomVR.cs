namespace RadSeal.Dicom;

/// <summary>What kind of value a VR holds; drives decoding and display.</summary>
public enum VRKind
{
    /// <summary>Character string, possibly multi-valued with backslash.</summary>
    Text,
    /// <summary>Character string that is never split on backslash (LT, ST, UT, UR).</summary>
    SingleText,
    /// <summary>Fixed-size binary numbers (US, SL, FD, ...).</summary>
    Number,
    /// <summary>Attribute tag pairs.</summary>
    Tag,
    /// <summary>Opaque bytes or words (OB, OW, OF, UN, ...).</summary>
    Bytes,
    Sequence,
}

/// <summary>
/// A value representation as a row of properties (after fo-dicom's DicomVR): the reader and writer consult these
/// instead of switching on VR codes. One shared instance per VR; compare by reference or by <see cref="Code"/>.
/// </summary>
public sealed class DicomVR
{
    private DicomVR(string code, VRKind kind, bool longLength, byte padding, int unitSize, bool specificCharset, long maxLength = 0)
    {
        Code = code;
        Kind = kind;
        HasLongLength = longLength;
        Padding = padding;
        UnitSize = unitSize;
        UsesSpecificCharacterSet = specificCharset;
        MaxLength = maxLength;
        Value = (ushort)(code[0] << 8 | code[1]);
    }

    public string Code { get; }

    /// <summary>The two VR bytes as written in explicit-VR streams, first byte high.</summary>
    public ushort Value { get; }

    public VRKind Kind { get; }

    /// <summary>Explicit VR encodes a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2).</summary>
    public bool HasLongLength { get; }

    /// <summary>Byte used to pad odd-length values to even length.</summary>
    public byte Padding { get; }

    /// <summary>Size of one number for byte swapping between endiannesses (1 = never swapped).</summary>
    public int UnitSize { get; }

    /// <summary>Whether Specific Character Set (0008,0005) applies to the value.</summary>
    public bool UsesSpecificCharacterSet { get; }

    /// <summary>Maximum value length in bytes from PS3.5 Table 6.2-1 (per value for multi-valued strings); 0 if unbounded.</summary>
    public long MaxLength { get; }

    public bool IsString => Kind is VRKind.Text or VRKind.SingleText;

    public override string ToString() => Code;

    public static readonly DicomVR AE = new("AE", VRKind.Text, false, (byte)' ', 1, false, 16);
    public static readonly DicomVR AS = new("AS", VRKind.Text, false, (byte)' ', 1, false, 4);
    public static readonly DicomVR AT = new("AT", VRKind.Tag, false, 0, 2, false, 4);
    public static readonly DicomVR CS = new("CS", VRKind.Text, false, (byte)' ', 1, false, 16);
    public static readonly DicomVR DA = new("DA", VRKind.Text, false, (byte)' ', 1, false, 8);
    public static readonly DicomVR DS = new("DS", VRKind.Text, false, (byte)' ', 1, false, 16);
    public static readonly DicomVR DT = new("DT", VRKind.Text, false, (byte)' ', 1, false, 26);
    public static readonly DicomVR FD = new("FD", VRKind.Number, false, 0, 8, false, 8);
    public static readonly DicomVR FL = new("FL", VRKind.Number, false, 0, 4, false, 4);
    public static readonly DicomVR IS = new("IS", VRKind.Text, false, (byte)' ', 1, false, 12);
    public static readonly DicomVR LO = new("LO", VRKind.Text, false, (byte)' ', 1, true, 64);
    public static readonly DicomVR LT = new("LT", VRKind.SingleText, false, (byte)' ', 1, true, 10240);
    public static readonly DicomVR OB = new("OB", VRKind.Bytes, true, 0, 1, false);
    public static readonly DicomVR OD = new("OD", VRKind.Bytes, true, 0, 8, false);
    public static readonly DicomVR OF = new("OF", VRKind.Bytes, true, 0, 4, false);
    public static readonly DicomVR OL = new("OL", VRKind.Bytes, true, 0, 4, false);
    public static readonly DicomVR OV = new("OV", VRKind.Bytes, true, 0, 8, false);
    public static readonly DicomVR OW = new("OW", VRKind.Bytes, true, 0, 2, false);
    public static readonly DicomVR PN = new("PN", VRKind.Text, false, (byte)' ', 1, true, 64);
    public static readonly DicomVR SH = new("SH", VRKind.Text, false, (byte)' ', 1, true, 16);
    public static readonly DicomVR SL = new("SL", VRKind.Number, false, 0, 4, false, 4);
    public static readonly DicomVR SQ = new("SQ", VRKind.Sequence, true, 0, 1, false);
    public static readonly DicomVR SS = new("SS", VRKind.Number, false, 0, 2, false, 2);
    public static readonly DicomVR ST = new("ST", VRKind.SingleText, false, (byte)' ', 1, true, 1024);
    public static readonly DicomVR SV = new("SV", VRKind.Number, true, 0, 8, false, 8);
    public static readonly DicomVR TM = new("TM", VRKind.Text, false, (byte)' ', 1, false, 14);
    public static readonly DicomVR UC = new("UC", VRKind.Text, true, (byte)' ', 1, true);
    public static readonly DicomVR UI = new("UI", VRKind.Text, false, 0, 1, false, 64);
    public static readonly DicomVR UL = new("UL", VRKind.Number, false, 0, 4, false, 4);
    public static readonly DicomVR UN = new("UN", VRKind.Bytes, true, 0, 1, false);
    public static readonly DicomVR UR = new("UR", VRKind.SingleText, true, (byte)' ', 1, false);
    public static readonly DicomVR US = new("US", VRKind.Number, false, 0, 2, false, 2);
    public static readonly DicomVR UT = new("UT", VRKind.SingleText, true, (byte)' ', 1, true);
    public static readonly DicomVR UV = new("UV", VRKind.Number, true, 0, 8, false, 8);

    public static IReadOnlyList<DicomVR> All { get; } =
    [
        AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI,
        UL, UN, UR, US, UT, UV,
    ];

    // Indexed by the two letters (26 x 26): this lookup runs for every element of every explicit-VR file, and a
    // plain array costs nothing to build at start-up.
    private static readonly DicomVR?[] ByLetters = BuildLetterTable();

    private static DicomVR?[] BuildLetterTable()
    {
        var table = new DicomVR?[26 * 26];
        foreach (var vr in All)
        {
            table[(vr.Code[0] - 'A') * 26 + (vr.Code[1] - 'A')] = vr;
        }
        return table;
    }

    /// <summary>Looks up the VR whose two bytes are (<paramref name="first"/>, <paramref name="second"/>).</summary>
    public static bool TryGet(byte first, byte second, out DicomVR vr)
    {
        var a = first - 'A';
        var b = second - 'A';
        if ((uint)a < 26 && (uint)b < 26 && ByLetters[a * 26 + b] is { } found)
        {
            vr = found;
            return true;
        }
        vr = UN;
        return false;
    }

    public static bool TryParse(string? code, out DicomVR vr)
    {
        if (code is { Length: 2 })
        {
            return TryGet((byte)code[0], (byte)code[1], out vr);
        }
        vr = UN;
        return false;
    }

    public static DicomVR Parse(string code) =>
        TryParse(code, out var vr) ? vr : throw new FormatException($"'{code}' is not a DICOM value representation.");
}
