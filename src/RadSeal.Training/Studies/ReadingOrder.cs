namespace RadSeal.Training.Studies;

/// <summary>Per-reader case orders: reproducible from a stored seed, stored as well so a change here cannot reshuffle a study under way.</summary>
public static class ReadingOrder
{
    /// <summary>One Fisher–Yates shuffle of <paramref name="caseIds"/> per phase, all from <paramref name="seed"/> (SplitMix64, platform-independent).</summary>
    public static IReadOnlyList<IReadOnlyList<long>> Shuffle(IReadOnlyList<long> caseIds, int phases, long seed)
    {
        ArgumentNullException.ThrowIfNull(caseIds);
        var state = (ulong)seed;
        var orders = new List<IReadOnlyList<long>>(phases);
        for (var p = 0; p < phases; p++)
        {
            var order = caseIds.ToArray();
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = (int)(Next(ref state) % (ulong)(i + 1));
                (order[i], order[j]) = (order[j], order[i]);
            }
            orders.Add(order);
        }
        return orders;
    }

    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
