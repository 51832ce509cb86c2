using RadSeal.Dicom;

namespace RadSeal.Provenance.Signatures;

/// <summary>
/// A digital signature profile of PS3.15 Annex C as a policy object: which keys it allows and which attributes, when
/// present, a signature under it must cover. The tag sets are data, each citing the clause it comes from.
/// </summary>
public sealed class SignatureProfile
{
    private SignatureProfile(string name, string clause, bool rsaOnly, IReadOnlyList<DicomTag> required, bool coversRepeatingGroups)
    {
        Name = name;
        Clause = clause;
        RsaOnly = rsaOnly;
        RequiredWhenPresent = required;
        CoversOverlaysAndCurves = coversRepeatingGroups;
    }

    public string Name { get; }

    /// <summary>Where the standard defines it.</summary>
    public string Clause { get; }

    /// <summary>The RSA profiles (C.1-C.3) allow only RSA keys with PKCS #1 v1.5 padding.</summary>
    public bool RsaOnly { get; }

    /// <summary>Attributes that a signature under this profile must include whenever the data set has them.</summary>
    public IReadOnlyList<DicomTag> RequiredWhenPresent { get; }

    /// <summary>Overlay Plane (60xx) and Curve (50xx) modules are covered whole (C.2: "Overlay Plane, Curve ...").</summary>
    public bool CoversOverlaysAndCurves { get; }

    /// <summary>No profile: any key dcmsign accepts (RSA, ECDSA), any elements. dcmsign's default.</summary>
    public static readonly SignatureProfile None = new("None", "-", false, [], false);

    /// <summary>PS3.15 C.1 Base RSA Digital Signature Profile: RSA, any elements.</summary>
    public static readonly SignatureProfile BaseRsa = new("BaseRSA", "PS3.15 C.1", true, [], false);

    /// <summary>
    /// PS3.15 C.2 Creator RSA Digital Signature Profile: "the SOP Class and Instance UIDs, the SOP Creation Date and
    /// Time, if present, as well as the Study and Series Instance UIDs, and any attributes of the General Equipment
    /// module, the Overlay Plane, Curve, Graphic Annotation, General Image, Image Pixel ... modules" (and the SR,
    /// Waveform and multi-frame modules listed there).
    /// </summary>
    public static readonly SignatureProfile CreatorRsa = new("CreatorRSA", "PS3.15 C.2", true, CreatorTags(), true);

    /// <summary>
    /// PS3.15 C.3 Authorization RSA Digital Signature Profile: the Creator set plus "any Attributes whose Values are
    /// verifiable by the technician or physician" - which only the site can name, so the caller adds them as tags.
    /// </summary>
    public static readonly SignatureProfile AuthorizationRsa = new("AuthorizationRSA", "PS3.15 C.3", true, CreatorTags(), true);

    public static IReadOnlyList<SignatureProfile> All { get; } = [None, BaseRsa, CreatorRsa, AuthorizationRsa];

    public static SignatureProfile? FromName(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The tags of <paramref name="dataSet"/> this profile requires the signature to cover.</summary>
    public IEnumerable<DicomTag> RequiredIn(DicomDataSet dataSet)
    {
        ArgumentNullException.ThrowIfNull(dataSet);
        var required = RequiredWhenPresent.ToHashSet();
        foreach (var item in dataSet)
        {
            var g = item.Tag.Group;
            var repeating = CoversOverlaysAndCurves && (g & 0xFF01) is 0x6000 or 0x5000;
            if ((required.Contains(item.Tag) || repeating) && MacStreamBuilder.IsSignable(item))
            {
                yield return item.Tag;
            }
        }
    }

    public override string ToString() => Name;

    private static DicomTag[] CreatorTags() =>
    [
        // SOP Common (PS3.3 C.12.1): SOP Class/Instance UID, Instance Creation Date/Time ("SOP Creation Date and Time").
        DicomTags.SOPClassUID, DicomTags.SOPInstanceUID, DicomTags.InstanceCreationDate, DicomTags.InstanceCreationTime,
        // General Study / General Series (C.7.2.1, C.7.3.1): the UIDs.
        DicomTags.StudyInstanceUID, DicomTags.SeriesInstanceUID,
        // General Equipment (C.7.5.1).
        DicomTags.Manufacturer, DicomTags.InstitutionName, DicomTags.InstitutionAddress, DicomTags.StationName,
        DicomTags.InstitutionalDepartmentName, DicomTags.ManufacturerModelName, DicomTags.DeviceSerialNumber,
        DicomTags.SoftwareVersions, DicomTags.GantryID, DicomTags.SpatialResolution, DicomTags.DateOfLastCalibration,
        DicomTags.TimeOfLastCalibration, DicomTags.PixelPaddingValue, DicomTags.DeviceUID, DicomTags.UDISequence,
        // General Image (C.7.6.1).
        DicomTags.InstanceNumber, DicomTags.PatientOrientation, DicomTags.ContentDate, DicomTags.ContentTime,
        DicomTags.ImageType, DicomTags.AcquisitionNumber, DicomTags.AcquisitionDate, DicomTags.AcquisitionTime,
        DicomTags.AcquisitionDateTime, DicomTags.ImagesInAcquisition, DicomTags.ImageComments,
        DicomTags.QualityControlImage, DicomTags.BurnedInAnnotation, DicomTags.RecognizableVisualFeatures,
        DicomTags.LossyImageCompression, DicomTags.LossyImageCompressionRatio, DicomTags.LossyImageCompressionMethod,
        DicomTags.IconImageSequence, DicomTags.PresentationLUTShape, DicomTags.DerivationDescription,
        DicomTags.DerivationCodeSequence, DicomTags.SourceImageSequence, DicomTags.ReferencedImageSequence,
        // Image Pixel (C.7.6.3).
        DicomTags.SamplesPerPixel, DicomTags.PhotometricInterpretation, DicomTags.Rows, DicomTags.Columns,
        DicomTags.BitsAllocated, DicomTags.BitsStored, DicomTags.HighBit, DicomTags.PixelRepresentation,
        DicomTags.PlanarConfiguration, DicomTags.PixelAspectRatio, DicomTags.SmallestImagePixelValue,
        DicomTags.LargestImagePixelValue, DicomTags.RedPaletteColorLookupTableDescriptor,
        DicomTags.GreenPaletteColorLookupTableDescriptor, DicomTags.BluePaletteColorLookupTableDescriptor,
        DicomTags.RedPaletteColorLookupTableData, DicomTags.GreenPaletteColorLookupTableData,
        DicomTags.BluePaletteColorLookupTableData, DicomTags.ICCProfile, DicomTag.PixelData, DicomTag.FloatPixelData,
        DicomTag.DoubleFloatPixelData, DicomTag.ExtendedOffsetTable, DicomTag.ExtendedOffsetTableLengths,
        // Graphic Annotation (C.10.5), Waveform (C.10.9), SR Document General/Content (C.17.2, C.17.3).
        DicomTags.GraphicAnnotationSequence, DicomTags.WaveformSequence, DicomTags.ContentSequence,
        DicomTags.ValueType, DicomTags.ConceptNameCodeSequence, DicomTags.ContinuityOfContent,
        DicomTags.CompletionFlag, DicomTags.VerificationFlag,
        // Multi-frame Functional Groups (C.7.6.16).
        DicomTags.SharedFunctionalGroupsSequence, DicomTags.PerFrameFunctionalGroupsSequence, DicomTags.NumberOfFrames,
    ];
}
