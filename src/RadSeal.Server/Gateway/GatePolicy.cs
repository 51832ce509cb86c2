using System.Text.Json;
using System.Text.Json.Serialization;
using RadSeal.Forensics;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Provenance.Verification;

namespace RadSeal.Server.Gateway;

/// <summary>What the gate does with the watermark.</summary>
public enum WatermarkRule
{
    /// <summary>An image without a valid RadSeal watermark is quarantined (WATERMARK_ABSENT / WATERMARK_TAMPERED).</summary>
    Require,

    /// <summary>A mark, when present (or recorded in the header), must verify; an unmarked image passes.</summary>
    VerifyIfPresent,

    /// <summary>The watermark is not looked at.</summary>
    Ignore,
}

/// <summary>
/// The site's gate policy (docs/gateway.md, "Policy file"). Fail-closed defaults: a valid signature from a trusted
/// device is required, a watermark is verified when present, and every decision is logged in the ledger before it takes
/// effect.
/// </summary>
public sealed record GatePolicy
{
    public static GatePolicy Default { get; } = new();

    /// <summary>When false, an unsigned image passes the signature check (a signed one must still verify).</summary>
    public bool RequireSignature { get; init; } = true;

    /// <summary>The signature verification policy; trust anchors come from the server's --trust.</summary>
    public VerificationPolicy Verification { get; init; } = new();

    public WatermarkRule Watermark { get; init; } = WatermarkRule.VerifyIfPresent;

    /// <summary>
    /// When true, no decision takes effect until its ledger entry is durable: with the ledger unavailable images wait in
    /// the spool (never forwarded unlogged).
    /// </summary>
    public bool Ledger { get; init; } = true;

    /// <summary>The inspect check (Forensics inspector over each image); null (the default): not run.</summary>
    public InspectRule? Inspect { get; init; }

    /// <summary>Ledger inclusion the image must have in another transparency log; null (the default): not required.</summary>
    public LedgerInclusionRule? RequireLedgerInclusion { get; init; }

    /// <summary>Reads a policy file; relative paths in it are relative to the file's folder.</summary>
    /// <exception cref="FormatException">Not JSON of the policy schema, or a bad value (a missing key file included).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GatePolicy Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads a policy file's text; unknown fields are an error (a typo must not weaken the gate).</summary>
    /// <param name="json">The policy.</param>
    /// <param name="baseDirectory">The folder relative paths in the policy are relative to; null: the current folder.</param>
    /// <exception cref="FormatException">Not JSON of the policy schema, or a bad value (a missing key file included).</exception>
    public static GatePolicy Parse(string json, string? baseDirectory = null)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(json);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the gate policy is not JSON: {ex.Message}", ex);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the gate policy must be a JSON object");
        }
        var policy = new GatePolicy();
        foreach (var property in root.EnumerateObject())
        {
            policy = property.Name switch
            {
                "requireSignature" => policy with { RequireSignature = Bool(property) },
                "verification" => property.Value.ValueKind == JsonValueKind.Object
                    ? policy with { Verification = policy.Verification.WithJson(property.Value.GetRawText()) }
                    : throw new FormatException("'verification' must be an object (the fields of a `radseal verify --policy` file)"),
                "watermark" => policy with
                {
                    Watermark = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() switch
                    {
                        "require" => WatermarkRule.Require,
                        "verify-if-present" => WatermarkRule.VerifyIfPresent,
                        "ignore" => WatermarkRule.Ignore,
                        var other => throw new FormatException($"'watermark' is '{other}'; use require, verify-if-present or ignore"),
                    } : throw new FormatException("'watermark' must be a string: require, verify-if-present or ignore"),
                },
                "ledger" => policy with { Ledger = Bool(property) },
                "inspect" => policy with { Inspect = InspectRule.Parse(property.Value) },
                "requireLedgerInclusion" => policy with { RequireLedgerInclusion = LedgerInclusionRule.Parse(property.Value, baseDirectory) },
                _ => throw new FormatException($"unknown gate policy field '{property.Name}' (known: requireSignature, verification, watermark, ledger, inspect, requireLedgerInclusion)"),
            };
        }
        return policy;
    }

    private static bool Bool(JsonProperty property) => property.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new FormatException($"'{property.Name}' must be true or false"),
    };
}

/// <summary>Reason codes the gate adds to those of signature verification (<see cref="ReasonCodes"/>); a stable contract.</summary>
public static class GateReasonCodes
{
    public const string WatermarkAbsent = "WATERMARK_ABSENT";
    public const string WatermarkTampered = "WATERMARK_TAMPERED";
    public const string WatermarkUnreadable = "WATERMARK_UNREADABLE";
    public const string Unreadable = ReasonCodes.UnreadableFile;
    public const string CheckFailed = "CHECK_ERROR";
    public const string ForwardRefused = "FORWARD_REFUSED";

    /// <summary>The inspect check's code for a verdict the policy quarantines: INSPECT_TAMPERED, INSPECT_DECLARED_AI, …</summary>
    public static string Inspect(Verdict verdict) => "INSPECT_" + verdict.ToJson().Replace('-', '_').ToUpperInvariant();

    /// <summary>The image is not in the required transparency log (the code of `radseal inspect --log`).</summary>
    public const string LedgerNotFound = "LEDGER_NOT_FOUND";

    /// <summary>Inclusion could not be verified: log unreachable, checkpoint or proof does not verify.</summary>
    public const string LedgerUnverifiable = "LEDGER_UNVERIFIABLE";
}

/// <summary>
/// The inspect check: which of the inspector's verdicts quarantine an image, and whether the pixel detector runs.
/// </summary>
public sealed record InspectRule(IReadOnlySet<Verdict> Quarantine, bool Pixels)
{
    /// <summary>The verdict names a policy may list ("authentic" is never a reason to quarantine).</summary>
    public static IReadOnlyList<Verdict> Quarantinable { get; } = [Verdict.Tampered, Verdict.DeclaredAi, Verdict.Suspicious, Verdict.NoEvidence];

    internal static InspectRule Parse(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("'inspect' must be an object: { \"quarantine\": [verdicts], \"pixels\": false }");
        }
        var names = string.Join(", ", Quarantinable.Select(v => v.ToJson()));
        HashSet<Verdict>? quarantine = null;
        var pixels = false;
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "quarantine":
                    if (property.Value.ValueKind != JsonValueKind.Array)
                    {
                        throw new FormatException($"'inspect.quarantine' must be an array of verdicts ({names})");
                    }
                    quarantine = [];
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        var name = item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText();
                        var match = Quarantinable.Where(v => v.ToJson() == name).ToArray();
                        quarantine.Add(match.Length == 1
                            ? match[0]
                            : throw new FormatException($"'inspect.quarantine' lists '{name}'; the verdicts that may quarantine are {names}"));
                    }
                    break;
                case "pixels":
                    pixels = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new FormatException("'inspect.pixels' must be true or false"),
                    };
                    break;
                default:
                    throw new FormatException($"unknown field 'inspect.{property.Name}' (known: quarantine, pixels)");
            }
        }
        // An inspect check that can quarantine nothing would only look like a check.
        return quarantine is { Count: > 0 }
            ? new InspectRule(quarantine, pixels)
            : throw new FormatException($"'inspect.quarantine' must list at least one verdict ({names})");
    }
}

/// <summary>
/// Ledger inclusion the gate requires: the image must be in this transparency log, whose signed checkpoint verifies
/// with this key (trusted out of band) and whose inclusion proof for the image verifies — what `radseal inspect --log
/// URL --log-key VKEY` checks.
/// </summary>
/// <param name="Log">The log server's URL (`radseal log serve`, or another gateway's `radseal serve`).</param>
/// <param name="KeyFile">The vkey file, resolved against the policy file's folder.</param>
/// <param name="Key">The verifier key read from it at load.</param>
public sealed record LedgerInclusionRule(Uri Log, string KeyFile, NoteVerifier Key)
{
    internal static LedgerInclusionRule Parse(JsonElement value, string? baseDirectory)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("'requireLedgerInclusion' must be an object: { \"log\": \"URL\", \"key\": \"PATH.vkey\" }");
        }
        string? log = null, key = null;
        foreach (var property in value.EnumerateObject())
        {
            var text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
            switch (property.Name)
            {
                case "log":
                    log = text ?? throw new FormatException("'requireLedgerInclusion.log' must be a string (the log's URL)");
                    break;
                case "key":
                    key = text ?? throw new FormatException("'requireLedgerInclusion.key' must be a string (the path of the log's vkey file)");
                    break;
                default:
                    throw new FormatException($"unknown field 'requireLedgerInclusion.{property.Name}' (known: log, key)");
            }
        }
        if (log is null || key is null)
        {
            throw new FormatException("'requireLedgerInclusion' needs both 'log' (the log's URL) and 'key' (its vkey file)");
        }
        if (!Uri.TryCreate(log, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"'requireLedgerInclusion.log' is '{log}'; give the log server's http(s) URL (serve a local store with `radseal log serve`)");
        }
        var keyFile = Path.GetFullPath(key, baseDirectory ?? Directory.GetCurrentDirectory());
        string vkey;
        try
        {
            vkey = File.ReadAllText(keyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"'requireLedgerInclusion.key': {keyFile} cannot be read ({ex.Message})", ex);
        }
        try
        {
            return new LedgerInclusionRule(url, keyFile, NoteVerifier.Parse(vkey));
        }
        catch (LedgerFormatException ex)
        {
            throw new FormatException($"'requireLedgerInclusion.key': {keyFile} is not a verifier key (vkey): {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QuarantineRecord))]
[JsonSerializable(typeof(IReadOnlyList<QuarantineRecord>))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(ForwardRecord))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
