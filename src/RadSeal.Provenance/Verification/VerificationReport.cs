using RadSeal.Dicom;

namespace RadSeal.Provenance.Verification;

/// <summary>What verification found about one signature. Its state is derived from the findings, never stored.</summary>
public sealed record SignatureVerdict
{
    public required string Location { get; init; }
    public ushort? MacId { get; init; }
    public string? Uid { get; init; }
    public string? MacAlgorithm { get; init; }
    public string? Signer { get; init; }
    public string? SignerSerialNumber { get; init; }
    public string? Issuer { get; init; }
    public string? KeyAlgorithm { get; init; }
    public DateTimeOffset? SigningTime { get; init; }

    /// <summary>"timestamp" when the time comes from a verified RFC 3161 token, else "signature" (the signer's claim).</summary>
    public string? TimeSource { get; init; }

    public IReadOnlyList<DicomTag> SignedTags { get; init; } = [];
    public bool InOriginalAttributes { get; init; }
    public bool IsTopLevel { get; init; }
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>No failure finding. A signature inside Original Attributes Sequence is never trusted.</summary>
    public bool Trusted => !InOriginalAttributes && Findings.All(f => f.Severity != FindingSeverity.Failure);

    /// <summary>Whether this signature counts for the file's verdict (all but those in Original Attributes Sequence).</summary>
    public bool Counted => !InOriginalAttributes;
}

/// <summary>
/// The result of verifying one file: every signature's verdict plus file-level findings. <see cref="Passed"/> is
/// derived: at least one trusted signature over the main data set, and no counted signature that failed.
/// </summary>
public sealed record VerificationReport
{
    public string? Path { get; init; }
    public IReadOnlyList<SignatureVerdict> Signatures { get; init; } = [];
    public IReadOnlyList<Finding> FileFindings { get; init; } = [];

    public bool Passed =>
        FileFindings.All(f => f.Severity != FindingSeverity.Failure)
        && Signatures.Any(s => s.IsTopLevel && s.Trusted)
        && Signatures.Where(s => s.Counted).All(s => s.Trusted);

    /// <summary>Every failure code in the report, file-level and per signature, without repeats.</summary>
    public IReadOnlyList<string> FailureCodes =>
        FileFindings.Concat(Signatures.Where(s => s.Counted).SelectMany(s => s.Findings))
            .Where(f => f.Severity == FindingSeverity.Failure).Select(f => f.Code).Distinct().ToArray();
}
