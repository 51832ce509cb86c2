using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Provenance.Logging;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Verification;
using RadSeal.Watermark;

namespace RadSeal.Forensics.Layers;

/// <summary>
/// RadSeal's own proof: the DICOM digital signature (verified with the `radseal verify` policy) and the reversible
/// watermark. Either one valid under a trusted signer proves the image; a MAC or block mismatch proves a change.
/// Each part reports "not checked" when it has no trust anchors. Ledger inclusion (with a log and its key) corroborates
/// but never proves: the log records what it was given (docs/forensics.md).
/// </summary>
public sealed class RadSealProofLayer : IEvidenceLayer
{
    private readonly SignatureVerifier? verifier;
    private readonly X509Certificate2Collection? watermarkTrust;
    private readonly LedgerCheck? ledger;

    public RadSealProofLayer(VerificationPolicy? signaturePolicy, X509Certificate2Collection? watermarkTrust, LedgerSource? ledger = null)
    {
        verifier = signaturePolicy is null ? null : new SignatureVerifier(signaturePolicy);
        this.watermarkTrust = watermarkTrust;
        this.ledger = ledger is null ? null : new LedgerCheck(ledger);
    }

    public string Name => LayerNames.RadSeal;

    public async Task<LayerResult> InspectAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var findings = new List<Finding>();
        var outcomes = new List<LayerOutcome>();
        IReadOnlyList<BlockRect> blocks = [];
        CheckSignature(subject, findings, outcomes, cancellationToken);
        CheckWatermark(subject, findings, outcomes, ref blocks);
        await CheckLedgerAsync(subject, findings, outcomes, cancellationToken).ConfigureAwait(false);
        var outcome = outcomes.Contains(LayerOutcome.Tampered) ? LayerOutcome.Tampered
            : outcomes.Contains(LayerOutcome.Proven) ? LayerOutcome.Proven
            : outcomes.Contains(LayerOutcome.Suspicious) ? LayerOutcome.Suspicious
            : outcomes.Contains(LayerOutcome.Inconclusive) ? LayerOutcome.Inconclusive
            : LayerOutcome.NotChecked;
        return new LayerResult(Name, outcome, findings) { TamperedBlocks = blocks };
    }

    private async Task CheckLedgerAsync(Subject subject, List<Finding> findings, List<LayerOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (ledger is null)
        {
            findings.Add(Finding.Info(Name, "LEDGER_NOT_CHECKED", "ledger inclusion not checked: no transparency log given (--log, --log-key)"));
            return;
        }
        if (subject.Dicom is not { } file)
        {
            findings.Add(Finding.Info(Name, "LEDGER_NOT_APPLICABLE", "ledger inclusion not checked: the ledger records DICOM images only"));
            return;
        }
        ImageEntry image;
        try
        {
            image = ImageEntries.Describe(file);
        }
        catch (DicomFormatException ex)
        {
            findings.Add(Finding.Info(Name, "LEDGER_NOT_APPLICABLE", $"ledger inclusion not checked: the file cannot be described as the ledger records images ({ex.Message})"));
            return;
        }
        var (found, outcome) = await ledger.CheckAsync(image, cancellationToken).ConfigureAwait(false);
        findings.AddRange(found);
        outcomes.Add(outcome);
    }

    private void CheckSignature(Subject subject, List<Finding> findings, List<LayerOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (subject.Dicom is not { } file)
        {
            findings.Add(Finding.Info(Name, "SIGNATURE_NOT_APPLICABLE", "DICOM signature not checked: the file is not DICOM"));
            return;
        }
        if (verifier is null)
        {
            findings.Add(Finding.Info(Name, "SIGNATURE_NOT_CHECKED", "DICOM signature not checked: no trust anchors given (--trust)"));
            return;
        }
        if (DicomSignatures.Find(file.DataSet).Count == 0)
        {
            findings.Add(Finding.Info(Name, "SIGNATURE_ABSENT", "the file carries no DICOM digital signature"));
            outcomes.Add(LayerOutcome.Inconclusive);
            return;
        }
        var report = verifier.Verify(file.DataSet, cancellationToken);
        var main = report.Signatures.FirstOrDefault(s => s.IsTopLevel && s.Trusted);
        if (report.Passed)
        {
            findings.Add(Finding.Info(Name, "SIGNATURE_VALID",
                $"a DICOM digital signature by {main?.SignerSerialNumber ?? main?.Signer ?? "a trusted signer"} verifies under the trust policy and covers the pixels"));
            outcomes.Add(LayerOutcome.Proven);
            return;
        }
        var codes = report.FailureCodes;
        var detail = string.Join("; ", report.FileFindings.Concat(report.Signatures.Where(s => s.Counted).SelectMany(s => s.Findings))
            .Where(f => f.Severity == FindingSeverity.Failure).Select(f => $"{f.Code}: {f.Message}").Distinct());
        if (codes.Contains(ReasonCodes.MacMismatch) || codes.Contains(ReasonCodes.BadSignature))
        {
            findings.Add(Finding.Fail(Name, "SIGNATURE_BROKEN", $"the DICOM digital signature no longer matches the data it signed: {detail}"));
            outcomes.Add(LayerOutcome.Tampered);
        }
        else if (codes.Contains(ReasonCodes.UntrustedSigner) || codes.Contains(ReasonCodes.CertRevoked) || codes.Contains(ReasonCodes.DeviceSerialMismatch))
        {
            findings.Add(Finding.Warn(Name, "SIGNATURE_UNTRUSTED", $"the DICOM digital signature is intact but its signer is not trusted: {detail}"));
            outcomes.Add(LayerOutcome.Suspicious);
        }
        else
        {
            findings.Add(Finding.Info(Name, "SIGNATURE_POLICY_NOT_MET", $"the DICOM digital signature does not meet the trust policy: {detail}"));
            outcomes.Add(LayerOutcome.Inconclusive);
        }
    }

    private void CheckWatermark(Subject subject, List<Finding> findings, List<LayerOutcome> outcomes, ref IReadOnlyList<BlockRect> blocks)
    {
        if (watermarkTrust is null)
        {
            findings.Add(Finding.Info(Name, "WATERMARK_NOT_CHECKED", "watermark not checked: no trust anchors given (--watermark-trust)"));
            return;
        }
        if (subject.Kind == SubjectKind.Jpeg)
        {
            findings.Add(Finding.Info(Name, "WATERMARK_NOT_APPLICABLE", "watermark not checked: a JPEG's lossy pixels cannot carry RadSeal's reversible mark"));
            return;
        }
        WatermarkReport report;
        try
        {
            report = subject.Dicom is { } file
                ? DicomWatermark.Verify(file, watermarkTrust)
                : subject.Image is { } image ? Watermarker.Verify(image, watermarkTrust, []) : throw new PixelDataException(subject.PixelError ?? "no pixels");
        }
        catch (Exception ex) when (ex is WatermarkException or PixelDataException or CryptographicException or ArgumentException)
        {
            findings.Add(Finding.Info(Name, "WATERMARK_UNREADABLE", $"watermark not checked: {ex.Message}"));
            return;
        }
        switch (report.Status)
        {
            case WatermarkStatus.Valid:
                findings.Add(Finding.Info(Name, "WATERMARK_VALID", $"the RadSeal watermark verifies: every one of {report.BlockCount} blocks is unchanged since {report.Signer ?? "a trusted signer"} marked it"));
                outcomes.Add(LayerOutcome.Proven);
                break;
            case WatermarkStatus.Absent:
                findings.Add(Finding.Info(Name, "WATERMARK_ABSENT", "the pixels carry no RadSeal watermark"));
                outcomes.Add(LayerOutcome.Inconclusive);
                break;
            case WatermarkStatus.Unverifiable:
                // Format-3 marks name their signer's certificate by reference: without it nothing is proven either way.
                findings.Add(Finding.Warn(Name, "WATERMARK_UNVERIFIABLE",
                    $"a RadSeal watermark is present and no block changed, but it cannot be verified: {report.Detail}"));
                outcomes.Add(LayerOutcome.Inconclusive);
                break;
            case WatermarkStatus.Tampered when report.Reason == "signer-untrusted":
                findings.Add(Finding.Warn(Name, "WATERMARK_UNTRUSTED", $"a RadSeal watermark is present but its signer is not trusted: {report.Detail}"));
                outcomes.Add(LayerOutcome.Suspicious);
                break;
            default:
                findings.Add(Finding.Fail(Name, "WATERMARK_TAMPERED",
                    $"the RadSeal watermark proves a change ({report.Reason}): {report.Detail}" +
                    (report.TamperedBlocks.Count > 0 ? $" {report.TamperedBlocks.Count} block(s) changed; see the tamper map." : "")));
                outcomes.Add(LayerOutcome.Tampered);
                blocks = report.TamperedBlocks;
                break;
        }
    }
}
