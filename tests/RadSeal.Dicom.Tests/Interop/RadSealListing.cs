namespace RadSeal.Dicom.Tests.Interop;

/// <summary>One element of a RadSeal data set at any depth, named by the same path the pydicom listing uses.</summary>
internal sealed record RsElement(string Path, DicomItem Item, DicomDataSet Owner, bool FromUnknown = false);

internal static class RadSealListing
{
    /// <summary>The meta group then the data set, depth first, paths such as "00081140/0/00081150".</summary>
    public static List<RsElement> List(DicomFile file)
    {
        var result = new List<RsElement>();
        Walk(file.Meta, "", result);
        Walk(file.DataSet, "", result);
        return result;
    }

    private static void Walk(DicomDataSet ds, string prefix, List<RsElement> result)
    {
        foreach (var item in ds)
        {
            var path = prefix + item.Tag.Value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
            result.Add(new RsElement(path, item, ds));
            if (item is DicomSequence sq)
            {
                for (var i = 0; i < sq.Items.Count; i++)
                {
                    Walk(sq.Items[i], $"{path}/{i}/", result);
                }
            }
        }
    }

    /// <summary>
    /// Decoded strings normalised the way both sides are compared: split at '\' except for the single-valued text
    /// VRs (LT, ST, UT, UR), trailing spaces and NULs removed, leading spaces removed where PS3.5 6.2 calls them
    /// insignificant, trailing empty PN component groups dropped; an element with one empty value counts as no value (pydicom reads an empty string as such).
    /// </summary>
    public static List<string> NormaliseText(IEnumerable<string> values, string vr)
    {
        var single = vr is "LT" or "ST" or "UT" or "UR";
        var list = new List<string>();
        foreach (var raw in values)
        {
            var parts = single ? [raw] : raw.Split('\\');
            foreach (var part in parts)
            {
                var v = part.TrimEnd(' ', '\0');
                if (vr == "PN")
                {
                    // Trailing empty component groups ("Wang^XiaoDong=王^小東=") may be left out (PS3.5 6.2.1);
                    // pydicom's PersonName drops them.
                    v = v.TrimEnd('=');
                }
                list.Add(single ? v : v.TrimStart(' '));
            }
        }
        return list is [""] ? [] : list;
    }
}
