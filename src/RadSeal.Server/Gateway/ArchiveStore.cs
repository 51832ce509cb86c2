using System.Collections.Concurrent;
using RadSeal.Dicom;

namespace RadSeal.Server.Gateway;

/// <summary>What QIDO-RS answers about one archived instance.</summary>
public sealed record ArchivedInstance(string Path, IReadOnlyDictionary<DicomTag, string> Attributes)
{
    public string Get(DicomTag tag) => Attributes.TryGetValue(tag, out var v) ? v : "";

    public string StudyInstanceUid => Get(DicomTags.StudyInstanceUID);

    public string SeriesInstanceUid => Get(DicomTags.SeriesInstanceUID);

    public string SopInstanceUid => Get(DicomTags.SOPInstanceUID);
}

/// <summary>
/// The embedded archive: accepted instances as Part-10 files named by SOP Instance UID (a second copy of the same UID
/// replaces the first, as a PACS would), indexed in memory for QIDO-RS at start and on every put.
/// </summary>
public sealed class ArchiveStore
{
    /// <summary>The attributes QIDO-RS matches on and returns, with their VRs.</summary>
    public static IReadOnlyList<(DicomTag Tag, DicomVR VR)> IndexedAttributes { get; } =
    [
        (DicomTags.StudyInstanceUID, DicomVR.UI), (DicomTags.SeriesInstanceUID, DicomVR.UI), (DicomTags.SOPInstanceUID, DicomVR.UI),
        (DicomTags.SOPClassUID, DicomVR.UI), (DicomTags.PatientName, DicomVR.PN), (DicomTags.PatientID, DicomVR.LO),
        (DicomTags.PatientBirthDate, DicomVR.DA), (DicomTags.PatientSex, DicomVR.CS), (DicomTags.StudyDate, DicomVR.DA),
        (DicomTags.StudyTime, DicomVR.TM), (DicomTags.AccessionNumber, DicomVR.SH), (DicomTags.StudyID, DicomVR.SH),
        (DicomTags.StudyDescription, DicomVR.LO), (DicomTags.ReferringPhysicianName, DicomVR.PN), (DicomTags.Modality, DicomVR.CS),
        (DicomTags.SeriesNumber, DicomVR.IS), (DicomTags.SeriesDescription, DicomVR.LO), (DicomTags.InstanceNumber, DicomVR.IS),
    ];

    private readonly ConcurrentDictionary<string, ArchivedInstance> _instances = new(StringComparer.Ordinal);

    public ArchiveStore(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*.dcm"))
        {
            AddFromFile(path);
        }
    }

    public string Directory { get; }

    public int Count => _instances.Count;

    public IEnumerable<ArchivedInstance> Instances => _instances.Values;

    public ArchivedInstance? Find(string sopInstanceUid) => _instances.TryGetValue(sopInstanceUid, out var i) ? i : null;

    /// <summary>
    /// Moves a spooled file into the archive, durably. Only the archive's folder is synced: a source whose removal is lost
    /// in a crash (the outbox) is sent again, which replaces the archived copy with the same file.
    /// </summary>
    internal async Task PutAsync(string path, string sopInstanceUid)
    {
        var target = PathOf(sopInstanceUid);
        await DurableFiles.MoveIntoAsync(path, target);
        AddFromFile(target);
    }

    /// <summary>Where the instance with this SOP Instance UID is (or would be) archived.</summary>
    internal string PathOf(string sopInstanceUid) => System.IO.Path.Combine(Directory, sopInstanceUid + ".dcm");

    /// <summary>
    /// Indexes an archived file by its attributes (<see cref="IndexOf"/>): the gateway passes the ones it read when it
    /// decided the image rather than parsing the file again. Without a SOP Instance UID nothing is indexed.
    /// </summary>
    internal void Add(string path, IReadOnlyDictionary<DicomTag, string> attributes)
    {
        if (attributes.TryGetValue(DicomTags.SOPInstanceUID, out var uid))
        {
            _instances[uid] = new ArchivedInstance(path, attributes);
        }
    }

    /// <summary>The attributes QIDO-RS matches on, as strings: copied out, so they outlive a mapped file's data set.</summary>
    internal static IReadOnlyDictionary<DicomTag, string> IndexOf(DicomDataSet dataSet)
    {
        var attributes = new Dictionary<DicomTag, string>();
        foreach (var (tag, _) in IndexedAttributes)
        {
            var text = dataSet.GetString(tag)?.Trim('\0', ' ');
            if (!string.IsNullOrEmpty(text))
            {
                attributes[tag] = text;
            }
        }
        return attributes;
    }

    /// <summary>Indexes an archived file by parsing it; one that cannot be read stays out of the index.</summary>
    private void AddFromFile(string path)
    {
        IReadOnlyDictionary<DicomTag, string> attributes;
        try
        {
            attributes = IndexOf(DicomFile.Open(path).DataSet);
        }
        catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return;
        }
        Add(path, attributes);
    }
}
