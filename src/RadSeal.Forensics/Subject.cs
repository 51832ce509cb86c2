using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Forensics;

/// <summary>What kind of file is being inspected, from its first bytes (never its name).</summary>
public enum SubjectKind
{
    Unknown,
    Dicom,
    Png,
    Jpeg,
}

/// <summary>
/// One file under inspection: its bytes read once, the parsed DICOM file when it is one, and its pixels decoded on first
/// use and shared by the layers that look at them. Thread-safe.
/// </summary>
public sealed class Subject
{
    /// <summary>Bounds what one hostile file may make the inspector hold.</summary>
    public const long MaxFileBytes = ImageFiles.MaxFileBytes;

    private readonly Lazy<(GrayImage? Image, string? Error)> pixels;

    private Subject(string path, byte[] bytes, SubjectKind kind, DicomFile? dicom)
    {
        Path = path;
        Bytes = bytes;
        Kind = kind;
        Dicom = dicom;
        pixels = new Lazy<(GrayImage?, string?)>(Decode, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Path { get; }

    public byte[] Bytes { get; }

    public SubjectKind Kind { get; }

    /// <summary>The parsed file when <see cref="Kind"/> is <see cref="SubjectKind.Dicom"/>.</summary>
    public DicomFile? Dicom { get; }

    /// <summary>Frame data as stored (DICOM) or decoded (PNG/JPEG); null when it cannot be decoded (see <see cref="PixelError"/>).</summary>
    public GrayImage? Image => pixels.Value.Image;

    public string? PixelError => pixels.Value.Error;

    /// <summary>Reads and classifies a file. Throws <see cref="InvalidDataException"/> or I/O exceptions for unreadable input.</summary>
    public static Subject Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }
        if (info.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"{info.Length} bytes is larger than the {MaxFileBytes}-byte limit");
        }
        return FromBytes(path, File.ReadAllBytes(path));
    }

    public static Subject FromBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (PngCodec.HasSignature(bytes))
        {
            return new Subject(path, bytes, SubjectKind.Png, null);
        }
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return new Subject(path, bytes, SubjectKind.Jpeg, null);
        }
        try
        {
            return new Subject(path, bytes, SubjectKind.Dicom, DicomFile.Read(new MemoryStream(bytes, writable: false)));
        }
        catch (DicomFormatException ex)
        {
            throw new InvalidDataException($"neither PNG, JPEG nor readable DICOM: {ex.Message}", ex);
        }
    }

    private (GrayImage?, string?) Decode()
    {
        try
        {
            if (Dicom is { } file)
            {
                // JPEG baseline (what img2dcm writes from a JPEG): frame 0 is one JPEG picture in the first fragment.
                if (file.TransferSyntax.Uid == "1.2.840.10008.1.2.4.50" && file.DataSet.Find(DicomTags.PixelData) is DicomFragmentSequence { Fragments.Count: > 0 } fragments)
                {
                    return (ImageFiles.Decode(fragments.Fragments[0].GetMemory().Span), null);
                }
                return (DicomPixels.Read(file), null);
            }
            return (ImageFiles.Decode(Bytes), null);
        }
        catch (Exception ex) when (ex is PixelDataException or DicomFormatException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            return (null, ex.Message);
        }
    }
}
