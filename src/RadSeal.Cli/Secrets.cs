namespace RadSeal.Cli;

/// <summary>
/// Passwords are never taken on the command line (other users can read it in the process list): an option names
/// where the secret is, "env:NAME" or "file:PATH", and this reads it.
/// </summary>
internal static class Secrets
{
    public static string Read(string spec, string what)
    {
        if (spec.StartsWith("env:", StringComparison.Ordinal))
        {
            var name = spec[4..];
            return Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
                ? value
                : throw new UsageException($"{what}: environment variable {name} is not set");
        }
        if (spec.StartsWith("file:", StringComparison.Ordinal))
        {
            return File.ReadAllText(spec[5..]).TrimEnd('\r', '\n');
        }
        throw new UsageException($"{what}: give the secret as env:NAME or file:PATH, never the secret itself");
    }

    public static string? ReadOptional(string? spec, string what) => spec is null ? null : Read(spec, what);
}

/// <summary>A command line that parses but asks for something impossible (a missing secret, an unknown tag).</summary>
internal sealed class UsageException(string message) : Exception(message);
