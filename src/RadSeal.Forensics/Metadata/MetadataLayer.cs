using System.Globalization;
using RadSeal.Dicom;
using RadSeal.Imaging;

namespace RadSeal.Forensics.Metadata;

/// <summary>
/// DICOM metadata consistency: does the header read like what a real acquisition device writes? Each rule has a code
/// documented in docs/forensics.md. Warnings are circumstantial (they make the verdict "suspicious" at most); infos
/// give context. Usable on its own through <see cref="Evaluate"/>.
/// </summary>
public sealed class MetadataLayer : IEvidenceLayer
{
    /// <summary>The first X-ray image was taken on 1895-11-08; an acquisition before that is not a real one.</summary>
    public static readonly DateOnly EarliestPlausibleDate = new(1895, 11, 8);

    private static readonly Dictionary<string, string[]> ModalitiesBySopClass = new(StringComparer.Ordinal)
    {
        [DicomUids.ComputedRadiographyImageStorage] = ["CR"],
        [DicomUids.DigitalXRayImageStorageForPresentation] = ["DX", "PX"],
        [DicomUids.DigitalXRayImageStorageForProcessing] = ["DX", "PX"],
        ["1.2.840.10008.5.1.4.1.1.1.2"] = ["MG"],
        ["1.2.840.10008.5.1.4.1.1.1.2.1"] = ["MG"],
        ["1.2.840.10008.5.1.4.1.1.1.3"] = ["IO"],
        ["1.2.840.10008.5.1.4.1.1.1.3.1"] = ["IO"],
        ["1.2.840.10008.5.1.4.1.1.2"] = ["CT"],
        ["1.2.840.10008.5.1.4.1.1.2.1"] = ["CT"],
        ["1.2.840.10008.5.1.4.1.1.4"] = ["MR"],
        ["1.2.840.10008.5.1.4.1.1.4.1"] = ["MR"],
        ["1.2.840.10008.5.1.4.1.1.6.1"] = ["US"],
        ["1.2.840.10008.5.1.4.1.1.12.1"] = ["XA"],
        ["1.2.840.10008.5.1.4.1.1.12.2"] = ["RF"],
    };

    /// <summary>Modalities whose images come straight from an acquisition device.</summary>
    private static readonly HashSet<string> AcquisitionModalities = new(StringComparer.Ordinal)
    {
        "CR", "DX", "PX", "MG", "IO", "CT", "MR", "US", "XA", "RF", "NM", "PT",
    };

    /// <summary>Projection radiography: detectors of 10 to 16 bits, with the X-ray attributes below.</summary>
    private static readonly HashSet<string> ProjectionModalities = new(StringComparer.Ordinal) { "CR", "DX", "PX", "MG", "IO" };

    /// <summary>UID roots of software toolkits: UIDs minted by a converter or script, not by a modality.</summary>
    private static readonly (string Root, string Owner)[] ToolkitRoots =
    [
        ("1.2.276.0.7230010.3.", "DCMTK"),
        ("1.2.826.0.1.3680043.8.498.", "pydicom"),
        ("1.2.826.0.1.3680043.2.1143.", "GDCM"),
        ("1.3.6.1.4.1.30071.8.", "fo-dicom"),
        ("1.2.40.0.13.1.", "dcm4che"),
    ];

    public string Name => LayerNames.Metadata;

    public Task<LayerResult> InspectAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Dicom is not { } file)
        {
            return Task.FromResult(LayerResult.NotChecked(Name, "METADATA_NOT_APPLICABLE", "metadata rules not checked: they apply to DICOM files"));
        }
        var findings = Evaluate(file, subject.Image, DateTimeOffset.UtcNow);
        var outcome = findings.Any(f => f.Severity == Severity.Warning) ? LayerOutcome.Suspicious : LayerOutcome.Inconclusive;
        return Task.FromResult(new LayerResult(Name, outcome, findings));
    }

    /// <summary>Every rule over one file; <paramref name="image"/> (frame 0 as stored) feeds the bit-depth rules when given.</summary>
    public static IReadOnlyList<Finding> Evaluate(DicomFile file, GrayImage? image, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(file);
        var ds = file.DataSet;
        var findings = new List<Finding>();
        var sopClass = Trim(ds.GetString(DicomTags.SOPClassUID)) ?? Trim(file.Meta.GetString(DicomTags.MediaStorageSOPClassUID)) ?? "";
        var modality = Trim(ds.GetString(DicomTags.Modality))?.ToUpperInvariant() ?? "";
        SopClassRules(findings, sopClass, modality, ds);
        BitDepthRules(findings, ds, image, modality);
        AcquisitionRules(findings, ds, sopClass, modality);
        UidRules(findings, file, modality);
        DateRules(findings, ds, now);
        if (findings.Count == 0)
        {
            findings.Add(Finding.Info(LayerNames.Metadata, "METADATA_CONSISTENT", "the header is consistent with an acquisition: no metadata rule fired"));
        }
        return findings;
    }

    private static bool IsSecondaryCapture(string sopClass) =>
        sopClass == DicomUids.SecondaryCaptureImageStorage || sopClass.StartsWith(DicomUids.SecondaryCaptureImageStorage + ".", StringComparison.Ordinal);

    private static void SopClassRules(List<Finding> findings, string sopClass, string modality, DicomDataSet ds)
    {
        if (IsSecondaryCapture(sopClass))
        {
            var conversion = Trim(ds.GetString(DicomTags.ConversionType)) ?? "none";
            if (AcquisitionModalities.Contains(modality))
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_SC_AS_ACQUISITION",
                    $"a Secondary Capture (a converted or screen-captured picture, Conversion Type {conversion}) claims modality {modality}, an acquisition device: real {modality} images use the {modality} storage class"));
            }
            else
            {
                findings.Add(Finding.Info(LayerNames.Metadata, "META_SECONDARY_CAPTURE",
                    $"a Secondary Capture (Conversion Type {conversion}, modality {(modality.Length == 0 ? "none" : modality)}): a converted picture, not an acquisition"));
            }
            return;
        }
        if (ModalitiesBySopClass.TryGetValue(sopClass, out var expected) && modality.Length > 0 && !expected.Contains(modality))
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_SOP_MODALITY_MISMATCH",
                $"the SOP class {DicomUids.Lookup(sopClass)?.Name ?? sopClass} belongs to modality {string.Join('/', expected)}, but the file claims {modality}"));
        }
    }

    private static void BitDepthRules(List<Finding> findings, DicomDataSet ds, GrayImage? image, string modality)
    {
        var bitsStored = ds.GetValue<ushort>(DicomTags.BitsStored) ?? 0;
        var bitsAllocated = ds.GetValue<ushort>(DicomTags.BitsAllocated) ?? 0;
        if (image is not null && bitsStored > 8)
        {
            var used = UsedLevels(image, out var min, out var max);
            // 8-bit content in a wider container: at most 256 distinct levels either packed at the bottom (values ≤ 255)
            // or spread with regular gaps (a combed histogram, e.g. every 16th or 257th value).
            if (used <= 256 && max - min + 1 > used * 2)
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_BIT_DEPTH_COMBED",
                    $"Bits Stored is {bitsStored} but the pixels use only {used} levels spread over {min}..{max}: a combed histogram, 8-bit content scaled into a {bitsStored}-bit container"));
            }
            else if (used <= 256 && max <= 255)
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_BIT_DEPTH_COMBED",
                    $"Bits Stored is {bitsStored} but every pixel value fits in 8 bits ({min}..{max}): 8-bit content in a {bitsStored}-bit container"));
            }
        }
        if (ProjectionModalities.Contains(modality) && bitsStored is > 0 and <= 8)
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_BIT_DEPTH_LOW",
                $"modality {modality} with only {bitsStored} bits stored ({bitsAllocated} allocated): radiography detectors deliver 10 to 16 bits; 8-bit pixels come from a picture (JPEG, screen capture), not a detector"));
        }
    }

    private static int UsedLevels(GrayImage image, out int min, out int max)
    {
        var seen = new bool[65536];
        int count = 0, lo = int.MaxValue, hi = int.MinValue;
        foreach (var s in image.Frame(0))
        {
            if (!seen[s])
            {
                seen[s] = true;
                count++;
                lo = Math.Min(lo, s);
                hi = Math.Max(hi, s);
            }
        }
        min = count == 0 ? 0 : lo;
        max = count == 0 ? 0 : hi;
        return count;
    }

    private static void AcquisitionRules(List<Finding> findings, DicomDataSet ds, string sopClass, string modality)
    {
        if (!ProjectionModalities.Contains(modality))
        {
            return;
        }
        var missing = new List<string>();
        if (!Has(ds, DicomTags.KVP))
        {
            missing.Add("KVP (0018,0060)");
        }
        if (!Has(ds, DicomTags.ExposureTime) && !Has(ds, DicomTags.Exposure) && !Has(ds, DicomTags.ExposureInuAs) && !Has(ds, DicomTags.XRayTubeCurrent))
        {
            missing.Add("exposure (0018,1150/1152/1153/1151)");
        }
        if (!Has(ds, DicomTags.DetectorType) && !Has(ds, DicomTags.DetectorID))
        {
            missing.Add("detector (0018,7004/700A)");
        }
        if (!Has(ds, DicomTags.ImagerPixelSpacing) && !Has(ds, DicomTags.PixelSpacing))
        {
            missing.Add("pixel spacing (0018,1164/0028,0030)");
        }
        if (!Has(ds, DicomTags.DeviceSerialNumber))
        {
            missing.Add("Device Serial Number (0018,1000)");
        }
        if (missing.Count >= 3 || (missing.Count > 0 && IsSecondaryCapture(sopClass)))
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_ACQUISITION_MISSING",
                $"a {modality} image without the attributes an X-ray device writes: {string.Join(", ", missing)} missing"));
        }
        else if (missing.Count > 0)
        {
            findings.Add(Finding.Info(LayerNames.Metadata, "META_ACQUISITION_PARTIAL",
                $"some acquisition attributes are missing: {string.Join(", ", missing)}"));
        }
    }

    private static void UidRules(List<Finding> findings, DicomFile file, string modality)
    {
        var ds = file.DataSet;
        var sop = Trim(ds.GetString(DicomTags.SOPInstanceUID));
        var study = Trim(ds.GetString(DicomTags.StudyInstanceUID));
        var series = Trim(ds.GetString(DicomTags.SeriesInstanceUID));
        foreach (var (name, uid) in new[] { ("SOP Instance UID", sop), ("Study Instance UID", study), ("Series Instance UID", series) })
        {
            if (uid is null)
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_UID_INVALID", $"{name} is missing"));
            }
            else if (!IsValidUid(uid))
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_UID_INVALID", $"{name} \"{uid}\" breaks the UID rules of PS3.5 §9.1 (digits and dots, no leading zeros, at most 64 characters)"));
            }
        }
        if (sop is not null && (sop == study || sop == series) || (study is not null && study == series))
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_UID_REUSED", "the same UID names two of study, series and instance: devices mint one per level"));
        }
        var mediaSop = Trim(file.Meta.GetString(DicomTags.MediaStorageSOPInstanceUID));
        if (mediaSop is not null && sop is not null && mediaSop != sop)
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_UID_MISMATCH",
                $"the file meta information names instance {mediaSop} but the data set is {sop}: the data set was edited or swapped after the file was written"));
        }
        if (sop is not null && AcquisitionModalities.Contains(modality))
        {
            foreach (var (root, owner) in ToolkitRoots)
            {
                if (sop.StartsWith(root, StringComparison.Ordinal))
                {
                    findings.Add(Finding.Info(LayerNames.Metadata, "META_UID_TOOLKIT_ROOT",
                        $"the SOP Instance UID was minted under the {owner} root {root.TrimEnd('.')}: by conversion software, not by an acquisition device"));
                    break;
                }
            }
        }
    }

    internal static bool IsValidUid(string uid)
    {
        if (uid.Length is 0 or > 64)
        {
            return false;
        }
        foreach (var part in uid.Split('.'))
        {
            if (part.Length == 0 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }
        }
        return true;
    }

    private static void DateRules(List<Finding> findings, DicomDataSet ds, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var dates = new List<(string Name, DateOnly Date)>();
        foreach (var (name, tag) in new[]
        {
            ("Study Date", DicomTags.StudyDate), ("Series Date", DicomTags.SeriesDate), ("Acquisition Date", DicomTags.AcquisitionDate),
            ("Content Date", DicomTags.ContentDate), ("Patient's Birth Date", DicomTags.PatientBirthDate),
        })
        {
            if (ds.GetDate(tag) is { } d)
            {
                dates.Add((name, d));
            }
        }
        if (ds.GetDateTime(DicomTags.AcquisitionDateTime) is { } adt)
        {
            dates.Add(("Acquisition DateTime", DateOnly.FromDateTime(adt.DateTime)));
        }
        foreach (var (name, date) in dates)
        {
            // One day of slack for time zones: the header's dates are local to the device.
            if (date > today.AddDays(1))
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_DATE_FUTURE", $"{name} {Iso(date)} lies in the future"));
            }
            else if (date < EarliestPlausibleDate)
            {
                findings.Add(Finding.Warn(LayerNames.Metadata, "META_DATE_IMPLAUSIBLE", $"{name} {Iso(date)} is before the first X-ray image (1895-11-08)"));
            }
        }
        var birth = ds.GetDate(DicomTags.PatientBirthDate);
        var study = ds.GetDate(DicomTags.StudyDate);
        var made = dates.Where(x => x.Name != "Patient's Birth Date").ToArray();
        if (birth is { } b && made.Length > 0 && made.Min(x => x.Date) is var first && b > first)
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_DATE_ORDER", $"Patient's Birth Date {Iso(b)} is after the image was made ({Iso(first)})"));
        }
        var acquisition = ds.GetDate(DicomTags.AcquisitionDate);
        var content = ds.GetDate(DicomTags.ContentDate);
        if (study is { } s && acquisition is { } a && a < s.AddDays(-1))
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_DATE_ORDER", $"Acquisition Date {Iso(a)} is before the Study Date {Iso(s)}: a study's images are acquired during it"));
        }
        if (acquisition is { } a2 && content is { } c && c < a2)
        {
            findings.Add(Finding.Warn(LayerNames.Metadata, "META_DATE_ORDER", $"Content Date {Iso(c)} is before the Acquisition Date {Iso(a2)}: an image's content is created after it is acquired"));
        }
    }

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static bool Has(DicomDataSet ds, DicomTag tag) => !string.IsNullOrWhiteSpace(ds.GetString(tag));

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim().TrimEnd('\0');
}
