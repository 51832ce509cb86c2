namespace RadSeal.Imaging.Phantom;

/// <summary>
/// Path lengths (cm) of each material along the ray through every pixel, filled by analytic primitives: ellipsoids and
/// tapered cylinders ("capsules") whose chord length is exact, so edges are sharp only where anatomy is.
/// Coordinates are millimetres with the origin at the image centre, x to the right and y down.
/// </summary>
internal sealed class Anatomy
{
    public Anatomy(int width, int height, double mmPerPixel)
    {
        Width = width;
        Height = height;
        MmPerPixel = mmPerPixel;
        Soft = new float[width * height];
        Bone = new float[width * height];
        Air = new float[width * height];
        Marrow = new float[width * height];
    }

    public int Width { get; }
    public int Height { get; }
    public double MmPerPixel { get; }

    /// <summary>Soft tissue (water-like, 1.06 g/cm³), cm. Lung is represented as negative soft tissue plus air.</summary>
    public float[] Soft { get; }

    /// <summary>Cortical bone (1.92 g/cm³), cm.</summary>
    public float[] Bone { get; }

    /// <summary>Air inside the body (lungs, bowel gas), cm.</summary>
    public float[] Air { get; }

    /// <summary>Cancellous bone path (cm): turned into a bone/soft mix with a trabecular texture later.</summary>
    public float[] Marrow { get; }

    public double HalfWidthMm => Width * MmPerPixel / 2;
    public double HalfHeightMm => Height * MmPerPixel / 2;

    /// <summary>An ellipsoid seen along its depth axis: semi-axes a, b (mm) in the image plane, rotated, depth in cm.</summary>
    public void Ellipsoid(float[] target, double cx, double cy, double a, double b, double depthCm, double rotation = 0, double weight = 1)
    {
        var reach = Math.Max(a, b);
        var (x0, x1, y0, y1) = Box(cx - reach, cx + reach, cy - reach, cy + reach);
        double cos = Math.Cos(rotation), sin = Math.Sin(rotation);
        for (var py = y0; py <= y1; py++)
        {
            var y = ToMmY(py) - cy;
            for (var px = x0; px <= x1; px++)
            {
                var x = ToMmX(px) - cx;
                double u = (x * cos + y * sin) / a, v = (-x * sin + y * cos) / b;
                var r = u * u + v * v;
                if (r < 1)
                {
                    target[py * Width + px] += (float)(weight * depthCm * Math.Sqrt(1 - r));
                }
            }
        }
    }

    /// <summary>A tapered cylinder from (x1,y1) to (x2,y2) lying in the image plane, radii in mm: chord = 2√(r²−d²).</summary>
    public void Capsule(float[] target, double x1, double y1, double x2, double y2, double r1, double r2, double weight = 1)
    {
        var reach = Math.Max(r1, r2);
        var (bx0, bx1, by0, by1) = Box(Math.Min(x1, x2) - reach, Math.Max(x1, x2) + reach, Math.Min(y1, y2) - reach, Math.Max(y1, y2) + reach);
        double dx = x2 - x1, dy = y2 - y1, len2 = dx * dx + dy * dy;
        for (var py = by0; py <= by1; py++)
        {
            var y = ToMmY(py);
            for (var px = bx0; px <= bx1; px++)
            {
                var x = ToMmX(px);
                var t = len2 == 0 ? 0 : Math.Clamp(((x - x1) * dx + (y - y1) * dy) / len2, 0, 1);
                double qx = x1 + t * dx - x, qy = y1 + t * dy - y;
                var r = r1 + (r2 - r1) * t;
                var d2 = qx * qx + qy * qy;
                if (d2 < r * r)
                {
                    target[py * Width + px] += (float)(weight * 0.2 * Math.Sqrt(r * r - d2)); // 2·√(…) mm → cm
                }
            }
        }
    }

    /// <summary>A long bone: cortical shell around a cancellous core (inner radius a fraction of the outer).</summary>
    public void LongBone(double x1, double y1, double x2, double y2, double r1, double r2, double core = 0.65)
    {
        Capsule(Bone, x1, y1, x2, y2, r1, r2);
        Capsule(Bone, x1, y1, x2, y2, r1 * core, r2 * core, -1);
        Capsule(Marrow, x1, y1, x2, y2, r1 * core, r2 * core);
    }

    /// <summary>A compact bone (vertebral body, carpal, patella): a thin cortical shell, cancellous inside.</summary>
    public void CancellousEllipsoid(double cx, double cy, double a, double b, double depthCm, double rotation = 0, double shell = 0.85)
    {
        Ellipsoid(Bone, cx, cy, a, b, depthCm, rotation);
        Ellipsoid(Bone, cx, cy, a * shell, b * shell, depthCm * shell, rotation, -1);
        Ellipsoid(Marrow, cx, cy, a * shell, b * shell, depthCm * shell, rotation);
    }

    /// <summary>A curved bone (rib, clavicle): a tube along a polyline, cortical shell around a cancellous core.</summary>
    public void CurvedBone(IReadOnlyList<(double X, double Y)> points, double radius, double core = 0.6)
    {
        Tube(Bone, points, radius, 1);
        Tube(Bone, points, radius * core, -1);
        Tube(Marrow, points, radius * core, 1);
    }

    /// <summary>A tube of constant radius along a polyline: the chord uses the distance to the nearest segment, so joints do not double up.</summary>
    public void Tube(float[] target, IReadOnlyList<(double X, double Y)> points, double radius, double weight)
    {
        var (bx0, bx1, by0, by1) = Box(points.Min(p => p.X) - radius, points.Max(p => p.X) + radius,
            points.Min(p => p.Y) - radius, points.Max(p => p.Y) + radius);
        for (var py = by0; py <= by1; py++)
        {
            var y = ToMmY(py);
            for (var px = bx0; px <= bx1; px++)
            {
                var x = ToMmX(px);
                var best = double.MaxValue;
                for (var i = 0; i + 1 < points.Count; i++)
                {
                    double dx = points[i + 1].X - points[i].X, dy = points[i + 1].Y - points[i].Y, len2 = dx * dx + dy * dy;
                    var t = len2 == 0 ? 0 : Math.Clamp(((x - points[i].X) * dx + (y - points[i].Y) * dy) / len2, 0, 1);
                    double qx = points[i].X + t * dx - x, qy = points[i].Y + t * dy - y;
                    best = Math.Min(best, qx * qx + qy * qy);
                }
                if (best < radius * radius)
                {
                    target[py * Width + px] += (float)(weight * 0.2 * Math.Sqrt(radius * radius - best));
                }
            }
        }
    }

    /// <summary>Air inside the body: adds air and removes the soft tissue it displaces (density ratio <paramref name="fill"/>).</summary>
    public void AirEllipsoid(double cx, double cy, double a, double b, double depthCm, double rotation = 0, double fill = 0.8)
    {
        Ellipsoid(Air, cx, cy, a, b, depthCm, rotation, fill);
        Ellipsoid(Soft, cx, cy, a, b, depthCm, rotation, -fill);
    }

    private double ToMmX(int px) => (px + 0.5) * MmPerPixel - HalfWidthMm;
    private double ToMmY(int py) => (py + 0.5) * MmPerPixel - HalfHeightMm;

    private (int X0, int X1, int Y0, int Y1) Box(double xMin, double xMax, double yMin, double yMax) =>
        (Math.Max(0, (int)Math.Floor((xMin + HalfWidthMm) / MmPerPixel)),
         Math.Min(Width - 1, (int)Math.Ceiling((xMax + HalfWidthMm) / MmPerPixel)),
         Math.Max(0, (int)Math.Floor((yMin + HalfHeightMm) / MmPerPixel)),
         Math.Min(Height - 1, (int)Math.Ceiling((yMax + HalfHeightMm) / MmPerPixel)));
}
