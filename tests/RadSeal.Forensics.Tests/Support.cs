using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace RadSeal.Forensics.Tests;

internal static class Support
{
    /// <summary>Kermany et al. chest radiographs (CC BY 4.0), read from the shared data folder, never copied.</summary>
    public const string KermanyRoot = "/work/shared/data/cxr-kermany-224";

    public static string KermanyJpeg(int index = 0)
    {
        var dir = Path.Combine(KermanyRoot, "test", "NORMAL");
        Assert.True(Directory.Exists(dir), $"{dir} is missing: the shared Kermany chest radiographs are needed");
        return Directory.EnumerateFiles(dir, "*.jpeg").Order(StringComparer.Ordinal).ElementAt(index);
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RadSeal.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("RadSeal.slnx not found above the test binaries");
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "radseal-forensics-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static (int Code, string Stdout, string Stderr) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = RadSeal.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`radseal inspect --json` parsed; checks the contract's shape on the way.</summary>
    public static List<(string File, string Verdict, List<(string Layer, string Code, string Severity, string Message)> Findings)> InspectJson(params string[] args)
    {
        var (code, stdout, stderr) = Cli(["inspect", "--json", .. args]);
        Assert.True(code == 0, $"inspect exited {code}: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        var result = new List<(string, string, List<(string, string, string, string)>)>();
        foreach (var file in doc.RootElement.EnumerateArray())
        {
            Assert.Equal(["file", "verdict", "findings"], file.EnumerateObject().Select(p => p.Name));
            var verdict = file.GetProperty("verdict").GetString()!;
            Assert.Contains(verdict, new[] { "authentic", "tampered", "declared-ai", "suspicious", "no-evidence" });
            var findings = new List<(string, string, string, string)>();
            foreach (var f in file.GetProperty("findings").EnumerateArray())
            {
                Assert.Equal(["layer", "code", "severity", "message"], f.EnumerateObject().Select(p => p.Name));
                findings.Add((f.GetProperty("layer").GetString()!, f.GetProperty("code").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("message").GetString()!));
            }
            result.Add((file.GetProperty("file").GetString()!, verdict, findings));
        }
        return result;
    }

    /// <summary>A test CA and a leaf that meets the C2PA signing-credential profile (c2pa-ts checks it).</summary>
    public static (string KeyPem, string CertPem, string CaPem) C2paCredentials(string dir, string name)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} CA, O=RadSeal Test", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var caSki = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false);
        caRequest.CertificateExtensions.Add(caSki);
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} Signer, O=RadSeal Test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(caSki));
        using var leaf = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);
        var keyPem = Path.Combine(dir, name + "-key.pem");
        var certPem = Path.Combine(dir, name + "-cert.pem");
        var caPem = Path.Combine(dir, name + "-ca.pem");
        File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPem, leaf.ExportCertificatePem());
        File.WriteAllText(caPem, ca.ExportCertificatePem());
        return (keyPem, certPem, caPem);
    }
}
