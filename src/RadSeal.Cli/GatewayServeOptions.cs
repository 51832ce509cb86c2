using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Cli.Log;
using RadSeal.Ledger.Storage;
using RadSeal.Provenance.Pki;
using RadSeal.Provenance.Signatures;
using RadSeal.Server.Gateway;
using RadSeal.Watermark;

namespace RadSeal.Cli;

/// <summary>What `radseal serve` was asked for the gateway.</summary>
internal sealed record GatewayServeSettings(
    int DicomPort, string AeTitle, string Mode, string[] Trust, string? Key, string? Cert, string? Password,
    string? Pkcs11, string? Token, string? KeyLabel, string? Pin, string? Forward, string? Policy, string? Spool, bool Disabled);

/// <summary>
/// The gateway's part of `radseal serve` (docs/gateway.md): --dicom-port, --ae, --mode gate|edge, --trust, --key/--cert
/// (or --pkcs11 …), --forward, --policy, --spool, --no-gateway.
/// </summary>
internal sealed class GatewayServeOptions
{
    public const int DefaultDicomPort = 11112;
    public const string DefaultAe = "RADSEAL";

    private readonly Option<int> _dicomPort = new("--dicom-port") { Description = $"DICOM listener port on 127.0.0.1 (default {DefaultDicomPort}; 0 picks a free port)", DefaultValueFactory = _ => DefaultDicomPort };
    private readonly Option<string> _ae = new("--ae") { Description = $"The gateway's AE title (default {DefaultAe})", DefaultValueFactory = _ => DefaultAe };
    private readonly Option<string> _mode = new("--mode") { Description = "gate (default): check every image before it is forwarded; edge: mark, sign and log every image", DefaultValueFactory = _ => "gate" };
    private readonly Option<string[]> _trust = new("--trust") { Description = "Trust anchors for signatures and watermarks (PEM bundle or DER); repeatable. Gate mode without any: everything is quarantined" };
    private readonly Option<string?> _key = new("--key") { Description = "Edge mode: the device's private key (PEM)" };
    private readonly Option<string?> _cert = new("--cert") { Description = "Edge mode: the device certificate (PEM or DER)" };
    private readonly Option<string?> _password = new("--password") { Description = "Edge mode: where the key password is: env:NAME or file:PATH" };
    private readonly Option<string?> _pkcs11 = new("--pkcs11") { Description = "Edge mode: PKCS#11 module holding the device key; with --token, --key-label, --pin" };
    private readonly Option<string?> _token = new("--token") { Description = "PKCS#11 token label" };
    private readonly Option<string?> _keyLabel = new("--key-label") { Description = "PKCS#11 label of the device key" };
    private readonly Option<string?> _pin = new("--pin") { Description = "Where the PKCS#11 user PIN is: env:NAME or file:PATH" };
    private readonly Option<string?> _forward = new("--forward") { Description = "Where accepted images go: https://HOST/dicom-web (STOW-RS) or dicom://AET@HOST:PORT; default: the embedded archive" };
    private readonly Option<string?> _policy = new("--policy") { Description = "Gate policy file (JSON; docs/gateway.md)" };
    private readonly Option<string?> _spool = new("--spool") { Description = "The gateway's spool folder (default: DB.spool next to a SQLite --db, else radseal-spool)" };
    private readonly Option<bool> _disabled = new("--no-gateway") { Description = "Run no gateway (web app and ledger only)" };

    public static GatewayServeOptions AddTo(Command command)
    {
        var o = new GatewayServeOptions();
        o._mode.AcceptOnlyFromAmong("gate", "edge");
        foreach (var option in new Option[] { o._dicomPort, o._ae, o._mode, o._trust, o._key, o._cert, o._password, o._pkcs11, o._token, o._keyLabel, o._pin, o._forward, o._policy, o._spool, o._disabled })
        {
            command.Options.Add(option);
        }
        return o;
    }

    public GatewayServeSettings? Read(ParseResult r) => new(
        r.GetValue(_dicomPort), r.GetValue(_ae)!, r.GetValue(_mode)!, r.GetValue(_trust) ?? [], r.GetValue(_key), r.GetValue(_cert),
        r.GetValue(_password), r.GetValue(_pkcs11), r.GetValue(_token), r.GetValue(_keyLabel), r.GetValue(_pin), r.GetValue(_forward),
        r.GetValue(_policy), r.GetValue(_spool), r.GetValue(_disabled));

    /// <summary>Turns the options into the server's gateway options; a bad option is a LogVerbException with its exit code.</summary>
    public static GatewayOptions? ToGatewayOptions(GatewayServeSettings s, string db, string adminToken)
    {
        if (s.Disabled)
        {
            return null;
        }
        if (s.DicomPort is < 0 or > 65535)
        {
            throw new LogVerbException(ExitCodes.Usage, $"--dicom-port {s.DicomPort} is not a port");
        }
        if (s.AeTitle.Length is 0 or > 16 || s.AeTitle.Any(c => c is < ' ' or > '~' or '\\'))
        {
            throw new LogVerbException(ExitCodes.Usage, $"--ae '{s.AeTitle}': an AE title is 1-16 printable characters, no backslash");
        }
        Uri? forward = null;
        if (s.Forward is { } f)
        {
            if (!Uri.TryCreate(f, UriKind.Absolute, out forward) || forward.Scheme is not ("http" or "https" or "dicom"))
            {
                throw new LogVerbException(ExitCodes.Usage, $"--forward '{f}': use https://HOST/dicom-web or dicom://AET@HOST:PORT");
            }
            if (forward.Scheme == "dicom")
            {
                try
                {
                    _ = CStoreForwarder.ParsePeer(forward, s.AeTitle);
                }
                catch (FormatException ex)
                {
                    throw new LogVerbException(ExitCodes.Usage, $"--forward {ex.Message}");
                }
            }
        }
        GatePolicy policy;
        var anchors = new X509Certificate2Collection();
        try
        {
            policy = s.Policy is null ? GatePolicy.Default : GatePolicy.Load(s.Policy);
            foreach (var t in s.Trust)
            {
                anchors.AddRange(PemFiles.LoadCertificates(t));
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            throw new LogVerbException(ExitCodes.InvalidInput, $"serve: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LogVerbException(ExitCodes.IOError, $"serve: {ex.Message}");
        }
        var mode = s.Mode == "edge" ? GatewayMode.Edge : GatewayMode.Gate;
        EdgeSigning? edge = null;
        if (mode == GatewayMode.Edge)
        {
            edge = LoadEdge(s);
        }
        return new GatewayOptions
        {
            Mode = mode,
            SpoolDirectory = s.Spool ?? (LogStores.IsPostgres(db) ? "radseal-spool" : db + ".spool"),
            Policy = policy,
            TrustAnchors = anchors,
            Forward = forward,
            AdminTokens = [adminToken],
            DicomPort = s.DicomPort,
            AeTitle = s.AeTitle,
            Edge = edge,
        };
    }

    private static EdgeSigning LoadEdge(GatewayServeSettings s)
    {
        SignatureKey key;
        try
        {
            key = SignCommand.LoadSigner(s.Key, s.Cert, s.Password, s.Pkcs11, s.Token, s.KeyLabel, s.Pin);
        }
        catch (UsageException ex)
        {
            throw new LogVerbException(ExitCodes.Usage, $"serve --mode edge: {ex.Message}");
        }
        catch (Exception ex) when (ex is SigningException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new LogVerbException(ExitCodes.SigningFailed, $"serve --mode edge: {ex.Message}");
        }
        // The watermark signs with the same device key, in a PEM file or a PKCS#11 token; an RSA device key signs the
        // DICOM signature only (the watermark's record is signed with ECDSA).
        if (key.Algorithm == SignerKeyAlgorithm.Ecdsa)
        {
            return new EdgeSigning(key, new DeviceKeyWatermarkSigner(key));
        }
        return new EdgeSigning(key, NoWatermark.Instance, Watermark: false);
    }

    private sealed class NoWatermark : IWatermarkSigner
    {
        public static readonly NoWatermark Instance = new();

        public ReadOnlyMemory<byte> Certificate => ReadOnlyMemory<byte>.Empty;

        public byte[] Sign(ReadOnlySpan<byte> message) => throw new InvalidOperationException("this device key cannot sign a watermark");
    }
}
