using System.Buffers.Binary;
using System.Text;

namespace RadSeal.Ledger.Checkpoints;

/// <summary>One signature line of a note: the key's name, its 32-bit ID and the signature bytes after the ID.</summary>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature)
{
    /// <summary>The line as written in the note: em dash, space, name, space, base64(ID || signature), newline.</summary>
    public string FormatLine()
    {
        var blob = new byte[4 + Signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        Signature.CopyTo(blob, 4);
        return $"\u2014 {KeyName} {Convert.ToBase64String(blob)}\n";
    }
}

/// <summary>
/// A C2SP signed note: a UTF-8 text ending in a newline, a blank line, then one or more signature lines. The text must
/// be ignored unless a trusted key's signature on it verifies (<see cref="Open"/>).
/// </summary>
public sealed record Note(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>Notes longer than this are refused before parsing.</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>More signatures than this are refused (the format asks readers to accept at least 16).</summary>
    public const int MaxSignatures = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The whole note: text, blank line, signature lines.</summary>
    public string Format()
    {
        ValidateText(Text);
        if (Signatures.Count == 0)
        {
            throw new InvalidOperationException("A signed note needs at least one signature.");
        }
        var sb = new StringBuilder(Text).Append('\n');
        foreach (var s in Signatures)
        {
            sb.Append(s.FormatLine());
        }
        return sb.ToString();
    }

    /// <summary>The same note with one more signature.</summary>
    public Note WithSignature(NoteSignature signature) => this with { Signatures = [.. Signatures, signature] };

    /// <summary>Parses a note from bytes, which must be valid UTF-8.</summary>
    public static Note Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
        {
            throw new LedgerFormatException($"Note of {bytes.Length} bytes exceeds the limit of {MaxLength}.");
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new LedgerFormatException("Note is not valid UTF-8.", e);
        }
        return Parse(text);
    }

    /// <summary>Parses a note; the signatures are not checked here (see <see cref="Open"/>).</summary>
    /// <exception cref="LedgerFormatException">The text is not a well-formed signed note.</exception>
    public static Note Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (note.Length > MaxLength)
        {
            throw new LedgerFormatException($"Note of {note.Length} characters exceeds the limit of {MaxLength}.");
        }
        if (note.Any(c => c < 0x20 && c != '\n') || note.Contains('\u007f', StringComparison.Ordinal))
        {
            throw new LedgerFormatException("Note contains a control character other than newline.");
        }
        if (!note.EndsWith('\n'))
        {
            throw new LedgerFormatException("Note does not end with a newline.");
        }
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new LedgerFormatException("Note has no blank line before its signatures.");
        }
        if (split + 2 >= note.Length)
        {
            throw new LedgerFormatException("Note has no signature lines.");
        }
        var text = note[..(split + 1)];
        var lines = note[(split + 2)..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            throw new LedgerFormatException($"Note has {lines.Length} signatures; at most {MaxSignatures} are read.");
        }
        var signatures = new List<NoteSignature>(lines.Length);
        foreach (var line in lines)
        {
            signatures.Add(ParseSignatureLine(line));
        }
        return new Note(text, signatures);
    }

    private static NoteSignature ParseSignatureLine(string line)
    {
        if (!line.StartsWith("\u2014 ", StringComparison.Ordinal))
        {
            throw new LedgerFormatException($"Signature line '{line}' does not start with an em dash and a space.");
        }
        var rest = line[2..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            throw new LedgerFormatException($"Signature line '{line}' has no key name and signature.");
        }
        var name = rest[..space];
        if (!NoteKeys.IsValidName(name))
        {
            throw new LedgerFormatException($"Signature line has an invalid key name '{name}'.");
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(rest[(space + 1)..]);
        }
        catch (FormatException e)
        {
            throw new LedgerFormatException($"Signature by '{name}' is not base64.", e);
        }
        if (blob.Length < 5)
        {
            throw new LedgerFormatException($"Signature by '{name}' is too short to hold a key ID and a signature.");
        }
        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]);
    }

    /// <summary>
    /// Verifies the note against trusted keys: signatures from unknown keys are ignored, a failing signature from a
    /// known key rejects the whole note, and at least one known signature must verify.
    /// </summary>
    /// <returns>The signatures that verified, each with its key.</returns>
    /// <exception cref="InvalidSignatureException">A trusted key's signature does not verify.</exception>
    /// <exception cref="UnverifiedNoteException">No trusted key signed the note.</exception>
    public IReadOnlyList<(NoteVerifier Key, NoteSignature Signature)> Open(IEnumerable<NoteVerifier> trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        var keys = trusted.ToList();
        var bytes = Encoding.UTF8.GetBytes(Text);
        var verified = new List<(NoteVerifier, NoteSignature)>();
        foreach (var signature in Signatures)
        {
            var key = keys.FirstOrDefault(k => k.Name == signature.KeyName && k.KeyId == signature.KeyId);
            if (key is null)
            {
                continue;
            }
            if (!key.Verify(bytes, signature.Signature))
            {
                throw new InvalidSignatureException(signature.KeyName, signature.KeyId);
            }
            verified.Add((key, signature));
        }
        if (verified.Count == 0)
        {
            throw new UnverifiedNoteException($"None of the {Signatures.Count} signatures is by a trusted key ({string.Join(", ", keys.Select(k => k.Name))}).");
        }
        return verified;
    }

    internal static void ValidateText(string text)
    {
        if (text.Length == 0 || !text.EndsWith('\n'))
        {
            throw new ArgumentException("A note's text is non-empty and ends with a newline.", nameof(text));
        }
        if (text.Any(c => c < 0x20 && c != '\n'))
        {
            throw new ArgumentException("A note's text holds no control characters other than newline.", nameof(text));
        }
    }
}
