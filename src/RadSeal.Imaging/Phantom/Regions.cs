namespace RadSeal.Imaging.Phantom;

/// <summary>Procedural anatomy for each region: fixed topology, every size and position jittered by the seed, and the
/// left/right asymmetries real bodies have (heart to the left, right hemidiaphragm higher, uneven bowel gas).</summary>
internal static class Regions
{
    public static void Chest(Anatomy a, Rng r)
    {
        var s = r.Range(0.92, 1.08); // body size
        var shift = r.Range(-8, 8);
        // Torso, neck, arms.
        a.Ellipsoid(a.Soft, shift, 20, 165 * s, 250 * s, r.Range(20, 24));
        a.Capsule(a.Soft, shift, -300, shift, -190, 55 * s, 60 * s);
        foreach (var side in new[] { -1, 1 })
        {
            var ax = shift + side * r.Range(185, 200) * s;
            a.Capsule(a.Soft, ax, -200, ax + side * 12, 260, 42 * s, 38 * s);
            a.LongBone(ax, -185, ax + side * 8, 200, 13 * s, 11 * s);
            a.CancellousEllipsoid(ax - side * 8, -200, 26 * s, 26 * s, 4.5); // humeral head
        }
        // Lungs: the right (image left) is wider and its dome higher; the heart eats into the left.
        var rightDome = r.Range(-8, 4);
        a.AirEllipsoid(shift - 78 * s, -25 + rightDome, 72 * s, 150 * s, r.Range(14, 16), r.Range(-0.05, 0.05));
        a.AirEllipsoid(shift + 74 * s, -15, 64 * s, 145 * s, r.Range(13, 15), r.Range(-0.05, 0.05));
        var heartX = shift + r.Range(18, 34);
        a.Ellipsoid(a.Soft, heartX, 70, r.Range(68, 80) * s, 62 * s, 9, r.Range(-0.35, -0.15), 0.8);
        a.Ellipsoid(a.Soft, shift, 120 * s + 45, 150 * s, 60 * s, 6, 0, 0.9); // liver/diaphragm below the domes
        // Spine: vertebral bodies with discs, behind the mediastinum.
        for (var i = 0; i < 12; i++)
        {
            var y = -210 + i * 30 * s;
            a.CancellousEllipsoid(shift + r.Range(-1.5, 1.5), y, 18 + i * 0.6, 11 + i * 0.3, 3.2);
            a.Capsule(a.Bone, shift - 16, y, shift + 16, y, 3, 3, 0.5); // pedicles and processes
        }
        // Ribs: posterior arcs from the spine, curving out and down; clavicles; scapulae.
        for (var i = 0; i < 10; i++)
        {
            foreach (var side in new[] { -1, 1 })
            {
                var y0 = -200 + i * 29 * s + r.Range(-2, 2);
                var span = (120 + 40 * Math.Sin(Math.PI * Math.Min(i, 7) / 9)) * s;
                var points = new List<(double, double)>();
                for (var k = 0; k <= 12; k++)
                {
                    var t = k / 12.0;
                    points.Add((shift + side * (14 + span * Math.Sin(t * Math.PI * 0.62)), y0 + 55 * s * t * t + 8 * Math.Sin(t * Math.PI)));
                }
                a.CurvedBone(points, r.Range(5.5, 6.5) * s);
            }
        }
        foreach (var side in new[] { -1, 1 })
        {
            a.CurvedBone([(shift + side * 18, -205), (shift + side * 80, -222 + r.Range(-4, 4)), (shift + side * 150, -228)], 7.5 * s);
            a.Ellipsoid(a.Bone, shift + side * 140 * s, -120, 42 * s, 85 * s, 0.9, side * 0.25);
        }
    }

    public static void Hand(Anatomy a, Rng r)
    {
        var s = r.Range(0.92, 1.08);
        var tilt = r.Range(-0.08, 0.08);
        double X(double x, double y) => x * Math.Cos(tilt) - y * Math.Sin(tilt);
        double Y(double x, double y) => x * Math.Sin(tilt) + y * Math.Cos(tilt);
        a.Ellipsoid(a.Soft, X(0, 40), Y(0, 40), 48 * s, 55 * s, 3.2, tilt);
        a.Capsule(a.Soft, X(0, 80), Y(0, 80), X(0, 200), Y(0, 200), 34 * s, 38 * s, 1.3);
        a.LongBone(X(-14, 95), Y(-14, 95), X(-17, 200), Y(-17, 200), 10 * s, 8 * s); // radius
        a.LongBone(X(17, 100), Y(17, 100), X(19, 200), Y(19, 200), 7 * s, 6 * s); // ulna
        for (var c = 0; c < 8; c++)
        {
            double cx = -21 + (c % 4) * 14, cy = 72 + (c / 4) * 14;
            a.CancellousEllipsoid(X(cx, cy), Y(cx, cy), r.Range(5.5, 7.5) * s, r.Range(5, 6.5) * s, 1.6, r.Range(-0.5, 0.5));
        }
        // Four fingers and the thumb: metacarpal then phalanges, small gaps at the joints, slight spread.
        double[] baseX = [-27, -9, 9, 26];
        double[] lengths = [0.95, 1.05, 1.0, 0.82];
        for (var f = 0; f < 4; f++)
        {
            var angle = (f - 1.5) * 0.09 + r.Range(-0.03, 0.03);
            double bx = baseX[f] * s, by = 58;
            double dx = Math.Sin(angle), dy = -Math.Cos(angle);
            var seg = new[] { 55.0, 38, 24, 17 };
            a.Capsule(a.Soft, X(bx, by - 30), Y(bx, by - 30), X(bx + dx * 175 * lengths[f] * s, by + dy * 175 * lengths[f] * s),
                Y(bx + dx * 175 * lengths[f] * s, by + dy * 175 * lengths[f] * s), 9.5 * s, 7.5 * s, 1.1);
            double px = bx, py = by;
            for (var k = 0; k < 4; k++)
            {
                var length = seg[k] * lengths[f] * s;
                double qx = px + dx * length, qy = py + dy * length;
                var radius = (k == 0 ? 5.2 : 4.6 - k * 0.6) * s;
                a.LongBone(X(px, py), Y(px, py), X(qx, qy), Y(qx, qy), radius, radius * 0.85);
                px = qx + dx * 3;
                py = qy + dy * 3;
            }
        }
        var thumb = r.Range(0.55, 0.75);
        double tx = -40 * s, ty = 72;
        a.Capsule(a.Soft, X(tx, ty), Y(tx, ty), X(tx - Math.Sin(thumb) * 110 * s, ty - Math.Cos(thumb) * 110 * s),
            Y(tx - Math.Sin(thumb) * 110 * s, ty - Math.Cos(thumb) * 110 * s), 12 * s, 9 * s, 1.2);
        double hx = tx, hy = ty;
        foreach (var length in new[] { 42.0, 30, 22 })
        {
            double qx = hx - Math.Sin(thumb) * length * s, qy = hy - Math.Cos(thumb) * length * s;
            a.LongBone(X(hx, hy), Y(hx, hy), X(qx, qy), Y(qx, qy), 5.5 * s, 4.8 * s);
            hx = qx - Math.Sin(thumb) * 3;
            hy = qy - Math.Cos(thumb) * 3;
        }
    }

    public static void Knee(Anatomy a, Rng r)
    {
        var s = r.Range(0.92, 1.08);
        var valgus = r.Range(-0.06, 0.06);
        a.Capsule(a.Soft, 0, -260, 8 * valgus * 100, 260, 62 * s, 50 * s, 1.0);
        a.LongBone(-2, -260, 0, -40, 15 * s, 17 * s);
        a.CancellousEllipsoid(0, -22, 40 * s, 24 * s, 7.5, valgus);
        a.CancellousEllipsoid(r.Range(2, 6), -30, 21 * s, 25 * s, 2.4); // patella over the femur
        a.CancellousEllipsoid(valgus * 60, 26, 38 * s, 15 * s, 7, valgus);
        a.LongBone(valgus * 60, 35, valgus * 200, 260, 17 * s, 13 * s);
        a.CancellousEllipsoid(valgus * 60 + 34 * s, 48, 9 * s, 8 * s, 1.8);
        a.LongBone(valgus * 60 + 34 * s, 52, valgus * 200 + 34 * s, 260, 7 * s, 6 * s); // fibula
        a.Ellipsoid(a.Soft, r.Range(-10, 10), 5, 55 * s, 30 * s, 1.5, 0, -0.5); // joint-space fat
    }

    public static void Spine(Anatomy a, Rng r)
    {
        var s = r.Range(0.92, 1.08);
        var scoliosis = r.Range(-6, 6);
        a.Ellipsoid(a.Soft, 0, 0, 190 * s, 300, r.Range(20, 26));
        for (var i = 0; i < 6; i++)
        {
            var y = -190 + i * 40 * s;
            var x = scoliosis * Math.Sin(i / 5.0 * Math.PI);
            a.CancellousEllipsoid(x, y, (24 + i * 1.5) * s, 15 * s, 3.6);
            foreach (var side in new[] { -1, 1 })
            {
                a.CancellousEllipsoid(x + side * 17 * s, y - 4, 6 * s, 8 * s, 1.5); // pedicles
                a.LongBone(x + side * 22 * s, y, x + side * (48 + i * 2) * s, y + r.Range(-3, 3), 4 * s, 3 * s); // transverse processes
            }
            a.CancellousEllipsoid(x, y + 10, 5 * s, 9 * s, 2); // spinous process
        }
        foreach (var side in new[] { -1, 1 })
        {
            a.Ellipsoid(a.Bone, side * 110 * s, 170, 80 * s, 55 * s, 1.2, side * 0.5);
            a.Ellipsoid(a.Marrow, side * 110 * s, 170, 75 * s, 50 * s, 2.0, side * 0.5);
        }
        for (var g = 0; g < 9; g++)
        {
            a.AirEllipsoid(r.Range(-150, 150), r.Range(-200, 150), r.Range(12, 35), r.Range(10, 25), r.Range(1, 4), r.Range(0, Math.PI));
        }
    }
}

/// <summary>SplitMix64: tiny, fast and the same on every platform, so a seed always gives the same image.</summary>
internal sealed class Rng(ulong seed)
{
    private ulong state = seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
    private double spare;
    private bool hasSpare;

    public ulong Next()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public double Range(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public double Gaussian()
    {
        if (hasSpare)
        {
            hasSpare = false;
            return spare;
        }
        var u = 1.0 - NextDouble();
        var v = NextDouble();
        var m = Math.Sqrt(-2 * Math.Log(u));
        spare = m * Math.Sin(2 * Math.PI * v);
        hasSpare = true;
        return m * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>Poisson: exact (Knuth) for small means, normal approximation above 30 quanta where they agree closely.</summary>
    public double Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }
        if (mean >= 30)
        {
            return Math.Max(0, Math.Round(mean + Math.Sqrt(mean) * Gaussian()));
        }
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = NextDouble();
        while (p > limit)
        {
            k++;
            p *= NextDouble();
        }
        return k;
    }
}
