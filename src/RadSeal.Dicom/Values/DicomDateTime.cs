using System.Globalization;

namespace RadSeal.Dicom;

/// <summary>Parsing of DA, TM and DT values (PS3.5 6.2), including the partial forms the standard allows.</summary>
public static class DicomDateTime
{
    /// <summary>YYYYMMDD, or the ACR-NEMA form YYYY.MM.DD still found in old files.</summary>
    public static bool TryParseDate(string? text, out DateOnly date)
    {
        date = default;
        var t = text?.Trim().Replace(".", "", StringComparison.Ordinal);
        return t is { Length: 8 } &&
            DateOnly.TryParseExact(t, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    /// <summary>HH, HHMM, HHMMSS or HHMMSS.F{1-6}; also the old HH:MM:SS form.</summary>
    public static bool TryParseTime(string? text, out TimeOnly time)
    {
        time = default;
        var t = text?.Trim().Replace(":", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(t))
        {
            return false;
        }
        var dot = t.IndexOf('.', StringComparison.Ordinal);
        var whole = dot >= 0 ? t[..dot] : t;
        var fraction = dot >= 0 ? t[(dot + 1)..] : "";
        if (whole.Length is not (2 or 4 or 6) || fraction.Length > 6 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit))
        {
            return false;
        }
        var h = int.Parse(whole[..2], CultureInfo.InvariantCulture);
        var m = whole.Length >= 4 ? int.Parse(whole[2..4], CultureInfo.InvariantCulture) : 0;
        var s = whole.Length >= 6 ? int.Parse(whole[4..6], CultureInfo.InvariantCulture) : 0;
        // A leap second (60) is legal in DICOM; TimeOnly cannot hold it, so it is clamped to 59.999999.
        var micro = fraction.Length > 0 ? int.Parse(fraction.PadRight(6, '0'), CultureInfo.InvariantCulture) : 0;
        if (s == 60)
        {
            s = 59;
            micro = 999_999;
        }
        if (h > 23 || m > 59 || s > 59)
        {
            return false;
        }
        time = new TimeOnly(h, m, s).Add(TimeSpan.FromTicks(micro * 10L));
        return true;
    }

    /// <summary>
    /// YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&amp;ZZXX]. Without an offset the value is local to the device; then
    /// <paramref name="hasOffset"/> is false and the result carries offset zero.
    /// </summary>
    public static bool TryParseDateTime(string? text, out DateTimeOffset value, out bool hasOffset)
    {
        value = default;
        hasOffset = false;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            return false;
        }
        var offset = TimeSpan.Zero;
        var signAt = t.IndexOfAny(['+', '-'], 4);
        if (signAt >= 0)
        {
            var z = t[(signAt + 1)..];
            if (z.Length != 4 || !z.All(char.IsAsciiDigit))
            {
                return false;
            }
            offset = new TimeSpan(int.Parse(z[..2], CultureInfo.InvariantCulture), int.Parse(z[2..], CultureInfo.InvariantCulture), 0);
            if (t[signAt] == '-')
            {
                offset = -offset;
            }
            hasOffset = true;
            t = t[..signAt];
        }
        var dot = t.IndexOf('.', StringComparison.Ordinal);
        var whole = dot >= 0 ? t[..dot] : t;
        if (whole.Length is < 4 or > 14 || whole.Length % 2 != 0 || !whole.All(char.IsAsciiDigit))
        {
            return false;
        }
        int Part(int at, int fallback) => whole.Length >= at + 2 ? int.Parse(whole.AsSpan(at, 2), CultureInfo.InvariantCulture) : fallback;
        var year = int.Parse(whole.AsSpan(0, 4), CultureInfo.InvariantCulture);
        var month = Part(4, 1);
        var day = Part(6, 1);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        var timeText = whole.Length > 8 ? whole[8..] + (dot >= 0 ? t[dot..] : "") : "";
        var time = TimeOnly.MinValue;
        if (timeText.Length > 0 && !TryParseTime(timeText, out time))
        {
            return false;
        }
        value = new DateTimeOffset(new DateOnly(year, month, day).ToDateTime(time), offset);
        return true;
    }
}
