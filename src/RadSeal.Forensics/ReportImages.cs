using RadSeal.Imaging;

namespace RadSeal.Forensics;

/// <summary>Small PNG pictures for reports: the image, with the tamper map's blocks outlined and the detector's heatmap tinted in.</summary>
public static class ReportImages
{
    /// <summary>The thumbnail of a subject with its report's overlays, or null when the pixels do not decode.</summary>
    public static byte[]? Thumbnail(Subject subject, InspectionReport report, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(report);
        if (subject.Image is not { } image)
        {
            return null;
        }
        GrayImage display;
        try
        {
            display = subject.Dicom is { } file ? VoiTransform.FromDataSet(file.DataSet, image).RenderImage(image)
                : image.BitsStored <= 8 ? image : VoiTransform.MinMax(image).RenderImage(image);
        }
        catch (Exception ex) when (ex is PixelDataException or ArgumentException)
        {
            return null;
        }
        var score = report.PixelScore;
        return Render(display, report.TamperedBlocks, score?.Heatmap ?? [], score?.HeatmapWidth ?? 0, score?.HeatmapHeight ?? 0, maxSide);
    }

    /// <summary>
    /// Downscales an 8-bit display image so its longer side is at most <paramref name="maxSide"/>, tints heatmap cells
    /// red in proportion to their value and outlines tampered blocks in red.
    /// </summary>
    public static byte[] Render(GrayImage display, IReadOnlyList<Watermark.BlockRect> blocks, IReadOnlyList<float> heatmap, int heatWidth, int heatHeight, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(display);
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(heatmap);
        var scale = Math.Min(1.0, (double)Math.Max(1, maxSide) / Math.Max(display.Width, display.Height));
        var w = Math.Max(1, (int)Math.Round(display.Width * scale));
        var h = Math.Max(1, (int)Math.Round(display.Height * scale));
        var source = display.Frame(0);
        var rgb = new byte[w * h * 3];
        var useHeat = heatWidth > 0 && heatHeight > 0 && heatmap.Count == heatWidth * heatHeight;
        for (var y = 0; y < h; y++)
        {
            var sy = Math.Min(display.Height - 1, (int)(y / scale));
            for (var x = 0; x < w; x++)
            {
                var sx = Math.Min(display.Width - 1, (int)(x / scale));
                var v = (byte)Math.Min(255, (int)source[sy * display.Width + sx]);
                byte r = v, g = v, b = v;
                if (useHeat)
                {
                    var heat = Math.Clamp(heatmap[sy * heatHeight / display.Height * heatWidth + sx * heatWidth / display.Width], 0f, 1f);
                    r = (byte)(v + (255 - v) * heat * 0.6);
                    g = (byte)(v * (1 - heat * 0.6));
                    b = (byte)(v * (1 - heat * 0.6));
                }
                var i = 3 * (y * w + x);
                rgb[i] = r;
                rgb[i + 1] = g;
                rgb[i + 2] = b;
            }
        }
        foreach (var block in blocks.Where(b => b.Frame == 0))
        {
            int x0 = (int)(block.X * scale), y0 = (int)(block.Y * scale);
            int x1 = Math.Min(w - 1, (int)((block.X + block.Width) * scale) - 1), y1 = Math.Min(h - 1, (int)((block.Y + block.Height) * scale) - 1);
            for (var x = x0; x <= Math.Max(x0, x1); x++)
            {
                Red(rgb, w, h, x, y0);
                Red(rgb, w, h, x, Math.Max(y0, y1));
            }
            for (var y = y0; y <= Math.Max(y0, y1); y++)
            {
                Red(rgb, w, h, x0, y);
                Red(rgb, w, h, Math.Max(x0, x1), y);
            }
        }
        return PngCodec.EncodeRgb(rgb, w, h);
    }

    private static void Red(byte[] rgb, int w, int h, int x, int y)
    {
        if (x < 0 || y < 0 || x >= w || y >= h)
        {
            return;
        }
        var i = 3 * (y * w + x);
        rgb[i] = 255;
        rgb[i + 1] = 0;
        rgb[i + 2] = 0;
    }
}
