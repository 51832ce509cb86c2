using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RadSeal.Provenance.Signatures;

/// <summary>
/// Parsed signer certificates, reused by their DER bytes. A gateway checks thousands of images from a handful of
/// devices; parsing each image's certificate again (its names, extensions and dates decoded anew) cost more than
/// hashing a half-megabyte image. Each thread keeps its own instances: an <see cref="X509Certificate2"/> decodes its
/// parts lazily and is not safe to use from several threads at once (shared, concurrent verifications of one device's
/// images failed now and then with a key usage read half-decoded). Nobody may dispose them. Bounded: past
/// <see cref="Capacity"/> distinct certificates a thread's cache starts over (images with ever-new certificates are
/// parsed each time, as without it).
/// </summary>
internal static class SignerCertificates
{
    public const int Capacity = 256;

    [ThreadStatic]
    private static Dictionary<string, X509Certificate2>? _cache;

    /// <summary>The certificate in <paramref name="der"/>, or null when the bytes are not an X.509 certificate.</summary>
    public static X509Certificate2? TryLoad(ReadOnlySpan<byte> der)
    {
        if (der.IsEmpty)
        {
            return null;
        }
        var cache = _cache ??= new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        // The DER itself is the key (no hash: two different certificates can never share an entry).
        var key = Convert.ToBase64String(der);
        if (cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return null;
        }
        if (cache.Count >= Capacity)
        {
            cache.Clear();
        }
        cache[key] = certificate;
        return certificate;
    }
}
