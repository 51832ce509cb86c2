using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using RadSeal.Provenance.Signatures;

namespace RadSeal.Provenance.Keys;

/// <summary>
/// A signing key inside a PKCS#11 token (an HSM, a smart card, SoftHSM2). Only the MAC goes to the token and only the
/// signature comes back: the private key is generated there as sensitive and non-extractable and never leaves it.
/// </summary>
public sealed class Pkcs11SignatureKey : SignatureKey
{
    private readonly IPkcs11Library library;
    private readonly ISession session;
    private readonly IObjectHandle privateKey;
    private readonly Pkcs11InteropFactories factories;
    private readonly Lock gate = new();

    private Pkcs11SignatureKey(Pkcs11InteropFactories factories, IPkcs11Library library, ISession session, IObjectHandle privateKey, X509Certificate2 certificate)
    {
        this.factories = factories;
        this.library = library;
        this.session = session;
        this.privateKey = privateKey;
        Certificate = certificate;
        Algorithm = AlgorithmOf(certificate) ?? throw new SigningException("the token key's certificate is neither RSA nor ECDSA");
    }

    public override X509Certificate2 Certificate { get; }
    public override SignerKeyAlgorithm Algorithm { get; }

    /// <summary>
    /// Opens the key labelled <paramref name="keyLabel"/> on the token labelled <paramref name="tokenLabel"/>. The
    /// certificate is read from <paramref name="certificatePath"/>, or else from the token (same label).
    /// </summary>
    public static Pkcs11SignatureKey Open(string module, string tokenLabel, string keyLabel, string pin, string? certificatePath = null)
    {
        var (factories, library, session) = Login(module, tokenLabel, pin);
        try
        {
            var key = FindOne(factories, session, CKO.CKO_PRIVATE_KEY, keyLabel)
                ?? throw new SigningException($"token '{tokenLabel}' has no private key labelled '{keyLabel}'");
            X509Certificate2 certificate;
            if (certificatePath is not null)
            {
                certificate = Pki.PemFiles.LoadCertificate(certificatePath);
            }
            else
            {
                var handle = FindOne(factories, session, CKO.CKO_CERTIFICATE, keyLabel)
                    ?? throw new SigningException($"token '{tokenLabel}' has no certificate labelled '{keyLabel}'; give --cert");
                var value = session.GetAttributeValue(handle, [CKA.CKA_VALUE])[0].GetValueAsByteArray();
                certificate = X509CertificateLoader.LoadCertificate(value);
            }
            return new Pkcs11SignatureKey(factories, library, session, key, certificate);
        }
        catch
        {
            session.Dispose();
            library.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Generates an ECDSA key pair (P-256 or P-384) inside the token, private half sensitive and non-extractable, and
    /// returns its public key for a certificate request.
    /// </summary>
    public static PublicKey GenerateEcKey(string module, string tokenLabel, string keyLabel, string pin, int curveBits = 256)
    {
        var curve = curveBits switch
        {
            256 => ECCurve.NamedCurves.nistP256,
            384 => ECCurve.NamedCurves.nistP384,
            _ => throw new SigningException("token keys are P-256 or P-384"),
        };
        var (factories, library, session) = Login(module, tokenLabel, pin);
        using (library)
        using (session)
        {
            try
            {
                return Generate(factories, session, curve, tokenLabel, keyLabel);
            }
            catch (Pkcs11Exception ex)
            {
                throw new SigningException($"the PKCS#11 token could not generate a key: {ex.RV}", ex);
            }
        }
    }

    private static PublicKey Generate(Pkcs11InteropFactories factories, ISession session, ECCurve curve, string tokenLabel, string keyLabel)
    {
        if (FindOne(factories, session, CKO.CKO_PRIVATE_KEY, keyLabel) is not null)
        {
            throw new SigningException($"token '{tokenLabel}' already has a key labelled '{keyLabel}'");
        }
        var oid = new AsnWriter(AsnEncodingRules.DER);
        oid.WriteObjectIdentifier(curve.Oid.Value!);
        var a = factories.ObjectAttributeFactory;
        var id = RandomNumberGenerator.GetBytes(16);
        List<IObjectAttribute> publicTemplate =
        [
            a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, false), a.Create(CKA.CKA_VERIFY, true),
            a.Create(CKA.CKA_LABEL, keyLabel), a.Create(CKA.CKA_ID, id), a.Create(CKA.CKA_EC_PARAMS, oid.Encode()),
        ];
        List<IObjectAttribute> privateTemplate =
        [
            a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_PRIVATE, true), a.Create(CKA.CKA_SIGN, true),
            a.Create(CKA.CKA_SENSITIVE, true), a.Create(CKA.CKA_EXTRACTABLE, false),
            a.Create(CKA.CKA_LABEL, keyLabel), a.Create(CKA.CKA_ID, id),
        ];
        session.GenerateKeyPair(factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN), publicTemplate, privateTemplate,
            out var publicHandle, out _);
        var point = session.GetAttributeValue(publicHandle, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
        // CKA_EC_POINT is DER OCTET STRING holding the uncompressed point 04 || X || Y.
        var raw = AsnDecoder.ReadOctetString(point, AsnEncodingRules.DER, out _);
        var size = (raw.Length - 1) / 2;
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = raw[1..(1 + size)], Y = raw[(1 + size)..] },
        });
        return PublicKey.CreateFromSubjectPublicKeyInfo(ecdsa.ExportSubjectPublicKeyInfo(), out _);
    }

    /// <summary>Stores a certificate on the token beside its key (same label), so signing needs no certificate file.</summary>
    public static void StoreCertificate(string module, string tokenLabel, string label, string pin, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var (factories, library, session) = Login(module, tokenLabel, pin);
        using (library)
        using (session)
        {
            var a = factories.ObjectAttributeFactory;
            try
            {
                session.CreateObject(
                [
                    a.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), a.Create(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509),
                    a.Create(CKA.CKA_TOKEN, true), a.Create(CKA.CKA_LABEL, label), a.Create(CKA.CKA_VALUE, certificate.RawData),
                    a.Create(CKA.CKA_SUBJECT, certificate.SubjectName.RawData),
                ]);
            }
            catch (Pkcs11Exception ex)
            {
                throw new SigningException($"the PKCS#11 token could not store the certificate: {ex.RV}", ex);
            }
        }
    }

    public override byte[] SignMac(ReadOnlySpan<byte> mac, MacAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        try
        {
            return SignInToken(mac, algorithm);
        }
        catch (Pkcs11Exception ex)
        {
            throw new SigningException($"the PKCS#11 token refused to sign: {ex.RV}", ex);
        }
    }

    private byte[] SignInToken(ReadOnlySpan<byte> mac, MacAlgorithm algorithm)
    {
        lock (gate)
        {
            if (Algorithm == SignerKeyAlgorithm.Rsa)
            {
                if (algorithm.IsLegacy)
                {
                    throw new SigningException($"RadSeal does not sign with {algorithm.Term}");
                }
                // CKM_RSA_PKCS pads what it is given: give it DigestInfo || MAC, as RSASSA-PKCS1-v1_5 requires.
                byte[] digestInfo = [.. algorithm.DigestInfoPrefix.Span, .. mac];
                return session.Sign(factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS), privateKey, digestInfo);
            }
            // CKM_ECDSA returns r || s; DICOM (as dcmsign) stores the DER ECDSA-Sig-Value.
            var p1363 = session.Sign(factories.MechanismFactory.Create(CKM.CKM_ECDSA), privateKey, mac.ToArray());
            var half = p1363.Length / 2;
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteIntegerUnsigned(p1363.AsSpan(0, half));
                writer.WriteIntegerUnsigned(p1363.AsSpan(half));
            }
            return writer.Encode();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                session.Logout();
            }
            catch (Pkcs11Exception)
            {
                // Already logged out or the token went away: nothing left to protect.
            }
            session.Dispose();
            library.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Pkcs11Interop imports dlopen from "libdl", a name only a development package provides on current glibc
    /// (libdl.so.2 is the runtime's); resolve it to the runtime library once per process.
    /// </summary>
    private static readonly Lazy<bool> LibdlResolver = new(() =>
    {
        if (OperatingSystem.IsLinux())
        {
            System.Runtime.InteropServices.NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, assembly, path) =>
                name == "libdl" && System.Runtime.InteropServices.NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero);
        }
        return true;
    });

    private static (Pkcs11InteropFactories, IPkcs11Library, ISession) Login(string module, string tokenLabel, string pin)
    {
        _ = LibdlResolver.Value;
        var factories = new Pkcs11InteropFactories();
        IPkcs11Library library;
        try
        {
            library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, module, AppType.MultiThreaded);
        }
        catch (Exception ex) when (ex is UnmanagedException or DllNotFoundException or Pkcs11Exception)
        {
            throw new SigningException($"cannot load the PKCS#11 module '{module}': {ex.Message}", ex);
        }
        try
        {
            var slot = library.GetSlotList(SlotsType.WithTokenPresent)
                .FirstOrDefault(s => string.Equals(s.GetTokenInfo().Label.Trim(), tokenLabel, StringComparison.Ordinal))
                ?? throw new SigningException($"no PKCS#11 token labelled '{tokenLabel}' in '{module}'");
            var session = slot.OpenSession(SessionType.ReadWrite);
            try
            {
                session.Login(CKU.CKU_USER, pin);
            }
            catch (Pkcs11Exception ex)
            {
                session.Dispose();
                throw new SigningException($"PKCS#11 login to token '{tokenLabel}' failed: {ex.RV}", ex);
            }
            return (factories, library, session);
        }
        catch
        {
            library.Dispose();
            throw;
        }
    }

    private static IObjectHandle? FindOne(Pkcs11InteropFactories factories, ISession session, CKO kind, string label)
    {
        var found = session.FindAllObjects(
        [
            factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, kind),
            factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, label),
        ]);
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new SigningException($"{found.Count} objects labelled '{label}' on the token; labels must be unique"),
        };
    }
}
