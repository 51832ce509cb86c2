using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RadSeal.Cli.Tests.Gateway;

/// <summary>Reads a gateway's audit log (SPOOL/audit.log) for the tests: its lines, its events, its hash chain.</summary>
internal static class SpoolAudit
{
    public static JsonElement[] Lines(string spool) =>
        [.. File.ReadAllLines(Path.Combine(spool, "audit.log")).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    public static string[] Events(string spool) => [.. Lines(spool).Select(l => l.GetProperty("event").GetString()!)];

    /// <summary>Each line names the SHA-256 of the line before it; the first names 64 zeros.</summary>
    public static void AssertChained(string spool)
    {
        var previous = new string('0', 64);
        foreach (var line in File.ReadAllLines(Path.Combine(spool, "audit.log")))
        {
            Assert.Equal(previous, JsonDocument.Parse(line).RootElement.GetProperty("previous").GetString());
            previous = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));
        }
    }
}
