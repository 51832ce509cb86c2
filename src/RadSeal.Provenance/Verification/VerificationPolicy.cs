using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using RadSeal.Dicom;
using RadSeal.Provenance.Pki;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Provenance.Verification;

/// <summary>
/// What a signature must satisfy to be trusted. Fail-closed defaults: a signature is required, it must cover Pixel
/// Data and the identifying elements below, chain to a configured anchor, and name the device that made the image.
/// </summary>
public sealed record VerificationPolicy
{
    /// <summary>OID of id-kp-documentSigning (RFC 9336), the EKU RadSeal issues device certificates with.</summary>
    public const string DocumentSigningEku = "1.3.6.1.5.5.7.3.36";

    /// <summary>The X.520 serialNumber attribute type that names a device in a certificate subject.</summary>
    public const string SerialNumberOid = "2.5.4.5";

    /// <summary>
    /// Elements that, when present in the data set, a main-data-set signature must cover: who the patient is, which
    /// study/series/instance, when it was acquired and with which device.
    /// </summary>
    public static IReadOnlyList<DicomTag> DefaultRequiredElements { get; } =
    [
        DicomTags.SOPClassUID, DicomTags.SOPInstanceUID, DicomTags.AcquisitionDate, DicomTags.AcquisitionDateTime,
        DicomTags.AcquisitionTime, DicomTags.PatientName, DicomTags.PatientID, DicomTags.PatientBirthDate,
        DicomTags.PatientSex, DicomTags.DeviceSerialNumber, DicomTags.StudyInstanceUID, DicomTags.SeriesInstanceUID,
        DicomTags.Rows, DicomTags.Columns, DicomTags.BitsAllocated, DicomTags.BitsStored, DicomTags.PhotometricInterpretation,
    ];

    public X509Certificate2Collection TrustAnchors { get; init; } = [];

    /// <summary>Untrusted intermediates that may help build a chain.</summary>
    public X509Certificate2Collection Intermediates { get; init; } = [];

    /// <summary>Anchors for time-stamp authorities; empty means the signer trust anchors.</summary>
    public X509Certificate2Collection TimestampAnchors { get; init; } = [];

    public IReadOnlyList<RevocationList> RevocationLists { get; init; } = [];

    /// <summary>When true, a certificate with no CRL from its issuer fails with REVOCATION_UNKNOWN.</summary>
    public bool RequireRevocationCheck { get; init; }

    public IReadOnlyList<DicomTag> RequiredElements { get; init; } = DefaultRequiredElements;

    /// <summary>Pixel Data must be present and covered (turn off for objects without pixels, e.g. SR).</summary>
    public bool RequirePixelData { get; init; } = true;

    /// <summary>The signer certificate's subject serialNumber must equal Device Serial Number (0018,1000).</summary>
    public bool RequireDeviceSerialMatch { get; init; } = true;

    public bool RequireTimestamp { get; init; }

    /// <summary>MAC algorithms accepted; MD5 is left out by default (collisions are practical).</summary>
    public IReadOnlyList<string> AllowedMacAlgorithms { get; init; } = ["RIPEMD160", "SHA1", "SHA256", "SHA384", "SHA512"];

    /// <summary>If the signer certificate has an EKU extension, one of these must be in it (absent EKU: any use).</summary>
    public IReadOnlyList<string> AllowedExtendedKeyUsages { get; init; } = [DocumentSigningEku, "2.5.29.37.0"];

    public int MinimumRsaBits { get; init; } = 2048;

    /// <summary>Files with more signatures than this fail unverified (each may rehash the whole file).</summary>
    public int MaxSignatures { get; init; } = 32;

    /// <summary>How far in the future a claimed signing time may lie (clock differences).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The present, for checking claimed times; null means the system clock.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>
    /// Applies a JSON policy file on top of this policy. Fields (all optional): requiredElements (keywords or tags),
    /// requirePixelData, requireDeviceSerialMatch, requireTimestamp, requireRevocationCheck, allowedMacAlgorithms,
    /// allowedExtendedKeyUsages, minimumRsaBits, clockSkewSeconds.
    /// </summary>
    public VerificationPolicy WithJson(string json)
    {
        PolicyFile file;
        try
        {
            file = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyFile)
                ?? throw new FormatException("the policy file is empty");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the policy file is not valid JSON of the policy schema: {ex.Message}", ex);
        }
        var policy = this;
        if (file.RequiredElements is { } required)
        {
            policy = policy with { RequiredElements = [.. required.Select(ParsePolicyTag)] };
        }
        if (file.AllowedMacAlgorithms is { } macs)
        {
            foreach (var m in macs)
            {
                _ = MacAlgorithm.FromTerm(m) ?? throw new FormatException($"'{m}' is not a MAC Algorithm defined term");
            }
            policy = policy with { AllowedMacAlgorithms = macs };
        }
        return policy with
        {
            RequirePixelData = file.RequirePixelData ?? policy.RequirePixelData,
            RequireDeviceSerialMatch = file.RequireDeviceSerialMatch ?? policy.RequireDeviceSerialMatch,
            RequireTimestamp = file.RequireTimestamp ?? policy.RequireTimestamp,
            RequireRevocationCheck = file.RequireRevocationCheck ?? policy.RequireRevocationCheck,
            AllowedExtendedKeyUsages = file.AllowedExtendedKeyUsages ?? policy.AllowedExtendedKeyUsages,
            MinimumRsaBits = file.MinimumRsaBits ?? policy.MinimumRsaBits,
            ClockSkew = file.ClockSkewSeconds is { } s ? TimeSpan.FromSeconds(s) : policy.ClockSkew,
        };
    }

    private static DicomTag ParsePolicyTag(string text)
    {
        try
        {
            return DicomSignatures.ParseTag(text);
        }
        catch (SigningException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
    }
}

internal sealed record PolicyFile
{
    public IReadOnlyList<string>? RequiredElements { get; init; }
    public bool? RequirePixelData { get; init; }
    public bool? RequireDeviceSerialMatch { get; init; }
    public bool? RequireTimestamp { get; init; }
    public bool? RequireRevocationCheck { get; init; }
    public IReadOnlyList<string>? AllowedMacAlgorithms { get; init; }
    public IReadOnlyList<string>? AllowedExtendedKeyUsages { get; init; }
    public int? MinimumRsaBits { get; init; }
    public int? ClockSkewSeconds { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PolicyFile))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
