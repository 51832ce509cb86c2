using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace RadSeal.Ledger.Tests.Merkle;

/// <summary>Properties over random trees of up to 1,000 leaves (the fixture holds every node) and random damage.</summary>
public class PropertyTests
{
    private static readonly TreeFixture Tree = TreeFixture.Instance;

    private static readonly Arbitrary<(int Index, int Size)> LeafInTree =
        Gen.Choose(1, TreeFixture.MaxSize).SelectMany(n => Gen.Choose(0, n - 1).Select(m => (m, n))).ToArbitrary();

    private static readonly Arbitrary<(int Size1, int Size2)> TwoSizes =
        Gen.Choose(1, TreeFixture.MaxSize).SelectMany(n => Gen.Choose(0, n).Select(m => (m, n))).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Inclusion_proofs_verify() => Prop.ForAll(LeafInTree, c =>
        Proofs.VerifyInclusion(c.Index, c.Size, Tree.LeafHash(c.Index), Tree.ProveInclusion(c.Index, c.Size), Tree.Root(c.Size)).IsValid);

    [Property(MaxTest = 300)]
    public Property Any_flipped_bit_in_an_inclusion_proof_is_caught() =>
        Prop.ForAll(LeafInTree, Gen.Choose(0, int.MaxValue).ToArbitrary(), (c, seed) =>
        {
            var proof = Tree.ProveInclusion(c.Index, c.Size);
            if (proof.Length == 0)
            {
                return true;
            }
            var i = seed % proof.Length;
            var bytes = proof[i].ToArray();
            bytes[seed / proof.Length % Hash.Size] ^= (byte)(1 << (seed % 8));
            proof[i] = Hash.FromBytes(bytes);
            return !Proofs.VerifyInclusion(c.Index, c.Size, Tree.LeafHash(c.Index), proof, Tree.Root(c.Size)).IsValid;
        });

    [Property(MaxTest = 300)]
    public Property Consistency_proofs_verify_and_reproduce_both_roots() => Prop.ForAll(TwoSizes, c =>
    {
        var proof = Tree.ProveConsistency(c.Size1, c.Size2);
        var ok = Proofs.VerifyConsistency(c.Size1, c.Size2, Tree.Root(c.Size1), Tree.Root(c.Size2), proof).IsValid;
        if (c.Size1 == 0)
        {
            return ok;
        }
        var implied = Proofs.RootFromConsistencyProof(c.Size1, c.Size2, Tree.Root(c.Size1), proof);
        return ok && implied.IsValid && implied.Root == Tree.Root(c.Size2);
    });

    [Property(MaxTest = 300)]
    public Property A_forked_tree_is_never_consistent() => Prop.ForAll(TwoSizes, c =>
    {
        // Change one leaf below size1 in the newer tree: no proof for the original can link the two.
        if (c.Size1 == 0 || c.Size1 == c.Size2)
        {
            return true;
        }
        var forked = new CompactRange();
        for (var i = 0; i < c.Size2; i++)
        {
            forked.Append(i == c.Size1 / 2 ? TreeHasher.HashLeaf("forged"u8) : Tree.LeafHash(i));
        }
        var proof = Tree.ProveConsistency(c.Size1, c.Size2);
        return !Proofs.VerifyConsistency(c.Size1, c.Size2, Tree.Root(c.Size1), forked.Root(), proof).IsValid;
    });

    [Property(MaxTest = 200)]
    public Property Inclusion_root_equals_the_tree_root() => Prop.ForAll(LeafInTree, c =>
        Proofs.RootFromInclusionProof(c.Index, c.Size, Tree.LeafHash(c.Index), Tree.ProveInclusion(c.Index, c.Size)).Root == Tree.Root(c.Size));
}
