using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RadSeal.Dicom;
using RadSeal.Provenance.Pki;
using RadSeal.Server;
using RadSeal.Server.Gateway;
using RadSeal.Server.Ledger;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>
/// What the gateway tests share: a hospital CA and a device enrolled with `radseal ca init` / `radseal device enroll`,
/// a second CA nobody trusts, images signed with `radseal sign`, STOW-RS uploads made with curl, and Orthanc.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";
    private int _counter;

    public TempDir Dir { get; } = new();

    public string PasswordEnv { get; } = "RADSEAL_GW_PW_" + Guid.NewGuid().ToString("N");

    public string Trust => Path.Combine(Dir.File("ca"), "trust.pem");

    public string DeviceKey => Dir.File("device") + ".key";

    public string DeviceCert => Dir.File("device") + ".pem";

    public Orthanc Orthanc { get; private set; } = null!;

    public static string Sample => Path.Combine(RepoRoot.Path, "samples", "sample-dx.dcm");

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(PasswordEnv, Password);
        foreach (var (ca, device) in new[] { ("ca", "device"), ("other-ca", "other-device") })
        {
            Ok(Cli("ca", "init", Dir.File(ca), "--name", ca == "ca" ? "Test Hospital Device CA" : "Somebody Else's CA", "--password", "env:" + PasswordEnv));
            Ok(Cli("device", "enroll", "--ca", Dir.File(ca), "--ca-password", "env:" + PasswordEnv, "--serial", "SAMPLE-0001",
                "--manufacturer", "RadSeal", "--model", "Synthetic sample", "--out", Dir.File(device), "--key-password", "env:" + PasswordEnv));
        }
        Orthanc = await Orthanc.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _key?.Dispose();
        await Orthanc.DisposeAsync();
        Environment.SetEnvironmentVariable(PasswordEnv, null);
        Dir.Dispose();
    }

    public static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static void Ok((int Exit, string Out, string Err) r) => Assert.True(r.Exit == 0, $"exit {r.Exit}: {r.Err}{r.Out}");

    public enum Kind
    {
        Trusted,
        NoSignature,
        Tampered,
        Untrusted,
    }

    private RadSeal.Provenance.Signatures.SoftwareSignatureKey? _key;

    /// <summary>
    /// A copy of the sample with a fresh SOP Instance UID, signed, unsigned, tampered after signing, or signed by an
    /// untrusted device. Signed with `radseal sign`, or, for streams of many images, with the library and one loaded key
    /// (the encrypted key's PBKDF2 costs a third of a second per `radseal sign`).
    /// </summary>
    public (string Path, string Uid) Image(Kind kind, bool viaCli = true)
    {
        var n = Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        var file = DicomFile.Open(Sample);
        var uid = DicomUid.Generate();
        file.DataSet.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, uid);
        file.Meta.SetString(DicomTags.MediaStorageSOPInstanceUID, DicomVR.UI, uid);
        var plain = Dir.File($"plain{n}.dcm");
        file.Save(plain);
        if (kind == Kind.NoSignature)
        {
            return (plain, uid);
        }
        var device = kind == Kind.Untrusted ? Dir.File("other-device") : Dir.File("device");
        var signed = Dir.File($"{kind}{n}.dcm".ToLowerInvariant());
        if (!viaCli && kind == Kind.Trusted)
        {
            _key ??= RadSeal.Provenance.Signatures.SoftwareSignatureKey.Load(DeviceKey, DeviceCert, Password);
            lock (_key)
            {
                RadSeal.Provenance.Signatures.DicomSigner.Sign(file, _key);
            }
            file.Save(signed, new WriteOptions { TransferSyntax = RadSeal.Provenance.Signatures.DicomSigner.OutputSyntax(file.TransferSyntax) });
            return (signed, uid);
        }
        Ok(Cli("sign", plain, signed, "--key", device + ".key", "--cert", device + ".pem", "--password", "env:" + PasswordEnv));
        if (kind == Kind.Tampered)
        {
            var tampered = DicomFile.Open(signed);
            tampered.DataSet.SetString(DicomTags.PatientName, DicomVR.PN, "Somebody^Else");
            var path = Dir.File($"tampered-out{n}.dcm");
            tampered.Save(path);
            return (path, uid);
        }
        return (signed, uid);
    }

    /// <summary>The device key for an edge gateway: the signature key and the watermark's ECDSA signer (dispose both).</summary>
    public (RadSeal.Provenance.Signatures.SoftwareSignatureKey Key, RadSeal.Watermark.EcdsaSigner Mark) EdgeKeys()
    {
        var ecdsa = System.Security.Cryptography.ECDsa.Create();
        ecdsa.ImportFromEncryptedPem(File.ReadAllText(DeviceKey), Password);
        var key = RadSeal.Provenance.Signatures.SoftwareSignatureKey.Load(DeviceKey, DeviceCert, Password);
        return (key, new RadSeal.Watermark.EcdsaSigner(ecdsa, key.Certificate));
    }

    /// <summary>POSTs the files as one STOW-RS request with curl; returns the HTTP status and the body.</summary>
    public (int Status, string Body) StowWithCurl(Uri dicomWebRoot, params string[] files)
    {
        var boundary = "curl-stow-" + Guid.NewGuid().ToString("N");
        var body = Dir.File($"stow-{Guid.NewGuid():N}.bin");
        using (var stream = File.Create(body))
        {
            foreach (var f in files)
            {
                stream.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"));
                stream.Write(File.ReadAllBytes(f));
                stream.Write("\r\n"u8);
            }
            stream.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        }
        var response = Dir.File($"stow-{Guid.NewGuid():N}.json");
        var r = Peers.Run("curl", ["-sS", "-o", response, "-w", "%{http_code}", "-X", "POST",
            "-H", $"Content-Type: multipart/related; type=\"application/dicom\"; boundary={boundary}",
            "-H", "Accept: application/dicom+json", "--data-binary", "@" + body, dicomWebRoot.ToString().TrimEnd('/') + "/studies"], stdin: null, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, "curl failed: " + r.Stderr);
        return (int.Parse(r.Stdout.Trim(), CultureInfo.InvariantCulture), File.Exists(response) ? File.ReadAllText(response) : "");
    }

    /// <summary>A gateway in this process (Kestrel on a free loopback port, SQLite ledger), stopped at the end.</summary>
    public async Task<GatewayServer> StartGatewayAsync(string name, Func<GatewayOptions, GatewayOptions> configure)
    {
        var dir = Dir.File(name);
        Directory.CreateDirectory(dir);
        var token = "admin-token-" + name + "-0123456789";
        var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        anchors.AddRange(PemFiles.LoadCertificates(Trust));
        var options = configure(new GatewayOptions
        {
            SpoolDirectory = Path.Combine(dir, "spool"),
            TrustAnchors = anchors,
            AdminTokens = [token],
            RetryInterval = TimeSpan.FromMilliseconds(300),
        });
        var app = RadSealServer.Build(new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Ledger = new LedgerHostOptions { Db = Path.Combine(dir, "radseal.db"), SubmitTokens = [token] },
            Gateway = options,
        });
        await app.StartAsync();
        return new GatewayServer(app, token);
    }
}

public sealed class GatewayServer(WebApplication app, string token) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public string Token { get; } = token;

    public Uri BaseUri { get; } = new(app.Urls.First() + "/");

    public Uri DicomWeb => new(BaseUri, "dicom-web");

    public GatewayService Service => App.Services.GetRequiredService<GatewayService>();

    public LedgerHost Ledger => App.Services.GetRequiredService<LedgerHost>();

    public HttpClient Client(bool admin = true)
    {
        var client = new HttpClient { BaseAddress = BaseUri };
        if (admin)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        }
        return client;
    }

    /// <summary>
    /// Waits until nothing is waiting in incoming/ or outbox/ and no image is in progress (every image decided and
    /// forwarded: the archive's index and the audit line come after the file leaves the outbox).
    /// </summary>
    public async Task DrainAsync(int quarantined = -1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (Service.CountIn("incoming") + Service.CountIn("outbox") + Service.InProgress > 0 || (quarantined >= 0 && Service.CountIn("quarantine") < quarantined))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the spool did not drain: {Service.CountIn("incoming")} incoming, {Service.CountIn("outbox")} in the outbox, {Service.InProgress} in progress, {Service.CountIn("quarantine")} quarantined");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
