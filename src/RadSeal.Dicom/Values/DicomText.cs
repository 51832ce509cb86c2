namespace RadSeal.Dicom;

/// <summary>Splitting and trimming of string values by VR (PS3.5 6.2: which spaces are significant).</summary>
public static class DicomText
{
    /// <summary>Bytes as ASCII; bytes above 7F are kept as Latin-1 rather than replaced, so nothing is lost.</summary>
    public static string DecodeAscii(ReadOnlySpan<byte> bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    /// <summary>Splits at '\' where the VR is multi-valued, trimming each value.</summary>
    public static IReadOnlyList<string> SplitValues(string text, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(vr);
        if (vr.Kind == VRKind.SingleText)
        {
            var single = Trim(text, vr);
            return single.Length == 0 ? [] : [single];
        }
        var trimmed = text.TrimEnd('\0', ' ');
        if (trimmed.Length == 0)
        {
            return [];
        }
        var parts = trimmed.Split('\\');
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Trim(parts[i], vr);
        }
        return parts;
    }

    /// <summary>
    /// Removes padding: trailing spaces and NULs always; leading spaces too where PS3.5 calls them insignificant
    /// (everything except the free-text VRs LT, ST, UT and the URI VR UR, and PN whose leading spaces are kept).
    /// </summary>
    public static string Trim(string value, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(vr);
        var end = value.TrimEnd('\0', ' ');
        return vr.Kind == VRKind.SingleText || vr == DicomVR.PN ? end : end.TrimStart(' ');
    }
}
