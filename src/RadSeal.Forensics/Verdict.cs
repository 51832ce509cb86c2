namespace RadSeal.Forensics;

/// <summary>The one answer per image. Only <see cref="Authentic"/> says the image is genuine, and only on proof.</summary>
public enum Verdict
{
    /// <summary>No evidence either way: nothing proves or disproves the image (the usual case for outside files).</summary>
    NoEvidence,

    /// <summary>Circumstantial findings (metadata, pixels) that a genuine acquisition would not normally show.</summary>
    Suspicious,

    /// <summary>A valid signed manifest in which the producer declares the image AI-generated.</summary>
    DeclaredAi,

    /// <summary>Cryptographic proof that the image or its provenance record was changed after signing.</summary>
    Tampered,

    /// <summary>Cryptographic proof from a trusted signer that the pixels are unchanged since signing.</summary>
    Authentic,
}

/// <summary>What one layer concluded, besides its findings.</summary>
public enum LayerOutcome
{
    /// <summary>The layer was not configured or does not apply to this kind of file.</summary>
    NotChecked,

    /// <summary>Checked, nothing to report either way.</summary>
    Inconclusive,

    /// <summary>Circumstantial evidence against the image.</summary>
    Suspicious,

    /// <summary>A valid manifest declares the image AI-generated.</summary>
    DeclaredAi,

    /// <summary>Proof of change after signing.</summary>
    Tampered,

    /// <summary>Proof from a trusted signer that the image is unchanged.</summary>
    Proven,
}

public static class VerdictNames
{
    /// <summary>The word used in JSON and HTML reports (the `--json` contract).</summary>
    public static string ToJson(this Verdict verdict) => verdict switch
    {
        Verdict.Authentic => "authentic",
        Verdict.Tampered => "tampered",
        Verdict.DeclaredAi => "declared-ai",
        Verdict.Suspicious => "suspicious",
        _ => "no-evidence",
    };

    /// <summary>The words shown to people.</summary>
    public static string ToDisplay(this Verdict verdict) => verdict switch
    {
        Verdict.Authentic => "authentic (proven)",
        Verdict.Tampered => "tampered (proven)",
        Verdict.DeclaredAi => "declared AI-generated",
        Verdict.Suspicious => "suspicious",
        _ => "no evidence either way",
    };

    public static string ToJson(this Severity severity) => severity switch
    {
        Severity.Failure => "failure",
        Severity.Warning => "warning",
        _ => "info",
    };
}
