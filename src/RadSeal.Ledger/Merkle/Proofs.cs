namespace RadSeal.Ledger.Merkle;

/// <summary>
/// RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency) proofs as pure functions, in pairs: <c>Plan*</c> says which
/// stored nodes a proof needs (the prover's side), <c>RootFrom*</c> computes the root a proof implies, and
/// <c>Verify*</c> compares that root with the one a signed checkpoint vouches for.
/// </summary>
public static class Proofs
{
    /// <summary>
    /// Plans the inclusion proof (RFC 9162 §2.1.3.1, PATH) of leaf <paramref name="index"/> in the tree of
    /// <paramref name="size"/> leaves. The proof lists sibling subtree hashes from the leaf up to the root.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">index is not in [0, size).</exception>
    public static ProofPlan PlanInclusion(long index, long size)
    {
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of size {size}.");
        }
        // PATH(m, D[lo:hi]) recurses into the half holding m and appends the MTH of the other half, so walking down from
        // the root yields the proof from its last element to its first.
        var ranges = new List<(long, long)>(64);
        long lo = 0, hi = size;
        while (hi - lo > 1)
        {
            var k = LargestPowerOfTwoBelow(hi - lo);
            if (index < lo + k)
            {
                ranges.Add((lo + k, hi));
                hi = lo + k;
            }
            else
            {
                ranges.Add((lo, lo + k));
                lo += k;
            }
        }
        ranges.Reverse();
        return ProofPlan.FromRanges(ranges);
    }

    /// <summary>
    /// Plans the consistency proof (RFC 9162 §2.1.4.1, SUBPROOF with b = true) between the trees of
    /// <paramref name="size1"/> and <paramref name="size2"/> leaves. Empty when the sizes are equal or size1 is 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">size1 is negative or above size2.</exception>
    public static ProofPlan PlanConsistency(long size1, long size2)
    {
        if (size1 < 0 || size1 > size2)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"No consistency proof from size {size1} to size {size2}.");
        }
        var ranges = new List<(long, long)>(64);
        if (size1 == 0 || size1 == size2)
        {
            return ProofPlan.FromRanges(ranges);
        }
        long lo = 0, hi = size2, m = size1;
        var wholeOldTree = true; // SUBPROOF's b: the old tree's root is known to the verifier and is left out
        while (true)
        {
            var n = hi - lo;
            if (m == n)
            {
                if (!wholeOldTree)
                {
                    ranges.Add((lo, hi));
                }
                break;
            }
            var k = LargestPowerOfTwoBelow(n);
            if (m <= k)
            {
                ranges.Add((lo + k, hi));
                hi = lo + k;
            }
            else
            {
                ranges.Add((lo, lo + k));
                lo += k;
                m -= k;
                wholeOldTree = false;
            }
        }
        ranges.Reverse();
        return ProofPlan.FromRanges(ranges);
    }

    /// <summary>
    /// The root that an inclusion proof implies for <paramref name="leafHash"/> at <paramref name="index"/> in a tree of
    /// <paramref name="size"/> leaves (RFC 9162 §2.1.3.2, steps 1–4 and the length check of step 5).
    /// </summary>
    public static ProofResult RootFromInclusionProof(long index, long size, Hash leafHash, IReadOnlyList<Hash> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size <= 0 || index < 0 || index >= size)
        {
            return ProofResult.Fail(ProofFailure.InvalidArguments, $"leaf index {index} is not in a tree of size {size}");
        }
        long fn = index, sn = size - 1;
        var r = leafHash;
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return ProofResult.Fail(ProofFailure.WrongProofLength, $"proof has {proof.Count} hashes: too many for leaf {index} of {size}");
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = TreeHasher.HashChildren(p, r);
                ShiftWhileEven(ref fn, ref sn);
            }
            else
            {
                r = TreeHasher.HashChildren(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0)
        {
            return ProofResult.Fail(ProofFailure.WrongProofLength, $"proof has {proof.Count} hashes: too few for leaf {index} of {size}");
        }
        return ProofResult.Valid(r);
    }

    /// <summary>Checks that <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree with <paramref name="root"/>.</summary>
    public static ProofResult VerifyInclusion(long index, long size, Hash leafHash, IReadOnlyList<Hash> proof, Hash root)
    {
        var computed = RootFromInclusionProof(index, size, leafHash, proof);
        if (!computed.IsValid)
        {
            return computed;
        }
        return computed.Root == root
            ? computed
            : new ProofResult(ProofFailure.RootMismatch, computed.Root, $"proof leads to root {computed.Root}, expected {root}");
    }

    /// <summary>
    /// The newer root that a consistency proof implies, after checking that it reproduces <paramref name="root1"/>
    /// (RFC 9162 §2.1.4.2). Needs 0 &lt; size1 ≤ size2; for equal sizes the proof must be empty and the result is root1.
    /// </summary>
    public static ProofResult RootFromConsistencyProof(long size1, long size2, Hash root1, IReadOnlyList<Hash> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size1 <= 0 || size1 > size2)
        {
            return ProofResult.Fail(ProofFailure.InvalidArguments, $"no consistency proof from size {size1} to size {size2}");
        }
        if (size1 == size2)
        {
            return proof.Count == 0
                ? ProofResult.Valid(root1)
                : ProofResult.Fail(ProofFailure.WrongProofLength, "a proof between equal sizes must be empty");
        }
        if (proof.Count == 0)
        {
            return ProofResult.Fail(ProofFailure.WrongProofLength, "empty consistency proof between different sizes");
        }
        // Step 2: when size1 is a power of two the old root is itself the first node of the path.
        var path = proof;
        if (long.IsPow2(size1))
        {
            var withRoot = new Hash[proof.Count + 1];
            withRoot[0] = root1;
            for (var i = 0; i < proof.Count; i++)
            {
                withRoot[i + 1] = proof[i];
            }
            path = withRoot;
        }
        long fn = size1 - 1, sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        Hash fr = path[0], sr = path[0];
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return ProofResult.Fail(ProofFailure.WrongProofLength, $"proof has {proof.Count} hashes: too many for sizes {size1} to {size2}");
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = TreeHasher.HashChildren(c, fr);
                sr = TreeHasher.HashChildren(c, sr);
                ShiftWhileEven(ref fn, ref sn);
            }
            else
            {
                sr = TreeHasher.HashChildren(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0)
        {
            return ProofResult.Fail(ProofFailure.WrongProofLength, $"proof has {proof.Count} hashes: too few for sizes {size1} to {size2}");
        }
        if (fr != root1)
        {
            return new ProofResult(ProofFailure.FirstRootMismatch, sr, $"proof reproduces old root {fr}, expected {root1}");
        }
        return ProofResult.Valid(sr);
    }

    /// <summary>
    /// Checks that the tree of <paramref name="size2"/> leaves with <paramref name="root2"/> extends the tree of
    /// <paramref name="size1"/> leaves with <paramref name="root1"/>. The empty tree is a prefix of every tree.
    /// </summary>
    public static ProofResult VerifyConsistency(long size1, long size2, Hash root1, Hash root2, IReadOnlyList<Hash> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size1 == 0 && size2 >= 0)
        {
            return proof.Count == 0
                ? ProofResult.Valid(root2)
                : ProofResult.Fail(ProofFailure.WrongProofLength, "a proof from the empty tree must be empty");
        }
        var computed = RootFromConsistencyProof(size1, size2, root1, proof);
        if (!computed.IsValid)
        {
            return computed;
        }
        return computed.Root == root2
            ? computed
            : new ProofResult(ProofFailure.RootMismatch, computed.Root, $"proof leads to root {computed.Root}, expected {root2}");
    }

    /// <summary>"If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0."</summary>
    private static void ShiftWhileEven(ref long fn, ref long sn)
    {
        while ((fn & 1) == 0 && fn != 0)
        {
            fn >>= 1;
            sn >>= 1;
        }
    }

    /// <summary>RFC 9162's k: the largest power of two strictly below n (n ≥ 2).</summary>
    internal static long LargestPowerOfTwoBelow(long n) => 1L << (63 - (int)long.LeadingZeroCount(n - 1));
}
