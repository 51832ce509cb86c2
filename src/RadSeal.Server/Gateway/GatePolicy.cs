using System.Text.Json;
using System.Text.Json.Serialization;
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

    /// <summary>Reads a policy file; unknown fields are an error (a typo must not weaken the gate).</summary>
    /// <exception cref="FormatException">Not JSON of the policy schema, or a bad value.</exception>
    public static GatePolicy Parse(string json)
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
                _ => throw new FormatException($"unknown gate policy field '{property.Name}' (known: requireSignature, verification, watermark, ledger)"),
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
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QuarantineRecord))]
[JsonSerializable(typeof(IReadOnlyList<QuarantineRecord>))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(ForwardRecord))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
