using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Server.Gateway;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// Gate mode against real peers: images uploaded with curl (STOW-RS) into the gateway, Debian's Orthanc as the PACS
/// behind it. Only images with a valid signature from the trusted CA arrive; unsigned, tampered and untrusted-signer
/// images sit in quarantine with their reason codes; every decision is a ledger entry and an audit line.
/// </summary>
public sealed class GateTests(GatewayFixture fx) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Only_verified_images_reach_orthanc_the_rest_wait_in_quarantine_with_reasons()
    {
        await using var gw = await fx.StartGatewayAsync("gate-orthanc", o => o with { Forward = fx.Orthanc.DicomWeb });
        var signed = fx.Image(GatewayFixture.Kind.Trusted);
        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var tampered = fx.Image(GatewayFixture.Kind.Tampered);
        var untrusted = fx.Image(GatewayFixture.Kind.Untrusted);
        var before = await fx.Orthanc.SopInstanceUidsAsync();

        var (status, body) = fx.StowWithCurl(gw.DicomWeb, signed.Path, unsigned.Path, tampered.Path, untrusted.Path);
        Assert.True(status == 200, $"STOW-RS answered {status}: {body}");
        foreach (var uid in new[] { signed.Uid, unsigned.Uid, tampered.Uid, untrusted.Uid })
        {
            Assert.Contains(uid, body, StringComparison.Ordinal); // every instance acknowledged: durable in the spool
        }
        await gw.DrainAsync(quarantined: 3);

        var arrived = (await fx.Orthanc.SopInstanceUidsAsync()).Except(before).ToArray();
        Assert.Equal([signed.Uid], arrived);

        using var admin = gw.Client();
        var quarantine = JsonDocument.Parse(await admin.GetStringAsync("quarantine")).RootElement.EnumerateArray()
            .ToDictionary(q => q.GetProperty("sopInstanceUid").GetString()!, q => q.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.Equal(3, quarantine.Count);
        Assert.Equal(["UNSIGNED"], quarantine[unsigned.Uid]);
        Assert.Contains("MAC_MISMATCH", quarantine[tampered.Uid]);
        Assert.Contains("UNTRUSTED_SIGNER", quarantine[untrusted.Uid]);

        // Every decision is a ledger entry and a line of the hash-chained audit log naming it.
        var audit = SpoolAudit.Lines(gw.Service.Root);
        var decisions = audit.Where(a => a.GetProperty("event").GetString() is "accepted" or "quarantined").ToArray();
        Assert.Equal(4, decisions.Length);
        Assert.All(decisions, d => Assert.True(d.TryGetProperty("ledgerIndex", out _)));
        Assert.True(gw.Ledger.Log.Checkpoint.Checkpoint.Size >= 4);
        Assert.Contains(audit, a => a.GetProperty("event").GetString() == "forwarded" && a.GetProperty("sopInstanceUid").GetString() == signed.Uid);
        SpoolAudit.AssertChained(gw.Service.Root);

        // Release needs the administrator token; released images go on without checks, audited with the actor.
        var untrustedId = JsonDocument.Parse(await admin.GetStringAsync("quarantine")).RootElement.EnumerateArray()
            .First(q => q.GetProperty("sopInstanceUid").GetString() == untrusted.Uid).GetProperty("id").GetString()!;
        using (var anonymous = gw.Client(admin: false))
        {
            using var refused = await anonymous.PostAsync($"quarantine/{untrustedId}/release", null);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"quarantine/{untrustedId}/release"))
        {
            request.Headers.Add("X-RadSeal-Actor", "dr-who");
            using var released = await admin.SendAsync(request);
            Assert.True(released.IsSuccessStatusCode, await released.Content.ReadAsStringAsync());
        }
        await gw.DrainAsync();
        Assert.Contains(untrusted.Uid, await fx.Orthanc.SopInstanceUidsAsync());
        Assert.Contains(SpoolAudit.Lines(gw.Service.Root), a => a.GetProperty("event").GetString() == "released" && a.GetProperty("actor").GetString() == "admin:dr-who");

        // Delete: gone from quarantine, audited; a second delete finds nothing.
        var unsignedId = JsonDocument.Parse(await admin.GetStringAsync("quarantine")).RootElement.EnumerateArray()
            .First(q => q.GetProperty("sopInstanceUid").GetString() == unsigned.Uid).GetProperty("id").GetString()!;
        using (var deleted = await admin.DeleteAsync($"quarantine/{unsignedId}"))
        {
            Assert.True(deleted.IsSuccessStatusCode);
        }
        using (var again = await admin.DeleteAsync($"quarantine/{unsignedId}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, again.StatusCode);
        }
        Assert.DoesNotContain(unsigned.Uid, await fx.Orthanc.SopInstanceUidsAsync());
        Assert.Contains(SpoolAudit.Lines(gw.Service.Root), a => a.GetProperty("event").GetString() == "deleted" && a.GetProperty("sopInstanceUid").GetString() == unsigned.Uid);

        // Health and Prometheus metrics.
        using var anon = gw.Client(admin: false);
        Assert.Contains("\"ok\"", await anon.GetStringAsync("health"), StringComparison.Ordinal);
        var metrics = await anon.GetStringAsync("metrics");
        Assert.Contains("radseal_gateway_received", metrics, StringComparison.Ordinal);
        Assert.Contains("radseal_gateway_quarantined", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_forward_target_accepted_images_are_archived_and_served_by_qido_and_wado()
    {
        await using var gw = await fx.StartGatewayAsync("gate-archive", o => o);
        var signed = fx.Image(GatewayFixture.Kind.Trusted);
        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var (status, body) = fx.StowWithCurl(gw.DicomWeb, signed.Path, unsigned.Path);
        Assert.True(status == 200, body);
        await gw.DrainAsync(quarantined: 1);

        var ds = DicomFile.Open(signed.Path).DataSet;
        var study = ds.GetString(DicomTags.StudyInstanceUID)!.Trim('\0', ' ');
        var series = ds.GetString(DicomTags.SeriesInstanceUID)!.Trim('\0', ' ');
        var patient = ds.GetString(DicomTags.PatientID)!.Trim();
        using var client = gw.Client(admin: false);
        var studies = JsonDocument.Parse(await client.GetStringAsync($"dicom-web/studies?PatientID={Uri.EscapeDataString(patient)}")).RootElement;
        Assert.Equal(study, studies[0].GetProperty("0020000D").GetProperty("Value")[0].GetString());
        var instances = JsonDocument.Parse(await client.GetStringAsync($"dicom-web/studies/{study}/series/{series}/instances")).RootElement;
        var uids = instances.EnumerateArray().Select(i => i.GetProperty("00080018").GetProperty("Value")[0].GetString()).ToArray();
        Assert.Contains(signed.Uid, uids);
        Assert.DoesNotContain(unsigned.Uid, uids); // quarantined, never archived
        using (var none = await client.GetAsync("dicom-web/studies?PatientID=NOBODY"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, none.StatusCode);
        }
        using (var bad = await client.GetAsync("dicom-web/studies?NoSuchKey=1"))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        }

        // WADO-RS gives back the very bytes that were accepted (multipart/related, application/dicom).
        using var wado = await client.GetAsync($"dicom-web/studies/{study}/series/{series}/instances/{signed.Uid}");
        Assert.True(wado.IsSuccessStatusCode);
        Assert.Equal("multipart/related", wado.Content.Headers.ContentType!.MediaType);
        var boundary = wado.Content.Headers.ContentType.Parameters.First(p => p.Name == "boundary").Value!.Trim('"');
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, await wado.Content.ReadAsStreamAsync());
        var section = await reader.ReadNextSectionAsync();
        using var part = new MemoryStream();
        await section!.Body.CopyToAsync(part);
        Assert.Equal(File.ReadAllBytes(signed.Path), part.ToArray());
    }

    [Fact]
    public async Task Stow_rejects_what_is_not_dicom_and_the_policy_file_can_allow_unsigned_images()
    {
        var policy = GatePolicy.Parse("""{ "requireSignature": false, "watermark": "verify-if-present", "ledger": true, "verification": { "requireTimestamp": false } }""");
        Assert.False(policy.RequireSignature);
        Assert.Throws<FormatException>(() => GatePolicy.Parse("""{ "requireSignatures": false }"""));
        Assert.Throws<FormatException>(() => GatePolicy.Parse("""{ "watermark": "sometimes" }"""));

        await using var gw = await fx.StartGatewayAsync("gate-policy", o => o with { Policy = policy });
        var junk = fx.Dir.File("junk.dcm");
        File.WriteAllText(junk, "this is not DICOM");
        var (status, body) = fx.StowWithCurl(gw.DicomWeb, junk);
        Assert.True(status == 409, $"{status}: {body}");
        Assert.Contains("00081198", body, StringComparison.Ordinal); // Failed SOP Sequence

        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var tampered = fx.Image(GatewayFixture.Kind.Tampered);
        (status, body) = fx.StowWithCurl(gw.DicomWeb, unsigned.Path, tampered.Path);
        Assert.True(status == 200, body);
        await gw.DrainAsync(quarantined: 1);
        Assert.NotNull(gw.Service.Archive.Find(unsigned.Uid)); // unsigned allowed by this policy
        Assert.Null(gw.Service.Archive.Find(tampered.Uid)); // a signature that is there must still verify
        Assert.Contains(SpoolAudit.Lines(gw.Service.Root), a => a.GetProperty("event").GetString() == "rejected");
    }

    [Fact]
    public async Task Quarantine_verbs_list_show_release_and_delete_through_the_server_api()
    {
        await using var gw = await fx.StartGatewayAsync("gate-cli", o => o);
        var unsigned = fx.Image(GatewayFixture.Kind.NoSignature);
        var untrusted = fx.Image(GatewayFixture.Kind.Untrusted);
        Assert.Equal(200, fx.StowWithCurl(gw.DicomWeb, unsigned.Path, untrusted.Path).Status);
        await gw.DrainAsync(quarantined: 2);
        var tokenFile = fx.Dir.File("gate-cli.token");
        File.WriteAllText(tokenFile, gw.Token + "\n");
        string[] server = ["--server", gw.BaseUri.ToString(), "--token-file", tokenFile];

        var list = GatewayFixture.Cli(["quarantine", "list", .. server]);
        GatewayFixture.Ok(list);
        Assert.Contains("2 quarantined", list.Out, StringComparison.Ordinal);
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var unsignedId = lines.First(l => l.Contains(unsigned.Uid, StringComparison.Ordinal)).Split(' ')[0];
        var untrustedId = lines.First(l => l.Contains(untrusted.Uid, StringComparison.Ordinal)).Split(' ')[0];
        Assert.Contains("UNSIGNED", lines.First(l => l.StartsWith(unsignedId, StringComparison.Ordinal)), StringComparison.Ordinal);

        var saved = fx.Dir.File("quarantined-copy.dcm");
        var show = GatewayFixture.Cli(["quarantine", "show", untrustedId, "--out", saved, .. server]);
        GatewayFixture.Ok(show);
        Assert.Contains("UNTRUSTED_SIGNER", show.Out, StringComparison.Ordinal);
        Assert.Contains("signature: FAIL", show.Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(untrusted.Path), File.ReadAllBytes(saved));

        GatewayFixture.Ok(GatewayFixture.Cli(["quarantine", "release", untrustedId, "--actor", "dr-who", .. server]));
        GatewayFixture.Ok(GatewayFixture.Cli(["quarantine", "delete", unsignedId, "--actor", "dr-who", .. server]));
        await gw.DrainAsync();
        Assert.NotNull(gw.Service.Archive.Find(untrusted.Uid));
        Assert.Equal(0, gw.Service.CountIn("quarantine"));

        var missing = GatewayFixture.Cli(["quarantine", "show", unsignedId, .. server]);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("no quarantined image", missing.Err, StringComparison.Ordinal);
        File.WriteAllText(tokenFile, "wrong-token-0123456789\n");
        var refused = GatewayFixture.Cli(["quarantine", "list", .. server]);
        Assert.Equal(7, refused.Exit);
        Assert.Contains("401", refused.Err, StringComparison.Ordinal);
    }
}
