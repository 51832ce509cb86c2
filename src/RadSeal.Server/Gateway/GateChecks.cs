using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;
using RadSeal.Forensics;
using RadSeal.Forensics.Layers;
using RadSeal.Forensics.Pixels;
using RadSeal.Ledger.Log;
using RadSeal.Provenance.Verification;
using RadSeal.Watermark;

namespace RadSeal.Server.Gateway;

/// <summary>One image in the spool, opened for checking.</summary>
public sealed record GateItem(string Id, string Path, DicomFile File, string SopInstanceUid);

/// <summary>A check's verdict: pass or fail, the stable reason codes, and a sentence for people.</summary>
public sealed record CheckResult(string Check, bool Passed, IReadOnlyList<string> Codes, string Detail);

/// <summary>
/// One step of the gate. The gate runs every check of its list on every image and quarantines the image if any fails;
/// a check that throws fails closed (CHECK_ERROR). New layers (the inspect report of issue 6) join as another check.
/// </summary>
public interface IGateCheck
{
    string Name { get; }

    CheckResult Check(GateItem item, CancellationToken cancellationToken);
}

/// <summary>DICOM digital signatures against the site's trust anchors and verification policy (RadSeal.Provenance).</summary>
public sealed class SignatureGateCheck(VerificationPolicy policy, bool requireSignature) : IGateCheck
{
    private readonly SignatureVerifier _verifier = new(policy);

    public string Name => "signature";

    public CheckResult Check(GateItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var report = _verifier.Verify(item.File.DataSet, cancellationToken);
        if (report.Passed)
        {
            var main = report.Signatures.FirstOrDefault(s => s.IsTopLevel && s.Counted);
            return new CheckResult(Name, true, [], $"signed by {main?.Signer ?? "a trusted signer"}");
        }
        var codes = report.FailureCodes.ToArray();
        if (!requireSignature && codes.Length == 1 && codes[0] == ReasonCodes.NoSignature)
        {
            return new CheckResult(Name, true, [], "unsigned; the policy allows unsigned images");
        }
        var first = report.FileFindings.Concat(report.Signatures.SelectMany(s => s.Findings))
            .FirstOrDefault(f => f.Severity == FindingSeverity.Failure);
        return new CheckResult(Name, false, codes, first?.Message ?? "signature verification failed");
    }
}

/// <summary>The reversible watermark (RadSeal.Watermark): required, verified when present, or ignored.</summary>
public sealed class WatermarkGateCheck(X509Certificate2Collection trustAnchors, WatermarkRule rule) : IGateCheck
{
    public string Name => "watermark";

    public CheckResult Check(GateItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var recorded = DicomWatermark.IsRecordedAsMarked(item.File.DataSet);
        WatermarkReport report;
        try
        {
            report = DicomWatermark.Verify(item.File, trustAnchors);
        }
        catch (Exception ex) when (ex is WatermarkException or NotSupportedException or DicomFormatException or InvalidOperationException)
        {
            // Pixels the watermark cannot read (e.g. JPEG-compressed) carry no mark, unless the header says they do.
            return rule == WatermarkRule.Require || recorded
                ? new CheckResult(Name, false, [GateReasonCodes.WatermarkUnreadable], $"the pixels cannot be read for the watermark: {ex.Message}")
                : new CheckResult(Name, true, [], "pixels the watermark cannot read; no mark recorded");
        }
        return report.Status switch
        {
            WatermarkStatus.Valid => new CheckResult(Name, true, [], $"watermark valid ({report.BlockCount} blocks)"),
            WatermarkStatus.Tampered => new CheckResult(Name, false, [GateReasonCodes.WatermarkTampered], $"{report.Reason}: {report.Detail}"),
            // A mark whose signer certificate is not at hand proves nothing: fail closed rather than pass as "no watermark".
            WatermarkStatus.Unverifiable => new CheckResult(Name, false, [GateReasonCodes.WatermarkUnreadable], $"{report.Reason}: {report.Detail}"),
            _ when rule == WatermarkRule.Require => new CheckResult(Name, false, [GateReasonCodes.WatermarkAbsent], "no watermark; the policy requires one"),
            _ => new CheckResult(Name, true, [], "no watermark"),
        };
    }
}

/// <summary>
/// The Forensics inspector (every layer of evidence, one verdict, as `radseal inspect`) over the spooled file, with the
/// gate's signature policy and trust anchors; the image fails when its verdict is one the policy quarantines
/// (INSPECT_TAMPERED, INSPECT_DECLARED_AI, INSPECT_SUSPICIOUS, INSPECT_NO_EVIDENCE).
/// </summary>
public sealed class InspectGateCheck(Inspector inspector, IReadOnlySet<Verdict> quarantine) : IGateCheck
{
    public string Name => "inspect";

    public CheckResult Check(GateItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        // The gate's checks are synchronous steps of one decision; the inspector's layers do no I/O but the file read.
        var report = inspector.InspectAsync(item.Path, cancellationToken).GetAwaiter().GetResult();
        if (report.Error is not null)
        {
            return new CheckResult(Name, false, [GateReasonCodes.Unreadable], $"the inspector cannot read the file: {report.Error}");
        }
        // Every finding's code (which layers ran and what they said), then the sentences of the warnings and failures.
        var weighty = report.Findings.Where(f => f.Severity != Severity.Info).Select(f => $"; {f.Code}: {f.Message}");
        var detail = $"inspect verdict {report.Verdict.ToJson()} ({string.Join(' ', report.Findings.Select(f => f.Code))}){string.Concat(weighty)}";
        return quarantine.Contains(report.Verdict)
            ? new CheckResult(Name, false, [GateReasonCodes.Inspect(report.Verdict)], detail)
            : new CheckResult(Name, true, [], detail);
    }
}

/// <summary>
/// Ledger inclusion in another transparency log (an edge's, or the site's `radseal log serve`): the log's signed
/// checkpoint verified with the policy's key and the image's inclusion proof verified against it, by the code of
/// `radseal inspect --log` (<see cref="LedgerInclusion"/>). Fails closed: not found, unreachable or not verifying all
/// quarantine, with the inspector's LEDGER_* codes.
/// </summary>
public sealed class LedgerInclusionGateCheck(LedgerInclusion inclusion) : IGateCheck
{
    public string Name => "ledger-inclusion";

    public CheckResult Check(GateItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var (findings, included) = inclusion.CheckAsync(item.File, cancellationToken).GetAwaiter().GetResult();
        var detail = string.Join("; ", findings.Select(f => f.Message));
        if (included)
        {
            return new CheckResult(Name, true, [], detail);
        }
        var codes = findings.Where(f => f.Severity != Severity.Info).Select(f => f.Code).Distinct().ToArray();
        return new CheckResult(Name, false, codes.Length > 0 ? codes : [GateReasonCodes.LedgerUnverifiable], detail);
    }
}

/// <summary>Builds the gate's check list from the policy.</summary>
public static class GateChecks
{
    /// <summary>
    /// The inspector configuration the gateway uses wherever it inspects (the inspect check, the quarantine pages): the
    /// gate's signature policy and trust anchors for signatures and the watermark; no C2PA trust, no ledger.
    /// </summary>
    public static InspectorOptions InspectorOptions(GatePolicy policy, X509Certificate2Collection trustAnchors)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new InspectorOptions
        {
            SignaturePolicy = policy.Verification with { TrustAnchors = trustAnchors },
            WatermarkTrust = trustAnchors,
        };
    }

    public static IReadOnlyList<IGateCheck> For(GatePolicy policy, X509Certificate2Collection trustAnchors)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var checks = new List<IGateCheck>
        {
            new SignatureGateCheck(policy.Verification with { TrustAnchors = trustAnchors }, policy.RequireSignature),
        };
        if (policy.Watermark != WatermarkRule.Ignore)
        {
            checks.Add(new WatermarkGateCheck(trustAnchors, policy.Watermark));
        }
        if (policy.Inspect is { } inspect)
        {
            // The detector is loaded once and lives as long as the gateway (its model is read-only and thread-safe).
            var detector = inspect.Pixels ? PixelDetector.LoadDefault() : null;
            checks.Add(new InspectGateCheck(new Inspector(InspectorOptions(policy, trustAnchors) with { PixelDetector = detector }), inspect.Quarantine));
        }
        if (policy.RequireLedgerInclusion is { } rule)
        {
            var client = LogHttp.Client(rule.Log.ToString(), TimeSpan.FromSeconds(30));
            checks.Add(new LedgerInclusionGateCheck(new LedgerInclusion(LedgerSource.Http(client, rule.Key))));
        }
        return checks;
    }

    /// <summary>Runs every check; one that throws fails closed.</summary>
    public static IReadOnlyList<CheckResult> Run(IReadOnlyList<IGateCheck> checks, GateItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var results = new List<CheckResult>(checks.Count);
        foreach (var check in checks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results.Add(check.Check(item, cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results.Add(new CheckResult(check.Name, false, [GateReasonCodes.CheckFailed], $"{check.Name} check failed: {ex.Message}"));
            }
        }
        return results;
    }
}
