using System.Text;
using RadSeal.Provenance.Crypto;

namespace RadSeal.Provenance.Tests;

public class Ripemd160Tests
{
    // The test vectors published with the algorithm (Bosselaers' RIPEMD-160 page, also ISO/IEC 10118-3 Annex).
    [Theory]
    [InlineData("", "9c1185a5c5e9fc54612808977ee8f548b2258d31")]
    [InlineData("a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe")]
    [InlineData("abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")]
    [InlineData("message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "12a053384a9c0c88e405a06c27dcf49ada62eb2b")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "b0e20b6e3116640286ed3a87a5713079b21f5189")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "9b752e45573d4b39f4dbd3323cab82bf63326bfb")]
    public void Published_test_vectors(string message, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Ripemd160.HashData(Encoding.ASCII.GetBytes(message))));

    [Fact]
    public void Million_a_in_uneven_chunks()
    {
        var h = new Ripemd160();
        var chunk = Encoding.ASCII.GetBytes(new string('a', 997));
        var left = 1_000_000;
        while (left > 0)
        {
            var n = Math.Min(left, chunk.Length);
            h.AppendData(chunk.AsSpan(0, n));
            left -= n;
        }
        Assert.Equal("52783243c1697bdbe16d37f97f68f08325dc1528", Convert.ToHexStringLower(h.GetHashAndReset()));
    }

    [Fact]
    public void Agrees_with_openssl_at_every_length_around_the_block_boundaries()
    {
        using var dir = new TempDir();
        var random = new Random(1760);
        var files = new List<(string Path, byte[] Data)>();
        foreach (var length in Enumerable.Range(0, 140).Concat([1000, 4095, 65537]))
        {
            var data = new byte[length];
            random.NextBytes(data);
            var path = dir.File($"m{length}.bin");
            File.WriteAllBytes(path, data);
            files.Add((path, data));
        }
        var output = Peers.Run("openssl", ["dgst", "-ripemd160", "-r", .. files.Select(f => f.Path)], null, TimeSpan.FromMinutes(1))
            .EnsureSuccess("openssl dgst -ripemd160").Stdout;
        var expected = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();
        Assert.Equal(files.Count, expected.Length);
        for (var i = 0; i < files.Count; i++)
        {
            Assert.Equal(expected[i], Convert.ToHexStringLower(Ripemd160.HashData(files[i].Data)));
        }
    }
}
