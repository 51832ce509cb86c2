using System.Numerics;

namespace RadSeal.Dicom;

/// <summary>UIDs: RadSeal's own implementation identity and fresh UIDs under the 2.25 root (PS3.5 B.2).</summary>
public static class DicomUid
{
    /// <summary>RadSeal's Implementation Class UID (0002,0012): a 2.25 UUID-derived UID fixed once for the product.</summary>
    public const string ImplementationClassUid = "2.25.161716829023228376124646157947479894966";

    /// <summary>Implementation Version Name (0002,0013): at most 16 characters (SH).</summary>
    public const string ImplementationVersionName = "RADSEAL_0_1";

    /// <summary>A new UID "2.25." followed by a random (version 4) UUID as an unsigned decimal integer.</summary>
    public static string Generate() => FromUuid(Guid.NewGuid());

    /// <summary>The 2.25 UID of a UUID (ITU-T X.667 / ISO/IEC 9834-8 integer form).</summary>
    public static string FromUuid(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        return "2.25." + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Checks the PS3.5 9.1 syntax: digits and dots, no empty or zero-led components, at most 64 characters.</summary>
    public static bool IsValid(string? uid)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > 64)
        {
            return false;
        }
        var componentStart = 0;
        for (var i = 0; i <= uid.Length; i++)
        {
            if (i == uid.Length || uid[i] == '.')
            {
                var length = i - componentStart;
                if (length == 0 || (length > 1 && uid[componentStart] == '0'))
                {
                    return false;
                }
                componentStart = i + 1;
            }
            else if (uid[i] is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
