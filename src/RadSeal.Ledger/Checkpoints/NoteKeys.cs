using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace RadSeal.Ledger.Checkpoints;

/// <summary>The signature types of C2SP signed-note that RadSeal uses.</summary>
public enum NoteKeyType : byte
{
    /// <summary>Ed25519 over the note text: how a log signs its checkpoints.</summary>
    Ed25519 = 0x01,

    /// <summary>Timestamped Ed25519 cosignature (C2SP tlog-cosignature, cosignature/v1): how a witness cosigns.</summary>
    CosignatureV1 = 0x04,
}

/// <summary>Key IDs and name rules shared by signers and verifiers.</summary>
public static class NoteKeys
{
    /// <summary>Key names are non-empty and contain neither Unicode spaces nor '+'.</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrEmpty(name) && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c));

    /// <summary>key ID = SHA-256(name || 0x0A || type || public key)[:4], big-endian.</summary>
    public static uint KeyId(string name, NoteKeyType type, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(buffer, 0);
        buffer[nameBytes.Length] = 0x0A;
        buffer[nameBytes.Length + 1] = (byte)type;
        publicKey.CopyTo(buffer.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(buffer));
    }

    /// <summary>Decodes base64(type || 32 bytes) of a vkey or skey, accepting only the types RadSeal supports.</summary>
    internal static byte[] DecodeKeyMaterial(string base64, string kind)
    {
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(base64);
        }
        catch (FormatException e)
        {
            throw new LedgerFormatException($"The {kind} key's key material is not base64.", e);
        }
        if (blob.Length != 33 || blob[0] is not ((byte)NoteKeyType.Ed25519 or (byte)NoteKeyType.CosignatureV1))
        {
            throw new LedgerFormatException($"Only Ed25519 (0x01) and cosignature/v1 (0x04) {kind} keys of 32 bytes are supported.");
        }
        return blob;
    }

    /// <summary>The message a cosignature/v1 signs: a header line, a time line, then the whole note text.</summary>
    public static byte[] CosignedMessage(string text, ulong timestamp) =>
        Encoding.UTF8.GetBytes($"cosignature/v1\ntime {timestamp.ToString(CultureInfo.InvariantCulture)}\n{text}");
}

/// <summary>
/// A public key that checks note signatures, written as a C2SP verifier key (vkey): <c>name+hexID+base64(type || key)</c>.
/// </summary>
public sealed class NoteVerifier
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly PublicKey _key;

    private NoteVerifier(string name, NoteKeyType type, PublicKey key, byte[] publicKey)
    {
        Name = name;
        Type = type;
        _key = key;
        PublicKey = publicKey;
        KeyId = NoteKeys.KeyId(name, type, publicKey);
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The signature type.</summary>
    public NoteKeyType Type { get; }

    /// <summary>The 32-byte Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The key ID.</summary>
    public uint KeyId { get; }

    /// <summary>A verifier for a raw Ed25519 public key.</summary>
    public static NoteVerifier Create(string name, NoteKeyType type, ReadOnlySpan<byte> publicKey)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException($"Invalid key name '{name}'.", nameof(name));
        }
        if (type is not (NoteKeyType.Ed25519 or NoteKeyType.CosignatureV1))
        {
            throw new ArgumentException($"Unsupported signature type 0x{(byte)type:x2}.", nameof(type));
        }
        if (!NSec.Cryptography.PublicKey.TryImport(Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new ArgumentException("Not a valid Ed25519 public key.", nameof(publicKey));
        }
        return new NoteVerifier(name, type, key, publicKey.ToArray());
    }

    /// <summary>Parses a vkey.</summary>
    /// <exception cref="LedgerFormatException">Malformed, unsupported type, or a key ID that does not match.</exception>
    public static NoteVerifier Parse(string vkey)
    {
        ArgumentNullException.ThrowIfNull(vkey);
        var parts = vkey.Trim().Split('+', 3);
        if (parts.Length != 3 || !NoteKeys.IsValidName(parts[0]) || parts[1].Length != 8 || !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
        {
            throw new LedgerFormatException("A verifier key reads name+hexID+base64(type || key).");
        }
        var blob = NoteKeys.DecodeKeyMaterial(parts[2], "verifier");
        NoteVerifier verifier;
        try
        {
            verifier = Create(parts[0], (NoteKeyType)blob[0], blob.AsSpan(1));
        }
        catch (ArgumentException e)
        {
            throw new LedgerFormatException(e.Message, e);
        }
        if (verifier.KeyId != id)
        {
            throw new LedgerFormatException($"The verifier key's ID {parts[1]} does not match its name and key ({verifier.KeyId:x8}).");
        }
        return verifier;
    }

    /// <summary>The vkey text.</summary>
    public override string ToString() =>
        $"{Name}+{KeyId:x8}+{Convert.ToBase64String([(byte)Type, .. PublicKey])}";

    /// <summary>Checks <paramref name="signature"/> (the bytes after the key ID) over the note text.</summary>
    public bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature)
    {
        if (Type == NoteKeyType.Ed25519)
        {
            return signature.Length == 64 && Ed25519.Verify(_key, text, signature);
        }
        if (signature.Length != 8 + 64)
        {
            return false;
        }
        var timestamp = BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (timestamp > long.MaxValue)
        {
            return false;
        }
        var message = NoteKeys.CosignedMessage(Encoding.UTF8.GetString(text), timestamp);
        return Ed25519.Verify(_key, message, signature[8..]);
    }

    /// <summary>The time a cosignature/v1 was made (seconds since the epoch), read from its signature bytes.</summary>
    public static ulong CosignatureTime(NoteSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return signature.Signature.Length == 72 ? BinaryPrimitives.ReadUInt64BigEndian(signature.Signature) : 0;
    }
}

/// <summary>
/// A private key that signs notes, written as a C2SP signer key (skey): <c>PRIVATE+KEY+name+hexID+base64(type || seed)</c>.
/// Keep it secret: it is the log's (or the witness's) identity.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private NoteSigner(string name, NoteKeyType type, Key key)
    {
        Name = name;
        Type = type;
        _key = key;
        Verifier = NoteVerifier.Create(name, type, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The signature type.</summary>
    public NoteKeyType Type { get; }

    /// <summary>The matching verifier (publish its vkey).</summary>
    public NoteVerifier Verifier { get; }

    /// <summary>The key ID.</summary>
    public uint KeyId => Verifier.KeyId;

    /// <summary>A new random key.</summary>
    public static NoteSigner Generate(string name, NoteKeyType type = NoteKeyType.Ed25519)
    {
        if (!NoteKeys.IsValidName(name))
        {
            throw new ArgumentException($"Invalid key name '{name}'.", nameof(name));
        }
        var key = Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new NoteSigner(name, type, key);
    }

    /// <summary>Parses an skey.</summary>
    /// <exception cref="LedgerFormatException">Malformed, unsupported type, or a key ID that does not match.</exception>
    public static NoteSigner Parse(string skey)
    {
        ArgumentNullException.ThrowIfNull(skey);
        var parts = skey.Trim().Split('+', 5);
        if (parts.Length != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || !NoteKeys.IsValidName(parts[2]) || parts[3].Length != 8
            || !uint.TryParse(parts[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
        {
            throw new LedgerFormatException("A signer key reads PRIVATE+KEY+name+hexID+base64(type || seed).");
        }
        var blob = NoteKeys.DecodeKeyMaterial(parts[4], "signer");
        var type = (NoteKeyType)blob[0];
        var key = Key.Import(Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        CryptographicOperations.ZeroMemory(blob);
        var signer = new NoteSigner(parts[2], type, key);
        if (signer.KeyId != id)
        {
            signer.Dispose();
            throw new LedgerFormatException($"The signer key's ID {parts[3]} does not match its name and key ({signer.KeyId:x8}).");
        }
        return signer;
    }

    /// <summary>The skey text (secret).</summary>
    public string Format()
    {
        var seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            return $"PRIVATE+KEY+{Name}+{KeyId:x8}+{Convert.ToBase64String([(byte)Type, .. seed])}";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Signs a note text. Cosignatures take their time from <paramref name="time"/> (now if null).</summary>
    public NoteSignature Sign(string text, DateTimeOffset? time = null)
    {
        Note.ValidateText(text);
        if (Type == NoteKeyType.Ed25519)
        {
            return new NoteSignature(Name, KeyId, Ed25519.Sign(_key, Encoding.UTF8.GetBytes(text)));
        }
        var timestamp = (ulong)(time ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var signature = new byte[8 + 64];
        BinaryPrimitives.WriteUInt64BigEndian(signature, timestamp);
        Ed25519.Sign(_key, NoteKeys.CosignedMessage(text, timestamp), signature.AsSpan(8));
        return new NoteSignature(Name, KeyId, signature);
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
