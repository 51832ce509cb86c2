using RadSeal.Ledger.Entries;

namespace RadSeal.Ledger.Tests.Support;

/// <summary>Deterministic, distinct submissions for tests.</summary>
internal static class Submissions
{
    public static EntrySubmission For(int i)
    {
        var seed = System.Text.Encoding.ASCII.GetBytes($"image {i}");
        return new EntrySubmission(Hash.Sha256([1, .. seed]), Hash.Sha256([2, .. seed]), Hash.Sha256([3, .. seed]), Hash.Sha256([4, .. seed]));
    }
}
