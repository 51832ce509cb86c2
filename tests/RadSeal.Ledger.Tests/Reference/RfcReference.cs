using System.Security.Cryptography;

namespace RadSeal.Ledger.Tests.Reference;

/// <summary>
/// A slow, literal transcription of RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF) over the
/// entries themselves, written only from the RFC text, to check the fast code against. Nothing here shares code with
/// RadSeal.Ledger: it hashes with SHA256 directly. MTH is memoised by range so exhaustive checks stay fast; the
/// recursion is otherwise the RFC's.
/// </summary>
internal sealed class RfcReference
{
    private readonly IReadOnlyList<byte[]> _entries;
    private readonly Dictionary<(int, int), byte[]> _mth = [];

    public RfcReference(IReadOnlyList<byte[]> entries) => _entries = entries;

    /// <summary>MTH(D[lo:hi]).</summary>
    public byte[] Mth(int lo, int hi)
    {
        var n = hi - lo;
        if (n == 0)
        {
            return SHA256.HashData([]);
        }
        if (_mth.TryGetValue((lo, hi), out var cached))
        {
            return cached;
        }
        byte[] result;
        if (n == 1)
        {
            result = SHA256.HashData([0x00, .. _entries[lo]]);
        }
        else
        {
            var k = K(n);
            result = SHA256.HashData([0x01, .. Mth(lo, lo + k), .. Mth(lo + k, hi)]);
        }
        _mth[(lo, hi)] = result;
        return result;
    }

    /// <summary>PATH(m, D[0:n]): the inclusion proof of leaf m in the tree of the first n entries.</summary>
    public List<byte[]> Path(int m, int n) => Path(m, 0, n);

    private List<byte[]> Path(int m, int lo, int hi)
    {
        var n = hi - lo;
        if (n == 1)
        {
            return [];
        }
        var k = K(n);
        if (m < k)
        {
            var p = Path(m, lo, lo + k);
            p.Add(Mth(lo + k, hi));
            return p;
        }
        var q = Path(m - k, lo + k, hi);
        q.Add(Mth(lo, lo + k));
        return q;
    }

    /// <summary>PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true).</summary>
    public List<byte[]> Proof(int m, int n) => SubProof(m, 0, n, true);

    private List<byte[]> SubProof(int m, int lo, int hi, bool b)
    {
        var n = hi - lo;
        if (m == n)
        {
            return b ? [] : [Mth(lo, hi)];
        }
        var k = K(n);
        if (m <= k)
        {
            var p = SubProof(m, lo, lo + k, b);
            p.Add(Mth(lo + k, hi));
            return p;
        }
        var q = SubProof(m - k, lo + k, hi, false);
        q.Add(Mth(lo, lo + k));
        return q;
    }

    /// <summary>The largest power of two smaller than n.</summary>
    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }
        return k;
    }
}
