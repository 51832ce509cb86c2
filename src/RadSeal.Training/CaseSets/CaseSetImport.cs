using System.Globalization;
using System.Text;
using RadSeal.Dicom;
using RadSeal.Forensics.Evaluation;
using RadSeal.Imaging;
using RadSeal.Training.Studies;

namespace RadSeal.Training.CaseSets;

/// <summary>One uploaded file: its name (no folders) and its bytes.</summary>
public sealed record ImportFile(string Name, byte[] Bytes);

/// <summary>A decoded case ready to store: the label, the texts and the pixels as stored values.</summary>
public sealed record PreparedCase(
    string Name, Truth Truth, string Explanation, string Artefacts, GrayImage Image, double WindowCenter, double WindowWidth, string SourceFormat);

/// <summary>Everything wrong with an import, each problem on its own line; nothing was stored.</summary>
public sealed class CaseSetImportException(IReadOnlyList<string> problems)
    : Exception($"The case set was not imported ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n" + string.Join('\n', problems.Select(p => "- " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Checks and decodes a case set: a CSV naming each image with its label (and optionally an explanation and the
/// artefacts to look for) plus the images (DICOM, PNG, JPEG). Every problem is collected before anything is reported,
/// so the user fixes them all in one go; the store then writes all cases in one transaction.
/// </summary>
public static class CaseSetImport
{
    /// <summary>Largest image accepted (pixels); bounds memory per case.</summary>
    public const long MaxPixels = 8192L * 8192;

    private static readonly string[] NameColumns = ["image_name", "file", "filename", "file_name", "image"];
    private static readonly string[] LabelColumns = ["real_or_ai", "label", "truth"];
    private static readonly string[] ExplanationColumns = ["reasoning", "explanation"];
    private static readonly string[] ArtefactColumns = ["artefacts", "artifacts"];

    /// <summary>Reads a folder: the one *.csv in it, and every other file as an image.</summary>
    public static IReadOnlyList<PreparedCase> FromFolder(string folder, CancellationToken cancellationToken = default)
    {
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => new ImportFile(Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
        return Prepare(files, cancellationToken);
    }

    /// <summary>Prepares the cases from the uploaded files: exactly one is the CSV (*.csv), the rest images.</summary>
    public static IReadOnlyList<PreparedCase> Prepare(IReadOnlyList<ImportFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var csvs = files.Where(f => f.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        if (csvs.Count != 1)
        {
            throw new CaseSetImportException([csvs.Count == 0
                ? "no CSV file: add one with the columns Image_Name,Real_or_AI,Reasoning (or file,label,explanation)"
                : $"{csvs.Count} CSV files ({string.Join(", ", csvs.Select(c => c.Name))}): give exactly one"]);
        }
        return Prepare(Encoding.UTF8.GetString(csvs[0].Bytes), files.Where(f => f != csvs[0]).ToList(), cancellationToken);
    }

    /// <summary>Prepares the cases a CSV names from <paramref name="images"/>; throws listing every problem.</summary>
    public static IReadOnlyList<PreparedCase> Prepare(string csv, IReadOnlyList<ImportFile> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(images);
        var problems = new List<string>();
        var rows = Csv.Parse(csv.TrimStart('\uFEFF'));
        if (rows.Count == 0)
        {
            throw new CaseSetImportException(["the CSV is empty: it needs a header Image_Name,Real_or_AI,Reasoning and one row per image"]);
        }
        var header = rows[0].Select(h => h.Trim().ToLowerInvariant()).ToList();
        int name = Column(header, NameColumns), label = Column(header, LabelColumns), explanation = Column(header, ExplanationColumns), artefacts = Column(header, ArtefactColumns);
        if (name < 0 || label < 0)
        {
            throw new CaseSetImportException([$"the CSV header '{string.Join(',', rows[0])}' lacks {(name < 0 ? "an image name column (Image_Name or file)" : "")}{(name < 0 && label < 0 ? " and " : "")}{(label < 0 ? "a label column (Real_or_AI or label)" : "")}"]);
        }
        var byName = new Dictionary<string, ImportFile>(StringComparer.Ordinal);
        foreach (var file in images)
        {
            if (!byName.TryAdd(file.Name, file))
            {
                problems.Add($"{file.Name}: uploaded twice");
            }
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var cases = new List<PreparedCase>();
        for (var r = 1; r < rows.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = rows[r];
            if (row.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            var line = $"CSV row {r + 1}";
            var file = Cell(row, name);
            if (file.Length == 0)
            {
                problems.Add($"{line}: no image name");
                continue;
            }
            if (seen.TryGetValue(file, out var first))
            {
                problems.Add($"{line}: {file} is named again (first on row {first})");
                continue;
            }
            seen[file] = r + 1;
            var truth = ParseLabel(Cell(row, label));
            if (truth is null)
            {
                problems.Add($"{line}: {file}: unknown label '{Cell(row, label)}' (use Real or AI)");
            }
            if (!byName.TryGetValue(file, out var image))
            {
                problems.Add($"{line}: {file}: no such file was uploaded");
                continue;
            }
            var decoded = Decode(image, out var error);
            if (decoded is null)
            {
                problems.Add($"{file}: {error}");
                continue;
            }
            if (truth is { } t)
            {
                var (img, centre, width, format) = decoded.Value;
                cases.Add(new PreparedCase(file, t, Cell(row, explanation), Cell(row, artefacts), img, centre, width, format));
            }
        }
        foreach (var stray in byName.Keys.Where(k => !seen.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            problems.Add($"{stray}: uploaded but not named in the CSV");
        }
        if (seen.Count == 0 && problems.Count == 0)
        {
            problems.Add("the CSV names no images");
        }
        if (problems.Count > 0)
        {
            throw new CaseSetImportException(problems);
        }
        return cases;
    }

    /// <summary>Real / AI as public real-vs-AI sets spell them; also the words people use for the same thing.</summary>
    public static Truth? ParseLabel(string text) => text.Trim().ToLowerInvariant() switch
    {
        "real" or "authentic" or "genuine" => Truth.Real,
        "ai" or "fake" or "synthetic" or "generated" or "ai-generated" => Truth.Synthetic,
        _ => null,
    };

    private static int Column(List<string> header, string[] names) => header.FindIndex(h => names.Contains(h, StringComparer.Ordinal));

    private static string Cell(List<string> row, int column) => column >= 0 && column < row.Count ? row[column].Trim() : "";

    /// <summary>Decodes one image file; null with the reason when it is not an image RadSeal can read.</summary>
    internal static (GrayImage Image, double Centre, double Width, string Format)? Decode(ImportFile file, out string error)
    {
        error = "";
        var bytes = file.Bytes;
        try
        {
            if (bytes.Length >= 132 && bytes.AsSpan(128, 4).SequenceEqual("DICM"u8))
            {
                var dicom = DicomFile.Read(new MemoryStream(bytes, writable: false));
                var image = DicomPixels.Read(dicom);
                if (image.Width * (long)image.Height > MaxPixels)
                {
                    error = $"{image.Width}x{image.Height} is larger than the {MaxPixels}-pixel limit";
                    return null;
                }
                var (c, w) = DicomWindow(dicom.DataSet, image);
                return (FirstFrame(image), c, w, "DICOM");
            }
            if (ImageFiles.IsPicture(bytes))
            {
                var image = ImageFiles.Decode(bytes);
                var (c, w) = MinMaxWindow(image);
                return (image, c, w, PngCodec.HasSignature(bytes) ? "PNG" : "JPEG");
            }
            error = "not an image (expected DICOM Part 10, PNG or JPEG)";
            return null;
        }
        catch (Exception e) when (e is DicomFormatException or PixelDataException or InvalidDataException or EndOfStreamException or ArgumentException or NotSupportedException)
        {
            error = "cannot be decoded: " + e.Message;
            return null;
        }
    }

    private static GrayImage FirstFrame(GrayImage image) => image.Frames == 1 ? image
        : new GrayImage(image.Width, image.Height, image.BitsStored, image.IsSigned, 1, image.Photometric, image.Frame(0).ToArray());

    /// <summary>The data set's first window, converted to the unsigned sample domain the viewer windows; else min/max.</summary>
    private static (double Centre, double Width) DicomWindow(DicomDataSet ds, GrayImage image)
    {
        var slope = ds.GetDecimals(DicomTags.RescaleSlope) is [var sl, ..] && sl != 0 ? sl : 1;
        var intercept = ds.GetDecimals(DicomTags.RescaleIntercept) is [var ic, ..] ? ic : 0;
        if (ds.GetDecimals(DicomTags.WindowCenter) is [var centre, ..] && ds.GetDecimals(DicomTags.WindowWidth) is [var width, ..] && width > 0)
        {
            var offset = image.IsSigned ? 1 << (image.BitsStored - 1) : 0;
            return ((centre - intercept) / slope + offset, width / Math.Abs(slope));
        }
        return MinMaxWindow(image);
    }

    private static (double Centre, double Width) MinMaxWindow(GrayImage image)
    {
        int min = int.MaxValue, max = int.MinValue;
        foreach (var s in image.Frame(0))
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        return ((min + max + 1) / 2.0, Math.Max(1, max - min + 1));
    }
}

/// <summary>CSV for case sets and exports: RFC 4180 reading (the evaluation harness's parser), and quoting.</summary>
internal static class Csv
{
    public static List<List<string>> Parse(string text) => LabelFile.ParseCsv(text).ConvertAll(row => row.Cells);

    /// <summary>One CSV field, quoted when it must be (and when it starts like a spreadsheet formula, to defuse it).</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Number(double? value) => value is { } v ? v.ToString("0.######", CultureInfo.InvariantCulture) : "";
}
