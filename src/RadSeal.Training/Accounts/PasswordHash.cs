using System.Security.Cryptography;
using System.Text;

namespace RadSeal.Training.Accounts;

/// <summary>PBKDF2-HMAC-SHA256 password hashes with a random 16-byte salt per user; the iteration count is stored with each hash.</summary>
public sealed record PasswordHash(byte[] Salt, byte[] Hash, int Iterations)
{
    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(16);
        return new PasswordHash(salt, Derive(password, salt, iterations), iterations);
    }

    /// <summary>Constant-time comparison of the derived key.</summary>
    public bool Matches(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations), Hash);
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);

    /// <summary>A random password of URL-safe characters (for the first admin account).</summary>
    public static string NewRandomPassword(int length = 20)
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
