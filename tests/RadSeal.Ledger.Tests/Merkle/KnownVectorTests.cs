namespace RadSeal.Ledger.Tests.Merkle;

/// <summary>
/// The RFC 6962 / RFC 9162 test tree used across Certificate Transparency implementations: eight entries and the roots
/// of each prefix, with proofs published alongside (computed by implementations other than this one).
/// </summary>
public class KnownVectorTests
{
    private static readonly byte[][] Leaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        Convert.FromHexString("606162636465666768696a6b6c6d6e6f"),
    ];

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    private static Hash H(string hex) => Assert.IsType<Hash>(Hash.TryParseHex(hex, out var h) ? h : null);

    private static Hash[] Hs(params string[] hex) => [.. hex.Select(H)];

    [Fact]
    public void Empty_tree_root_is_sha256_of_nothing() =>
        Assert.Equal(H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), TreeHasher.EmptyRoot);

    [Fact]
    public void Roots_of_each_prefix_match()
    {
        var range = new CompactRange();
        for (var i = 0; i < Leaves.Length; i++)
        {
            range.Append(TreeHasher.HashLeaf(Leaves[i]));
            Assert.Equal(H(Roots[i]), range.Root());
        }
    }

    [Fact]
    public void Published_inclusion_proofs_verify_and_are_what_we_produce()
    {
        var nodes = new Dictionary<NodeId, Hash>();
        var range = new CompactRange();
        foreach (var leaf in Leaves)
        {
            range.Append(TreeHasher.HashLeaf(leaf), (id, h) => nodes[id] = h);
        }
        (long Index, long Size, Hash[] Proof)[] cases =
        [
            (0, 1, []),
            (5, 8, Hs("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            (2, 3, Hs(Roots[1])),
            (0, 8, Hs("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
        ];
        foreach (var (index, size, proof) in cases)
        {
            var result = Proofs.VerifyInclusion(index, size, TreeHasher.HashLeaf(Leaves[index]), proof, H(Roots[size - 1]));
            Assert.True(result.IsValid, result.Message);
            var plan = Proofs.PlanInclusion(index, size);
            Assert.Equal(proof, plan.Assemble([.. plan.Nodes.Select(id => nodes[id])]));
        }
        // The same proof for the wrong leaf index fails.
        Assert.False(Proofs.VerifyInclusion(4, 8, TreeHasher.HashLeaf(Leaves[5]), cases[1].Proof, H(Roots[7])).IsValid);
    }

    [Fact]
    public void Published_consistency_proofs_verify()
    {
        var six = Hs("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        Assert.True(Proofs.VerifyConsistency(6, 8, H(Roots[5]), H(Roots[7]), six).IsValid);
        Assert.Equal(ProofFailure.FirstRootMismatch, Proofs.VerifyConsistency(6, 8, H(Roots[4]), H(Roots[7]), six).Failure);
        var two = Hs("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
        Assert.True(Proofs.VerifyConsistency(2, 5, H(Roots[1]), H(Roots[4]), two).IsValid);
        var one = Hs("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        Assert.True(Proofs.VerifyConsistency(1, 8, H(Roots[0]), H(Roots[7]), one).IsValid);
    }
}
