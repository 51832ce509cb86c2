using System.Globalization;
using System.Text;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Ledger.Checkpoints;

/// <summary>
/// A C2SP tlog-checkpoint body: the log's origin line, the tree size in decimal, the root hash in base64, then optional
/// extension lines, each ending in a newline. A v2 format would change the first line (the origin names the log and
/// its format together), so parsers keep to these three lines and carry extension lines through untouched.
/// </summary>
public sealed record Checkpoint(string Origin, long Size, Hash Root, IReadOnlyList<string> Extensions)
{
    /// <summary>A checkpoint without extension lines.</summary>
    public Checkpoint(string origin, long size, Hash root)
        : this(origin, size, root, [])
    {
    }

    /// <summary>The body text, ending in a newline.</summary>
    public string Format()
    {
        ValidateOrigin(Origin);
        ArgumentOutOfRangeException.ThrowIfNegative(Size);
        var sb = new StringBuilder();
        sb.Append(Origin).Append('\n');
        sb.Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(Root.ToBase64()).Append('\n');
        foreach (var line in Extensions)
        {
            if (line.Length == 0 || line.Any(char.IsControl))
            {
                throw new ArgumentException("Extension lines are non-empty and hold no control characters.", nameof(Extensions));
            }
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Parses a body (the text of a signed note).</summary>
    /// <exception cref="LedgerFormatException">The text is not a checkpoint body.</exception>
    public static Checkpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.EndsWith('\n'))
        {
            throw new LedgerFormatException("Checkpoint does not end with a newline.");
        }
        var lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new LedgerFormatException($"Checkpoint has {lines.Length} lines; it needs origin, size and root.");
        }
        try
        {
            ValidateOrigin(lines[0]);
        }
        catch (ArgumentException e)
        {
            throw new LedgerFormatException("Checkpoint origin line: " + e.Message);
        }
        var sizeText = lines[1];
        if (sizeText.Length == 0 || sizeText.Length > 19 || !sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new LedgerFormatException($"Checkpoint size line '{sizeText}' is not a decimal without leading zeros.");
        }
        if (!Hash.TryParseBase64(lines[2], out var root))
        {
            throw new LedgerFormatException($"Checkpoint root line '{lines[2]}' is not the base64 of 32 bytes.");
        }
        var extensions = lines[3..];
        if (extensions.Any(l => l.Length == 0))
        {
            throw new LedgerFormatException("Checkpoint has an empty extension line.");
        }
        return new Checkpoint(lines[0], size, root, extensions);
    }

    private static void ValidateOrigin(string origin)
    {
        if (string.IsNullOrEmpty(origin) || origin.Any(char.IsControl))
        {
            throw new ArgumentException("The origin is a non-empty line without control characters.", nameof(origin));
        }
    }

    /// <inheritdoc/>
    public bool Equals(Checkpoint? other) =>
        other is not null && Origin == other.Origin && Size == other.Size && Root == other.Root && Extensions.SequenceEqual(other.Extensions);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Origin, Size, Root);
}
