using System.Security.Cryptography.X509Certificates;
using RadSeal.Provenance.Signatures;
using RadSeal.Watermark;

namespace RadSeal.Server.Gateway;

/// <summary>Gate checks what arrives before it reaches the PACS; edge marks, signs and logs what a modality sends.</summary>
public enum GatewayMode
{
    Gate,
    Edge,
}

/// <summary>How the server runs the gateway (docs/gateway.md).</summary>
public sealed record GatewayOptions
{
    public GatewayMode Mode { get; init; } = GatewayMode.Gate;

    /// <summary>The spool: received, accepted, quarantined and archived images, the forward journal and the audit log.</summary>
    public required string SpoolDirectory { get; init; }

    public GatePolicy Policy { get; init; } = GatePolicy.Default;

    /// <summary>Trust anchors for signatures and watermarks (gate mode).</summary>
    public X509Certificate2Collection TrustAnchors { get; init; } = [];

    /// <summary>
    /// Where accepted images go: an http(s) DICOMweb root (STOW-RS to {root}/studies), dicom://AET@HOST:PORT (C-STORE), or null for the embedded
    /// archive (served back by QIDO-RS and WADO-RS under /dicom-web).
    /// </summary>
    public Uri? Forward { get; init; }

    /// <summary>The DICOM listener's port (0: a free one), or null for no listener.</summary>
    public int? DicomPort { get; init; }

    /// <summary>Where the DICOM listener binds (loopback unless the site opens it, like the web side).</summary>
    public System.Net.IPAddress DicomBindAddress { get; init; } = System.Net.IPAddress.Loopback;

    public string AeTitle { get; init; } = "RADSEAL";

    /// <summary>Bearer tokens allowed to release and delete quarantined images. None: both are refused.</summary>
    public IReadOnlyList<string> AdminTokens { get; init; } = [];

    /// <summary>Edge mode: the device's signing key and watermark signer.</summary>
    public EdgeSigning? Edge { get; init; }

    /// <summary>
    /// Images checked (gate) or marked and signed (edge) at once: one per core (at least 2, at most 16, since each holds
    /// its image). It is CPU work, and a gate decision's flushes are the committer's, so more workers would only take
    /// more of the CPU that receiving, which the sender waits on, needs (docs/performance.md).
    /// </summary>
    public int Workers { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 16);

    /// <summary>
    /// Images sent to the forward target at once: twice the cores (at least 2, at most 16). Sending waits on the target
    /// more than it uses the CPU, so it has its own tasks and never holds up checking.
    /// </summary>
    public int Forwarders { get; init; } = Math.Clamp(2 * Environment.ProcessorCount, 2, 16);

    /// <summary>
    /// How long the gate's committer waits after a decision for more to fix with it (one ledger transaction, one audit
    /// flush, one folder sync for the group). It adds up to this much to each image's time in the spool; zero fixes
    /// each group as soon as it is there.
    /// </summary>
    public TimeSpan CommitDelay { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>How long a failed forward waits before it is tried again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest instance STOW-RS accepts, in bytes.</summary>
    public long MaxInstanceBytes { get; init; } = 4L << 30;
}

/// <summary>The edge's device identity: the DICOM signature key and the watermark signer (usually the same key).</summary>
public sealed record EdgeSigning(SignatureKey SignatureKey, IWatermarkSigner WatermarkSigner, bool Watermark = true);
