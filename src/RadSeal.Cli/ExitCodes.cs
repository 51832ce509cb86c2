namespace RadSeal.Cli;

/// <summary>The exit codes of every verb (docs/cli.md lists them). Only the CLI chooses exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>An input is not valid DICOM (or fails the check the verb performs).</summary>
    public const int InvalidInput = 1;

    /// <summary>The command line is wrong: unknown verb or option, missing argument.</summary>
    public const int Usage = 2;

    /// <summary>A file could not be read or written (missing, permission, disk full).</summary>
    public const int IOError = 3;

    /// <summary>The input is valid but cannot be converted as asked (e.g. compressed pixel data to an uncompressed syntax).</summary>
    public const int Unsupported = 4;

    /// <summary>`watermark verify`/`restore`: a watermark is there but the image was changed, or the mark does not check out.</summary>
    public const int Tampered = 5;

    /// <summary>`watermark verify`/`restore`: the pixels carry no watermark.</summary>
    public const int Absent = 6;

    /// <summary>`watermark verify`: a mark is there, but the signer's certificate it names is not available, so it cannot be verified (never valid).</summary>
    public const int Unverifiable = 11;

    /// <summary>A ledger check failed: a proof does not verify, an audit found problems, a witness refused.</summary>
    public const int CheckFailed = 1;

    /// <summary>The log server could not be reached, or answered with an error.</summary>
    public const int ServiceError = 7;

    /// <summary>verify: at least one file failed verification (or there was nothing to verify).</summary>
    public const int VerificationFailed = 8;

    /// <summary>sign and the PKI verbs: the key, certificate, token or time-stamp authority could not do what was asked.</summary>
    public const int SigningFailed = 9;

    /// <summary>echo/send: a DICOM peer could not be reached, rejected or aborted the association, or did not store a file.</summary>
    public const int PeerFailed = 10;
}
