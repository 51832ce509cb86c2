using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Merkle;
using RadSeal.Server;
using RadSeal.Server.Ledger;

namespace RadSeal.Forensics.Tests;

/// <summary>
/// Ledger inclusion in `radseal inspect --log`: a signed image logged by `radseal log append` and served by the real
/// ledger server on loopback is found and its inclusion proof verified; an unlogged image is not found; a wrong key, an
/// unreachable server and a server whose answers are altered in flight are unverifiable, never included.
/// </summary>
public sealed class LedgerInclusionTests : IDisposable
{
    private readonly string dir = Support.TempDir();
    private readonly string passwordEnv = "RADSEAL_LEDGER_PW_" + Guid.NewGuid().ToString("N");

    public LedgerInclusionTests() => Environment.SetEnvironmentVariable(passwordEnv, "ledger inspect password");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(passwordEnv, null);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    private static void Ok((int Code, string Stdout, string Stderr) r) => Assert.True(r.Code == 0, $"exit {r.Code}: {r.Stderr}{r.Stdout}");

    private static (string Layer, string Code, string Severity, string Message) Ledger(List<(string Layer, string Code, string Severity, string Message)> findings) =>
        Assert.Single(findings, f => f.Code.StartsWith("LEDGER_", StringComparison.Ordinal) && f.Code != "LEDGER_DEVICE_MISMATCH");

    [Fact]
    public async Task A_logged_signed_image_is_included_and_nothing_unverified_ever_counts()
    {
        var ca = Path.Combine(dir, "ca");
        Ok(Support.Cli("ca", "init", ca, "--name", "ledger-ca", "--password", "env:" + passwordEnv));
        var device = Path.Combine(dir, "device");
        Ok(Support.Cli("device", "enroll", "--ca", ca, "--ca-password", "env:" + passwordEnv, "--serial", "SAMPLE-0001",
            "--manufacturer", "RadSeal", "--model", "Synthetic sample", "--out", device, "--key-password", "env:" + passwordEnv));
        var sample = Path.Combine(Support.RepoRoot(), "samples", "sample-dx.dcm");
        var signed = Path.Combine(dir, "signed.dcm");
        Ok(Support.Cli("sign", sample, signed, "--key", device + ".key", "--cert", device + ".pem", "--password", "env:" + passwordEnv));
        // Unsigned and never logged: same header, one pixel different.
        var file = DicomFile.Open(sample);
        var image = DicomPixels.Read(file);
        image.Samples[image.Width * 20 + 20] ^= 1;
        var unlogged = Path.Combine(dir, "unlogged.dcm");
        DicomPixels.WithPixels(file, image).Save(unlogged);
        var trust = Path.Combine(ca, "trust.pem");

        var db = Path.Combine(dir, "log.db");
        Ok(Support.Cli("log", "append", "--db", db, signed));
        Ok(Support.Cli("log", "append", "--db", db, sample)); // logged but unsigned
        var app = RadSealServer.Build(new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Ledger = new LedgerHostOptions { Db = db, SubmitTokens = ["0123456789abcdef"] },
        });
        await app.StartAsync();
        string key;
        try
        {
            var url = app.Urls.First();
            var log = ((LedgerHost)app.Services.GetService(typeof(LedgerHost))!).Log;
            // More entries after it, so entry 0's inclusion proof has hashes to alter.
            foreach (var i in Enumerable.Range(0, 5))
            {
                await log.AppendAsync(new EntrySubmission(log.CommitSubject($"1.2.3.{i}"), Hash.Sha256([(byte)i]), default, default));
            }
            key = log.PublicKey.ToString();

            var reports = Inspect(signed, unlogged, sample, "--trust", trust, "--log", url, "--log-key", key);
            var included = Ledger(reports[0].Findings);
            Assert.Equal(("LEDGER_INCLUDED", "info"), (included.Code, included.Severity));
            Assert.Contains("entry 0,", included.Message, StringComparison.Ordinal);
            Assert.Contains("size 7", included.Message, StringComparison.Ordinal);
            Assert.Contains("matches the signer's certificate", included.Message, StringComparison.Ordinal);
            Assert.Equal("authentic", reports[0].Verdict);
            var missing = Ledger(reports[1].Findings);
            Assert.Equal(("LEDGER_NOT_FOUND", "warning"), (missing.Code, missing.Severity));
            Assert.Equal("suspicious", reports[1].Verdict);
            // Inclusion alone is not authenticity: the log records what it was given.
            var unsignedIncluded = Ledger(reports[2].Findings);
            Assert.Equal("LEDGER_INCLUDED", unsignedIncluded.Code);
            Assert.Contains("entry 1,", unsignedIncluded.Message, StringComparison.Ordinal);
            Assert.Contains("logged unsigned", unsignedIncluded.Message, StringComparison.Ordinal);
            Assert.Contains("2 entries record these pixels", unsignedIncluded.Message, StringComparison.Ordinal); // the signed copy has the same pixels
            Assert.Equal("no-evidence", reports[2].Verdict);

            // The wrong key (same name, other key): nothing the log says is believed.
            var wrongKey = Path.Combine(dir, "wrong.key");
            var (code, wrongVkey, err) = Support.Cli("log", "keygen", "--name", log.Origin, "--out", wrongKey);
            Assert.True(code == 0, err);
            File.WriteAllText(Path.Combine(dir, "wrong.vkey"), wrongVkey);
            reports = Inspect(signed, unlogged, "--log", url, "--log-key", "file:" + Path.Combine(dir, "wrong.vkey"));
            foreach (var report in reports)
            {
                var f = Ledger(report.Findings);
                Assert.Equal(("LEDGER_UNVERIFIABLE", "warning"), (f.Code, f.Severity));
                Assert.Contains("does not verify with the given key", f.Message, StringComparison.Ordinal);
                Assert.NotEqual("authentic", report.Verdict); // no --trust: inclusion alone never proves
            }

            // A server that alters its answers in flight: one byte of the entry bundle, or one digit of a proof hash.
            foreach (var target in new[] { "tile/entries/", "log/v1/proof/inclusion" })
            {
                await using var proxy = await TamperingProxy(url, target);
                var r = Assert.Single(Inspect(signed, "--trust", trust, "--log", proxy.Urls.First(), "--log-key", key));
                var f = Ledger(r.Findings);
                Assert.True(f.Code == "LEDGER_UNVERIFIABLE", $"{target}: {f.Code} {f.Message}");
                Assert.DoesNotContain(r.Findings, x => x.Code == "LEDGER_INCLUDED");
            }
            // The proxy passing everything through unaltered finds it: the failures above come from the altered bytes.
            await using (var honest = await TamperingProxy(url, "nothing-matches-this"))
            {
                Assert.Equal("LEDGER_INCLUDED", Ledger(Assert.Single(Inspect(signed, "--log", honest.Urls.First(), "--log-key", key)).Findings).Code);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        var down = Assert.Single(Inspect(signed, "--log", "http://127.0.0.1:9", "--log-key", key));
        Assert.Equal("LEDGER_UNVERIFIABLE", Ledger(down.Findings).Code);

        // Offline, from the store itself, with the same public key.
        var local = Inspect(signed, unlogged, "--log", db, "--log-key", key);
        Assert.Equal("LEDGER_INCLUDED", Ledger(local[0].Findings).Code);
        Assert.Equal("LEDGER_NOT_FOUND", Ledger(local[1].Findings).Code);

        // The signer certificate swapped after logging (the Signature value, and so the signature hash, untouched): the
        // entry is found, and its device fingerprint disagrees.
        var swapped = DicomFile.Open(signed);
        var item = swapped.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence)!.Items[0];
        var caCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(trust)).RawData;
        item.Set(new DicomElement(DicomTags.CertificateOfSigner, DicomVR.OB, caCertificate));
        var swappedPath = Path.Combine(dir, "swapped.dcm");
        swapped.Save(swappedPath);
        var mismatch = Assert.Single(Inspect(swappedPath, "--log", db, "--log-key", key));
        Assert.Equal("LEDGER_INCLUDED", Ledger(mismatch.Findings).Code);
        Assert.Contains(mismatch.Findings, f => f.Code == "LEDGER_DEVICE_MISMATCH" && f.Severity == "warning");
        Assert.Equal("suspicious", mismatch.Verdict);

        // Without --log the gap is named; the options go together.
        var notChecked = Assert.Single(Inspect(unlogged));
        Assert.Equal("LEDGER_NOT_CHECKED", Ledger(notChecked.Findings).Code);
        Assert.Equal("no-evidence", notChecked.Verdict); // so "suspicious" above came from the ledger's warning

        Assert.Equal(2, Support.Cli("inspect", signed, "--log", db).Code);
    }

    // Without the pixel detector: these verdicts are about the ledger layer, and the detector scores the bundled sample
    // (a simulated radiograph) as synthetic, which would turn every "no-evidence" here into "suspicious".
    private static List<(string File, string Verdict, List<(string Layer, string Code, string Severity, string Message)> Findings)> Inspect(params string[] args) =>
        Support.InspectJson([.. args, "--no-pixels"]);

    /// <summary>A loopback proxy to the real server that flips one byte of any response whose path contains <paramref name="target"/>.</summary>
    private static async Task<WebApplication> TamperingProxy(string upstream, string target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var client = new HttpClient { BaseAddress = new Uri(upstream.TrimEnd('/') + "/") };
        app.Map("/{**path}", async (HttpContext context) =>
        {
            var path = context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString.Value;
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.IsSuccessStatusCode && path.Contains(target, StringComparison.Ordinal))
            {
                if (target.StartsWith("tile/", StringComparison.Ordinal))
                {
                    body[2 + LogEntry.Length - 1] ^= 1; // the last byte of entry 0's integration time
                }
                else
                {
                    var text = System.Text.Encoding.UTF8.GetString(body);
                    var at = text.IndexOf("\"proof\"", StringComparison.Ordinal);
                    at = text.IndexOf('"', text.IndexOf('[', at) + 1) + 1; // first digit of the first proof hash
                    body = System.Text.Encoding.UTF8.GetBytes(text[..at] + (text[at] == '0' ? '1' : '0') + text[(at + 1)..]);
                }
            }
            context.Response.StatusCode = (int)response.StatusCode;
            await context.Response.Body.WriteAsync(body);
        });
        app.Lifetime.ApplicationStopped.Register(client.Dispose);
        await app.StartAsync();
        return app;
    }
}
