using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Tests.Support;

namespace RadSeal.Ledger.Tests.Entries;

public class LogEntryTests
{
    [Fact]
    public void Entries_are_137_bytes_and_round_trip()
    {
        var entry = new LogEntry(Submissions.For(1), DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_123));
        var bytes = entry.Encode();
        Assert.Equal(137, bytes.Length);
        Assert.Equal(1, bytes[0]);
        Assert.Equal(entry, LogEntry.Decode(bytes));
        Assert.Equal(TreeHasher.HashLeaf(bytes), entry.LeafHash());
    }

    [Fact]
    public void Unknown_versions_and_lengths_are_refused()
    {
        var bytes = new LogEntry(Submissions.For(1), DateTimeOffset.UnixEpoch).Encode();
        bytes[0] = 2;
        Assert.Throws<LedgerFormatException>(() => LogEntry.Decode(bytes));
        Assert.Throws<LedgerFormatException>(() => LogEntry.Decode(new LogEntry(Submissions.For(1), DateTimeOffset.UnixEpoch).Encode().AsSpan(0, 136)));
        Assert.Throws<LedgerFormatException>(() => LogEntry.Decode([]));
    }

    [Fact]
    public void Commitments_depend_on_the_key_and_the_uid_and_only_accept_uids()
    {
        var key = new byte[32];
        var other = new byte[32];
        other[0] = 1;
        const string uid = "1.2.826.0.1.3680043.8.498.1";
        Assert.Equal(SubjectCommitments.Compute(key, uid), SubjectCommitments.Compute(key, uid));
        Assert.NotEqual(SubjectCommitments.Compute(key, uid), SubjectCommitments.Compute(other, uid));
        Assert.NotEqual(SubjectCommitments.Compute(key, uid), SubjectCommitments.Compute(key, uid + "0"));
        // Not a bare hash of the UID: without the key the value cannot be recomputed from a guess.
        Assert.NotEqual(Hash.Sha256(System.Text.Encoding.ASCII.GetBytes(uid)), SubjectCommitments.Compute(key, uid));
        Assert.Throws<ArgumentException>(() => SubjectCommitments.Compute(key, "Doe^John"));
        Assert.Throws<ArgumentException>(() => SubjectCommitments.Compute(key, new string('1', 65)));
        Assert.Throws<ArgumentException>(() => SubjectCommitments.Compute(new byte[16], uid));
    }
}
