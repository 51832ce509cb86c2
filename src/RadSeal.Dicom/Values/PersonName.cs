namespace RadSeal.Dicom;

/// <summary>
/// A person name (PN, PS3.5 6.2.1): up to three component groups — alphabetic, ideographic, phonetic — separated by
/// '=', each of up to five components (family, given, middle, prefix, suffix) separated by '^'.
/// </summary>
public sealed record PersonName(string Alphabetic, string Ideographic, string Phonetic)
{
    public static PersonName Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var groups = value.Split('=');
        return new PersonName(
            groups.Length > 0 ? groups[0] : "",
            groups.Length > 1 ? groups[1] : "",
            groups.Length > 2 ? groups[2] : "");
    }

    public string FamilyName => Component(0);
    public string GivenName => Component(1);
    public string MiddleName => Component(2);
    public string NamePrefix => Component(3);
    public string NameSuffix => Component(4);

    private string Component(int index)
    {
        var parts = Alphabetic.Split('^');
        return index < parts.Length ? parts[index] : "";
    }

    /// <summary>The DICOM form, without trailing empty groups.</summary>
    public override string ToString()
    {
        if (Phonetic.Length > 0)
        {
            return $"{Alphabetic}={Ideographic}={Phonetic}";
        }
        return Ideographic.Length > 0 ? $"{Alphabetic}={Ideographic}" : Alphabetic;
    }
}
