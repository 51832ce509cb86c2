using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Forensics;
using RadSeal.Server.Gateway;
using RadSeal.Watermark;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// The gate's policy-driven checks beyond signature and watermark: `requireLedgerInclusion` (the image must be in
/// another gateway's transparency log, checkpoint and inclusion proof verified over HTTP) and `inspect` (the Forensics
/// inspector's verdict). Images go in by STOW-RS with curl; accepted ones land in the embedded archive.
/// </summary>
public sealed class GateInspectTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    private static async Task<Dictionary<string, string[]>> QuarantineCodesAsync(GatewayServer gw)
    {
        using var admin = gw.Client();
        return JsonDocument.Parse(await admin.GetStringAsync("quarantine")).RootElement.EnumerateArray()
            .ToDictionary(q => q.GetProperty("sopInstanceUid").GetString()!, q => q.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToArray());
    }

    private void Stow(GatewayServer gw, params string[] files)
    {
        var (status, body) = fx.StowWithCurl(gw.DicomWeb, files);
        Assert.True(status == 200, $"STOW-RS answered {status}: {body}");
    }

    private string PolicyFile(string name, string json)
    {
        var dir = fx.Dir.File(name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "gate.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Require_ledger_inclusion_passes_only_images_in_the_other_log_and_fails_closed()
    {
        // The log to be included in: another gateway's ledger (it logs every decision), served over HTTP.
        await using var log = await fx.StartGatewayAsync("incl-log", o => o);
        var logged = fx.Image(GatewayFixture.Kind.Trusted);
        Stow(log, logged.Path);
        await log.DrainAsync();

        // The vkey sits beside the policy file, named relatively: paths are resolved against the policy's folder.
        var policyPath = PolicyFile("incl-policy", $$"""{ "requireLedgerInclusion": { "log": "{{log.BaseUri}}", "key": "log.vkey" } }""");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(policyPath)!, "log.vkey"), log.Ledger.Log.PublicKey.ToString());
        var policy = GatePolicy.Load(policyPath);
        await using var gate = await fx.StartGatewayAsync("incl-gate", o => o with { Policy = policy });

        // Signed by the trusted device but never logged: quarantined with the inspector's ledger code.
        var notLogged = fx.Image(GatewayFixture.Kind.Trusted);
        Stow(gate, notLogged.Path);
        await gate.DrainAsync(quarantined: 1);

        // Logged after the gate's first scan of the log: the gate must look again, not answer from its old snapshot.
        var loggedLater = fx.Image(GatewayFixture.Kind.Trusted);
        Stow(log, loggedLater.Path);
        await log.DrainAsync();
        Stow(gate, logged.Path, loggedLater.Path);
        await gate.DrainAsync(quarantined: 1);

        Assert.NotNull(gate.Service.Archive.Find(logged.Uid));
        Assert.NotNull(gate.Service.Archive.Find(loggedLater.Uid));
        Assert.Null(gate.Service.Archive.Find(notLogged.Uid));
        var codes = await QuarantineCodesAsync(gate);
        Assert.Equal([notLogged.Uid], codes.Keys);
        Assert.Equal(["LEDGER_NOT_FOUND"], codes[notLogged.Uid]);
        var accepted = File.ReadAllLines(Path.Combine(gate.Service.Root, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement)
            .First(a => a.GetProperty("event").GetString() == "accepted" && a.GetProperty("sopInstanceUid").GetString() == logged.Uid);
        Assert.Contains("inclusion proof verified", accepted.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Fail closed: a log nobody answers at, and the right log checked with the wrong key, never let an image pass.
        var unreachable = policy with { RequireLedgerInclusion = policy.RequireLedgerInclusion! with { Log = new Uri($"http://127.0.0.1:{ClosedPort()}/") } };
        var wrongKey = policy with { RequireLedgerInclusion = policy.RequireLedgerInclusion! with { Key = gate.Ledger.Log.PublicKey } };
        foreach (var (name, p) in new[] { ("incl-unreachable", unreachable), ("incl-wrong-key", wrongKey) })
        {
            await using var closed = await fx.StartGatewayAsync(name, o => o with { Policy = p });
            Stow(closed, logged.Path);
            await closed.DrainAsync(quarantined: 1);
            Assert.Null(closed.Service.Archive.Find(logged.Uid));
            Assert.Equal(["LEDGER_UNVERIFIABLE"], (await QuarantineCodesAsync(closed))[logged.Uid]);
        }
    }

    [Fact]
    public void Ledger_inclusion_policy_is_validated_at_load()
    {
        var dir = Path.GetDirectoryName(PolicyFile("incl-parse", "{}"))!;
        var vkey = Path.Combine(dir, "good.vkey");
        File.WriteAllText(vkey, "radseal.test/log+12345678+AVtd7cN6UMd/B0mXk5l7hkS8yA+Fx1dUDXRfVWGy0XtN\n");
        FormatException Bad(string json) => Assert.Throws<FormatException>(() => GatePolicy.Parse(json, dir));

        Assert.Contains("missing.vkey", Bad("""{ "requireLedgerInclusion": { "log": "http://127.0.0.1:1/", "key": "missing.vkey" } }""").Message, StringComparison.Ordinal);
        Assert.Contains("http(s) URL", Bad("""{ "requireLedgerInclusion": { "log": "ledger.db", "key": "good.vkey" } }""").Message, StringComparison.Ordinal);
        Assert.Contains("'requireLedgerInclusion.url'", Bad("""{ "requireLedgerInclusion": { "url": "http://127.0.0.1:1/", "key": "good.vkey" } }""").Message, StringComparison.Ordinal);
        Assert.Contains("needs both", Bad("""{ "requireLedgerInclusion": { "log": "http://127.0.0.1:1/" } }""").Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(dir, "junk.vkey"), "not a key");
        Assert.Contains("not a verifier key", Bad("""{ "requireLedgerInclusion": { "log": "http://127.0.0.1:1/", "key": "junk.vkey" } }""").Message, StringComparison.Ordinal);

        // `radseal serve` refuses to start on a policy whose key file is missing (a start-up error, not a per-image one).
        var policy = PolicyFile("incl-serve", """{ "requireLedgerInclusion": { "log": "http://127.0.0.1:1/", "key": "absent.vkey" } }""");
        var (exit, _, err) = GatewayFixture.Cli("serve", "--db", fx.Dir.File("incl-serve.db"), "--urls", "http://127.0.0.1:0", "--trust", fx.Trust, "--policy", policy);
        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains("absent.vkey", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_check_quarantines_the_verdicts_the_policy_names()
    {
        // Unsigned images allowed and the watermark check off: the inspector is the only check that looks at the mark.
        var policy = GatePolicy.Parse("""{ "requireSignature": false, "watermark": "ignore", "inspect": { "quarantine": ["tampered"] } }""");
        await using var gw = await fx.StartGatewayAsync("inspect-gate", o => o with { Policy = policy });

        var signed = fx.Image(GatewayFixture.Kind.Trusted);
        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var tampered = fx.Image(GatewayFixture.Kind.Tampered);
        // Marked by the trusted device, then one pixel changed: only the watermark shows it.
        var (key, mark) = fx.EdgeKeys();
        string markedUid;
        var markedPath = fx.Dir.File("inspect-marked-tampered.dcm");
        using (key)
        using (mark)
        {
            var (marked, _) = DicomWatermark.Embed(DicomFile.Open(fx.Image(GatewayFixture.Kind.NoSignature).Path), mark);
            markedUid = marked.DataSet.GetString(DicomTags.SOPInstanceUID)!.Trim('\0', ' ');
            var element = marked.DataSet.FindElement(DicomTags.PixelData)!;
            var pixels = element.GetLittleEndianBytes().ToArray();
            pixels[pixels.Length / 2] ^= 0x01;
            marked.DataSet.Set(new DicomElement(DicomTags.PixelData, element.VR, pixels));
            marked.Save(markedPath);
        }
        Assert.Equal(WatermarkStatus.Tampered, DicomWatermark.Verify(DicomFile.Open(markedPath), gw.Service.Options.TrustAnchors).Status);

        Stow(gw, signed.Path, unsigned.Path, tampered.Path, markedPath);
        await gw.DrainAsync(quarantined: 2);

        Assert.NotNull(gw.Service.Archive.Find(signed.Uid)); // authentic
        Assert.NotNull(gw.Service.Archive.Find(unsigned.Uid)); // no-evidence: not on the policy's list
        var codes = await QuarantineCodesAsync(gw);
        Assert.Equal(["INSPECT_TAMPERED"], codes[markedUid]);
        Assert.Equal(["INSPECT_TAMPERED", "MAC_MISMATCH"], codes[tampered.Uid].Order(StringComparer.Ordinal));
        Assert.Equal(2, codes.Count);
    }

    [Fact]
    public void Inspect_policy_is_validated_and_off_by_default()
    {
        var policy = GatePolicy.Parse("""{ "inspect": { "quarantine": ["tampered", "declared-ai", "suspicious", "no-evidence"], "pixels": true } }""");
        Assert.Equal([Verdict.NoEvidence, Verdict.Suspicious, Verdict.DeclaredAi, Verdict.Tampered], policy.Inspect!.Quarantine.Order());
        Assert.True(policy.Inspect.Pixels);
        Assert.False(GatePolicy.Parse("""{ "inspect": { "quarantine": ["tampered"] } }""").Inspect!.Pixels);
        Assert.Equal("INSPECT_DECLARED_AI", GateReasonCodes.Inspect(Verdict.DeclaredAi));

        FormatException Bad(string json) => Assert.Throws<FormatException>(() => GatePolicy.Parse(json));
        Assert.Contains("'inspect.pixel'", Bad("""{ "inspect": { "quarantine": ["tampered"], "pixel": true } }""").Message, StringComparison.Ordinal);
        Assert.Contains("'authentic'", Bad("""{ "inspect": { "quarantine": ["authentic"] } }""").Message, StringComparison.Ordinal);
        Assert.Contains("'tampred'", Bad("""{ "inspect": { "quarantine": ["tampred"] } }""").Message, StringComparison.Ordinal);
        Bad("""{ "inspect": { "quarantine": [] } }""");
        Bad("""{ "inspect": { "quarantine": "tampered" } }""");
        Bad("""{ "inspect": { "quarantine": ["tampered"], "pixels": "no" } }""");
        Bad("""{ "inspect": true }""");

        // `pixels` decides whether the inspector's pixel layer runs (the check's detail lists every finding's code).
        var signed = fx.Image(GatewayFixture.Kind.Trusted);
        var item = new GateItem("pixels", signed.Path, DicomFile.Open(signed.Path), signed.Uid);
        var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        anchors.AddRange(RadSeal.Provenance.Pki.PemFiles.LoadCertificates(fx.Trust));
        string InspectDetail(string json) => GateChecks.Run(GateChecks.For(GatePolicy.Parse(json), anchors), item, default).Single(r => r.Check == "inspect").Detail;
        var withPixels = InspectDetail("""{ "inspect": { "quarantine": ["tampered"], "pixels": true } }""");
        Assert.Matches("PIXELS_(SCORE|SYNTHETIC)", withPixels);
        Assert.StartsWith("inspect verdict authentic (", withPixels, StringComparison.Ordinal);
        Assert.Contains("PIXELS_NOT_CHECKED", InspectDetail("""{ "inspect": { "quarantine": ["tampered"] } }"""), StringComparison.Ordinal);

        // The default policy runs exactly the signature and watermark checks: no inspector, no pixel detector.
        Assert.Null(GatePolicy.Default.Inspect);
        Assert.Null(GatePolicy.Default.RequireLedgerInclusion);
        Assert.Equal(["signature", "watermark"], GateChecks.For(GatePolicy.Default, []).Select(c => c.Name));
    }
}
