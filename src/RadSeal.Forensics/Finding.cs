namespace RadSeal.Forensics;

/// <summary>How much weight a finding carries in the verdict.</summary>
public enum Severity
{
    /// <summary>Context: what was checked and found in order, or what could not be checked.</summary>
    Info,

    /// <summary>Something a genuine acquisition would not normally show; makes the verdict "suspicious" at most.</summary>
    Warning,

    /// <summary>Cryptographic evidence broke: a signature, hash or mark that does not verify.</summary>
    Failure,
}

/// <summary>
/// One piece of evidence: which layer found it, a stable code (documented in docs/forensics.md), how much it weighs,
/// and a plain-language sentence a person can read out.
/// </summary>
public sealed record Finding(string Layer, string Code, Severity Severity, string Message)
{
    public static Finding Info(string layer, string code, string message) => new(layer, code, Severity.Info, message);

    public static Finding Warn(string layer, string code, string message) => new(layer, code, Severity.Warning, message);

    public static Finding Fail(string layer, string code, string message) => new(layer, code, Severity.Failure, message);
}

/// <summary>The names of the layers, as they appear in reports.</summary>
public static class LayerNames
{
    public const string RadSeal = "radseal";
    public const string C2pa = "c2pa";
    public const string Metadata = "metadata";
    public const string Pixels = "pixels";
    public const string File = "file";
}
