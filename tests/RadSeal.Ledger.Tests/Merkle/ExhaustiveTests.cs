namespace RadSeal.Ledger.Tests.Merkle;

/// <summary>
/// Every tree size from 1 to 1,000: the fast root equals the RFC reference's MTH, and a sample of inclusion and
/// consistency proofs per size (the edges, the middle and a few seeded random points) equals the reference's PATH and
/// PROOF and verifies.
/// </summary>
public class ExhaustiveTests
{
    private static readonly TreeFixture Tree = TreeFixture.Instance;

    private static Hash H(byte[] bytes) => Hash.FromBytes(bytes);

    private static IEnumerable<int> Sample(int size, Random random)
    {
        var points = new SortedSet<int> { 0, 1, size / 2, size - 2, size - 1 };
        for (var i = 0; i < 3; i++)
        {
            points.Add(random.Next(size));
        }
        return points.Where(p => p >= 0 && p < size);
    }

    [Fact]
    public void Roots_of_every_size_match_the_reference()
    {
        Assert.Equal(H(Tree.Reference.Mth(0, 0)), TreeHasher.EmptyRoot);
        for (var n = 1; n <= TreeFixture.MaxSize; n++)
        {
            Assert.Equal(H(Tree.Reference.Mth(0, n)), Tree.Root(n));
        }
    }

    [Fact]
    public void Inclusion_proofs_match_the_reference_and_verify()
    {
        var random = new Random(9162);
        var checkedProofs = 0;
        for (var n = 1; n <= TreeFixture.MaxSize; n++)
        {
            foreach (var m in Sample(n, random))
            {
                var proof = Tree.ProveInclusion(m, n);
                Assert.Equal(Tree.Reference.Path(m, n).Select(H), proof);
                var result = Proofs.VerifyInclusion(m, n, Tree.LeafHash(m), proof, Tree.Root(n));
                Assert.True(result.IsValid, $"leaf {m} of {n}: {result.Message}");
                checkedProofs++;
            }
        }
        Assert.True(checkedProofs > 5000);
    }

    [Fact]
    public void Consistency_proofs_match_the_reference_and_verify()
    {
        var random = new Random(6962);
        for (var n = 1; n <= TreeFixture.MaxSize; n++)
        {
            // Old sizes from 1 to n inclusive (equal sizes give the empty proof).
            foreach (var m in Sample(n, random).Select(x => x + 1))
            {
                var proof = Tree.ProveConsistency(m, n);
                Assert.Equal(Tree.Reference.Proof(m, n).Select(H), proof);
                var result = Proofs.VerifyConsistency(m, n, Tree.Root(m), Tree.Root(n), proof);
                Assert.True(result.IsValid, $"{m} to {n}: {result.Message}");
            }
        }
    }

    [Fact]
    public void Every_proof_of_every_tree_up_to_64_verifies()
    {
        for (var n = 1; n <= 64; n++)
        {
            for (var m = 0; m < n; m++)
            {
                Assert.True(Proofs.VerifyInclusion(m, n, Tree.LeafHash(m), Tree.ProveInclusion(m, n), Tree.Root(n)).IsValid);
                // A proof for one leaf never proves a neighbour.
                if (m + 1 < n)
                {
                    Assert.False(Proofs.VerifyInclusion(m + 1, n, Tree.LeafHash(m), Tree.ProveInclusion(m, n), Tree.Root(n)).IsValid);
                }
            }
            for (var m = 0; m <= n; m++)
            {
                Assert.True(Proofs.VerifyConsistency(m, n, Tree.Root(m), Tree.Root(n), Tree.ProveConsistency(m, n)).IsValid);
            }
        }
    }

    [Fact]
    public void Frontier_rebuilt_from_stored_nodes_gives_the_same_root()
    {
        for (var n = 0; n <= TreeFixture.MaxSize; n += 37)
        {
            var ids = CompactRange.FrontierNodes(n);
            var range = CompactRange.FromFrontier(n, [.. ids.Select(id => Tree.Nodes[id])]);
            Assert.Equal(Tree.Root(n), range.Root());
        }
    }
}
