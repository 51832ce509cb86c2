using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Entries;

/// <summary>
/// What a submitter asks the log to record about one image: four hashes and nothing that names a patient.
/// The log adds the integration time when it sequences the entry.
/// </summary>
/// <param name="SubjectCommitment">HMAC-SHA256 of the SOP Instance UID under the site's commitment key (<see cref="SubjectCommitments"/>).</param>
/// <param name="PixelHash">SHA-256 of the pixel content.</param>
/// <param name="SignatureHash">SHA-256 of the image's digital signature (all zero for an unsigned image).</param>
/// <param name="DeviceCertificateFingerprint">SHA-256 of the signing device's certificate, DER (all zero if none).</param>
public sealed record EntrySubmission(Hash SubjectCommitment, Hash PixelHash, Hash SignatureHash, Hash DeviceCertificateFingerprint);

/// <summary>
/// A log entry, format v1 (docs/ledger.md): 137 bytes, the version byte 0x01, the four 32-byte hashes of the
/// submission in order, and the integration time as a big-endian signed 64-bit count of milliseconds since the Unix
/// epoch (UTC). The leaf hash is RFC 9162's SHA-256(0x00 || these bytes). A later format changes the version byte.
/// </summary>
public sealed record LogEntry(EntrySubmission Submission, DateTimeOffset IntegratedAt)
{
    /// <summary>The version byte of this format.</summary>
    public const byte Version = 1;

    /// <summary>The encoded length.</summary>
    public const int Length = 1 + 4 * Hash.Size + 8;

    /// <summary>The entry bytes, as served in entry bundles and hashed into the tree.</summary>
    public byte[] Encode()
    {
        ArgumentNullException.ThrowIfNull(Submission);
        var bytes = new byte[Length];
        bytes[0] = Version;
        Submission.SubjectCommitment.CopyTo(bytes.AsSpan(1, Hash.Size));
        Submission.PixelHash.CopyTo(bytes.AsSpan(1 + Hash.Size, Hash.Size));
        Submission.SignatureHash.CopyTo(bytes.AsSpan(1 + 2 * Hash.Size, Hash.Size));
        Submission.DeviceCertificateFingerprint.CopyTo(bytes.AsSpan(1 + 3 * Hash.Size, Hash.Size));
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1 + 4 * Hash.Size), IntegratedAt.ToUnixTimeMilliseconds());
        return bytes;
    }

    /// <summary>Reads entry bytes.</summary>
    /// <exception cref="LedgerFormatException">Wrong length or an unknown version.</exception>
    public static LogEntry Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes[0] != Version)
        {
            throw new LedgerFormatException(bytes.Length == 0 ? "Empty log entry." : $"Log entry version {bytes[0]} is not known (this reader knows {Version}).");
        }
        if (bytes.Length != Length)
        {
            throw new LedgerFormatException($"A v1 log entry is {Length} bytes, not {bytes.Length}.");
        }
        var submission = new EntrySubmission(
            Hash.FromBytes(bytes.Slice(1, Hash.Size)),
            Hash.FromBytes(bytes.Slice(1 + Hash.Size, Hash.Size)),
            Hash.FromBytes(bytes.Slice(1 + 2 * Hash.Size, Hash.Size)),
            Hash.FromBytes(bytes.Slice(1 + 3 * Hash.Size, Hash.Size)));
        var millis = BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(1 + 4 * Hash.Size));
        if (millis < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new LedgerFormatException($"Log entry time {millis} ms is out of range.");
        }
        return new LogEntry(submission, DateTimeOffset.FromUnixTimeMilliseconds(millis));
    }

    /// <summary>The entry's leaf hash.</summary>
    public Hash LeafHash() => TreeHasher.HashLeaf(Encode());
}

/// <summary>
/// Keyed commitments to a SOP Instance UID: HMAC-SHA256(key, "radseal/ledger/v1/sop-instance-uid\n" || UID). Whoever
/// holds the site's key can find an image's entries from its UID; anyone else sees 32 opaque bytes and cannot test
/// guesses (UIDs are structured and guessable, so a plain hash would not hide them).
/// </summary>
public static class SubjectCommitments
{
    /// <summary>The size of a commitment key.</summary>
    public const int KeySize = 32;

    private static readonly byte[] Label = "radseal/ledger/v1/sop-instance-uid\n"u8.ToArray();

    /// <summary>A new random commitment key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <summary>Commits to a UID (1 to 64 characters of digits and dots, as DICOM UIDs are).</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes or the UID is not UID-shaped.</exception>
    public static Hash Compute(ReadOnlySpan<byte> key, string sopInstanceUid)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"A commitment key is {KeySize} bytes.", nameof(key));
        }
        if (!IsUidShaped(sopInstanceUid))
        {
            throw new ArgumentException("A SOP Instance UID is 1 to 64 characters of digits and dots.", nameof(sopInstanceUid));
        }
        var uid = Encoding.ASCII.GetBytes(sopInstanceUid);
        return Hash.FromBytes(HMACSHA256.HashData(key, [.. Label, .. uid]));
    }

    /// <summary>True for 1 to 64 characters of digits and dots (the UI value representation's character set).</summary>
    public static bool IsUidShaped(string? uid) =>
        !string.IsNullOrEmpty(uid) && uid.Length <= 64 && uid.All(c => c == '.' || char.IsAsciiDigit(c));
}
