using System.Collections.Frozen;

namespace RadSeal.Dicom;

public static partial class DicomUids
{
    private static FrozenSet<string>? storageSopClasses;

    /// <summary>
    /// Every registered storage SOP class (PS3.4 Annex B), retired ones included since old modalities still send
    /// them: the SOP classes whose name says "Storage", less Storage Commitment and Storage Management.
    /// </summary>
    public static FrozenSet<string> StorageSopClasses => storageSopClasses ??= BuildStorageSopClasses();

    private static FrozenSet<string> BuildStorageSopClasses()
    {
        var result = new List<string>();
        var starts = UidStarts;
        for (var i = 0; i < UidCount; i++)
        {
            var entry = ParseUid(UidRecords[starts[i]..starts[i + 1]]);
            if (entry.Type == "SOP Class"
                && entry.Name.Contains("Storage", StringComparison.Ordinal)
                && !entry.Name.Contains("Commitment", StringComparison.Ordinal)
                && !entry.Name.Contains("Management", StringComparison.Ordinal)
                && !entry.Name.Contains("Information Model", StringComparison.Ordinal))
            {
                result.Add(entry.Uid);
            }
        }
        return result.ToFrozenSet(StringComparer.Ordinal);
    }
}
