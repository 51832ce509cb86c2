using RadSeal.Training.Accounts;
using RadSeal.Training.Studies;

namespace RadSeal.Training.Tests;

public class ReadingOrderTests
{
    [Fact]
    public void Orders_are_permutations_reproducible_from_the_seed_and_differ_between_seeds_and_phases()
    {
        long[] ids = [.. Enumerable.Range(1, 30).Select(i => (long)i)];
        var a = ReadingOrder.Shuffle(ids, 2, 42);
        Assert.Equal(a, ReadingOrder.Shuffle(ids, 2, 42));
        Assert.All(a, o => Assert.Equal(ids, o.Order()));
        Assert.NotEqual(a[0], a[1]);
        Assert.NotEqual(a[0], ReadingOrder.Shuffle(ids, 2, 43)[0]);
        Assert.NotEqual(ids, a[0]);
    }

    [Fact]
    public void Password_hashes_are_salted_and_check_in_constant_time()
    {
        var one = PasswordHash.Create("correct horse battery", 1000);
        var two = PasswordHash.Create("correct horse battery", 1000);
        Assert.NotEqual(one.Salt, two.Salt);
        Assert.NotEqual(one.Hash, two.Hash);
        Assert.True(one.Matches("correct horse battery"));
        Assert.False(one.Matches("correct horse battery "));
        Assert.Equal(20, PasswordHash.NewRandomPassword().Length);
        Assert.NotEqual(PasswordHash.NewRandomPassword(), PasswordHash.NewRandomPassword());
    }
}
