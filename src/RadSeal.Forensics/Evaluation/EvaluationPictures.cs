using System.Globalization;
using RadSeal.Forensics.Pixels;
using RadSeal.Imaging;
using SkiaSharp;

namespace RadSeal.Forensics.Evaluation;

/// <summary>The pictures of an evaluation: the ROC curve (SkiaSharp) and each case as seen by the detector, with its heatmap.</summary>
public static class EvaluationPictures
{
    private static readonly SKColor[] Colours = [new(0x1f, 0x77, 0xb4), new(0xd6, 0x27, 0x28), new(0x2c, 0xa0, 0x2c)];

    /// <summary>ROC curves of every layer set (one colour each), chance diagonal, AUC in the legend; PNG.</summary>
    public static byte[] RocCurve(IReadOnlyList<LayerSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        const int size = 480, margin = 56;
        const float plot = size - 2 * margin;
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var grid = new SKPaint { Color = new SKColor(0xdd, 0xdd, 0xdd), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var chance = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsAntialias = true, Style = SKPaintStyle.Stroke, PathEffect = SKPathEffect.CreateDash([6, 4], 0) };
        using var font = new SKFont(SKTypeface.Default, 13);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        SKPoint At(double fpr, double tpr) => new((float)(margin + fpr * plot), (float)(size - margin - tpr * plot));
        for (var k = 0; k <= 10; k++)
        {
            var t = k / 10.0;
            canvas.DrawLine(At(t, 0), At(t, 1), grid);
            canvas.DrawLine(At(0, t), At(1, t), grid);
            if (k % 2 == 0)
            {
                var label = t.ToString("0.0", CultureInfo.InvariantCulture);
                canvas.DrawText(label, At(t, 0).X - 9, size - margin + 18, font, text);
                canvas.DrawText(label, margin - 30, At(0, t).Y + 4, font, text);
            }
        }
        canvas.DrawRect(margin, margin, plot, plot, axis);
        canvas.DrawLine(At(0, 0), At(1, 1), chance);
        canvas.DrawText("False positive rate (real called AI)", margin + 60, size - 14, font, text);
        canvas.Save();
        canvas.RotateDegrees(-90);
        canvas.DrawText("True positive rate (AI called AI)", -size + margin + 70, 18, font, text);
        canvas.Restore();
        for (var s = 0; s < summaries.Count; s++)
        {
            using var line = new SKPaint { Color = Colours[s % Colours.Length], StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var path = new SKPath();
            var roc = summaries[s].Roc;
            path.MoveTo(At(roc[0].FalsePositiveRate, roc[0].TruePositiveRate));
            foreach (var point in roc.Skip(1))
            {
                path.LineTo(At(point.FalsePositiveRate, point.TruePositiveRate));
            }
            canvas.DrawPath(path, line);
            using var swatch = new SKPaint { Color = Colours[s % Colours.Length], IsAntialias = true };
            var y = size - margin - 20 - 20 * (summaries.Count - 1 - s);
            canvas.DrawRect(size - margin - 170, y - 9, 14, 10, swatch);
            var auc = summaries[s].Auc;
            canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"{summaries[s].Layers}: AUC {auc.Value:0.000}"), size - margin - 150, y, font, text);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The normalised image the detector saw, as an 8-bit gray PNG.</summary>
    public static byte[] Normalised(NormalizedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int n = NormalizedImage.Size;
        var gray = new GrayImage(n, n, 8);
        var samples = gray.Samples;
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (ushort)Math.Clamp(MathF.Round(image.Pixels[i] * 255), 0, 255);
        }
        return PngCodec.EncodeGray(gray);
    }

    /// <summary>The normalised image with the heatmap laid over it: red where the patch model sees synthetic evidence.</summary>
    public static byte[] Heatmap(NormalizedImage image, PixelScore score)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(score);
        const int n = NormalizedImage.Size;
        var rgb = new byte[n * n * 3];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                var g = image.Pixels[y * n + x] * 255;
                var heat = 0f;
                if (score.HeatmapWidth > 0 && score.HeatmapHeight > 0)
                {
                    var hx = Math.Min(score.HeatmapWidth - 1, x * score.HeatmapWidth / n);
                    var hy = Math.Min(score.HeatmapHeight - 1, y * score.HeatmapHeight / n);
                    heat = score.Heatmap[hy * score.HeatmapWidth + hx];
                }
                var alpha = 0.55f * heat;
                var at = (y * n + x) * 3;
                rgb[at] = (byte)Math.Clamp(g * (1 - alpha) + 255 * alpha, 0, 255);
                rgb[at + 1] = (byte)Math.Clamp(g * (1 - alpha), 0, 255);
                rgb[at + 2] = (byte)Math.Clamp(g * (1 - alpha), 0, 255);
            }
        }
        return PngCodec.EncodeRgb(rgb, n, n);
    }
}
