using System.Globalization;

namespace RadSeal.Provenance.Tests;

/// <summary>
/// A hospital CA made with openssl, as a site would have one: an ECDSA P-384 root and `openssl ca` issuing device
/// certificates (RSA or ECDSA) whose subject names the device by its X.520 serialNumber. Validity starts in the past
/// so that signing moments after issuing is never "before notBefore" (dcmsign compares at one-second resolution).
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly TempDir dir = new();
    private int counter;

    public TestPki()
    {
        System.IO.File.WriteAllText(File("index.txt"), "");
        System.IO.File.WriteAllText(File("serial"), "1000\n");
        System.IO.File.WriteAllText(File("ca.cnf"), CaConfig);
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", File("ca.key"),
            "-out", File("ca.pem"), "-days", "3650", "-subj", "/O=Test Hospital/CN=Test Hospital Device CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    public string CaCert => File("ca.pem");
    public string CaKey => File("ca.key");
    public string Dir => dir.Path;

    public string File(string name) => dir.File(name);

    /// <summary>Issues a device certificate; <paramref name="key"/> is rsa, rsa1024, p256, p384 or p521.</summary>
    public (string Key, string Cert) Issue(string key, string serialNumber = "SAMPLE-0001", string start = "20240101000000Z",
        string end = "20360101000000Z", string extensions = "ext_device")
    {
        var n = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        var keyPath = File($"dev{n}.key");
        var certPath = File($"dev{n}.pem");
        var genArgs = key switch
        {
            "rsa" => new[] { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048" },
            "rsa1024" => ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
            "p256" => ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "p384" => ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "p521" => ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
            _ => throw new ArgumentException(key),
        };
        OpenSsl(["genpkey", .. genArgs, "-out", keyPath]);
        OpenSsl("req", "-new", "-key", keyPath, "-out", File($"dev{n}.csr"), "-subj", $"/O=Test Hospital/CN=Device {n}/serialNumber={serialNumber}");
        OpenSsl("ca", "-batch", "-config", File("ca.cnf"), "-cert", CaCert, "-keyfile", CaKey, "-in", File($"dev{n}.csr"),
            "-out", certPath, "-startdate", start, "-enddate", end, "-extensions", extensions, "-notext", "-preserveDN");
        return (keyPath, certPath);
    }

    /// <summary>A self-signed certificate made with `openssl req -x509` (validity starting now).</summary>
    public (string Key, string Cert) SelfSigned(string subject)
    {
        var n = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        var keyPath = File($"self{n}.key");
        var certPath = File($"self{n}.pem");
        OpenSsl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "30", "-subj", subject);
        return (keyPath, certPath);
    }

    /// <summary>Revokes a certificate and writes the CA's CRL (PEM) to a file.</summary>
    public string Revoke(string certPath)
    {
        OpenSsl("ca", "-batch", "-config", File("ca.cnf"), "-cert", CaCert, "-keyfile", CaKey, "-revoke", certPath);
        return Crl();
    }

    public string Crl()
    {
        var path = File($"crl{Interlocked.Increment(ref counter)}.pem");
        OpenSsl("ca", "-batch", "-config", File("ca.cnf"), "-cert", CaCert, "-keyfile", CaKey, "-gencrl", "-crldays", "30", "-out", path);
        return path;
    }

    public static ProcessResult OpenSsl(params string[] args) =>
        Peers.Run("openssl", args, stdin: null, TimeSpan.FromMinutes(1)).EnsureSuccess("openssl " + string.Join(' ', args.Take(2)));

    public void Dispose() => dir.Dispose();

    private string CaConfig => $"""
        [ ca ]
        default_ca = CA_default
        [ CA_default ]
        dir = {dir.Path}
        database = $dir/index.txt
        new_certs_dir = $dir
        serial = $dir/serial
        default_md = sha384
        default_crl_days = 30
        policy = policy_any
        unique_subject = no
        [ policy_any ]
        organizationName = optional
        commonName = supplied
        serialNumber = optional
        [ ext_device ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,nonRepudiation
        extendedKeyUsage = 1.3.6.1.5.5.7.3.36
        [ ext_tsa ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,nonRepudiation
        extendedKeyUsage = critical,timeStamping
        [ ext_tls ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,keyEncipherment
        extendedKeyUsage = serverAuth
        """;
}
