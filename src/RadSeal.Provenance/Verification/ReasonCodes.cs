namespace RadSeal.Provenance.Verification;

/// <summary>
/// The stable reason codes of a verification report (docs/signatures.md lists each with its meaning). These strings
/// are a contract scripts rely on: never rename one; add new ones.
/// </summary>
public static class ReasonCodes
{
    // Failures: any one of these on a counted signature fails the file.
    public const string NoSignature = "UNSIGNED";
    public const string MacMismatch = "MAC_MISMATCH";
    public const string BadSignature = "BAD_SIGNATURE";
    public const string UnsignableElement = "UNSIGNABLE_ELEMENT";
    public const string MacSyntaxUnusable = "MAC_SYNTAX_UNUSABLE";
    public const string UnsupportedAlgorithm = "UNSUPPORTED_ALGORITHM";
    public const string WeakAlgorithm = "WEAK_ALGORITHM";
    public const string MalformedSignature = "MALFORMED_SIGNATURE";
    public const string UntrustedSigner = "UNTRUSTED_SIGNER";
    public const string CertExpired = "CERT_EXPIRED";
    public const string CertNotYetValid = "CERT_NOT_YET_VALID";
    public const string CertRevoked = "CERT_REVOKED";
    public const string RevocationUnknown = "REVOCATION_UNKNOWN";
    public const string KeyUsageNotAllowed = "KEY_USAGE_NOT_ALLOWED";
    public const string SignatureTimeInvalid = "SIGNATURE_TIME_INVALID";
    public const string TimestampInvalid = "TIMESTAMP_INVALID";
    public const string TimestampMissing = "TIMESTAMP_MISSING";
    public const string PixelsNotCovered = "PIXELS_NOT_COVERED";
    public const string RequiredElementNotCovered = "REQUIRED_ELEMENT_NOT_COVERED";
    public const string DeviceSerialMismatch = "DEVICE_SERIAL_MISMATCH";
    public const string UnreadableFile = "UNREADABLE_FILE";
    public const string TooManySignatures = "TOO_MANY_SIGNATURES";

    // Information: never changes a verdict.
    public const string SignatureValid = "SIGNATURE_VALID";
    public const string TimestampValid = "TIMESTAMP_VALID";
    public const string IgnoredOriginalAttributes = "IGNORED_ORIGINAL_ATTRIBUTES";
    public const string RevocationNotChecked = "REVOCATION_NOT_CHECKED";
    public const string DateTimeWithoutOffset = "DATETIME_WITHOUT_OFFSET";
}

public enum FindingSeverity
{
    Info,
    Failure,
}

/// <summary>One fact found while verifying: a stable code, its severity and a human sentence.</summary>
public sealed record Finding(string Code, FindingSeverity Severity, string Message)
{
    public static Finding Fail(string code, string message) => new(code, FindingSeverity.Failure, message);

    public static Finding Info(string code, string message) => new(code, FindingSeverity.Info, message);
}
