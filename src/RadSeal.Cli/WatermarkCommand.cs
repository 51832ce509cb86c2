using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Watermark;

namespace RadSeal.Cli;

/// <summary>
/// `radseal watermark embed|verify|restore`: the reversible fragile watermark on DICOM files (any uncompressed syntax or
/// RLE) and on PNG/JPEG pictures (the marked picture is always written as PNG: the mark needs lossless pixels).
/// </summary>
internal static class WatermarkCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr) =>
        new("watermark", "Reversible watermark that proves the pixels unchanged and shows where they were changed")
        {
            Embed(stdout, stderr),
            Verify(stdout, stderr),
            Restore(stdout, stderr),
        };

    private static Command Embed(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("input") { Description = "DICOM file, PNG or JPEG" };
        var output = new Argument<string>("output") { Description = "Marked file: DICOM for DICOM input, else PNG" };
        var key = new Option<string>("--key") { Description = "PEM ECDSA private key of the signer", Required = true };
        var cert = new Option<string>("--cert") { Description = "PEM certificate of that key (the mark carries a reference to it; DICOM also keeps it in the header)", Required = true };
        var uid = new Option<string?>("--uid") { Description = "Identity to bind a picture's mark to (default: a new UID); DICOM uses its new SOP Instance UID" };
        var json = new Option<bool>("--json") { Description = "Print the embedding statistics as JSON" };
        var command = new Command("embed", "Mark the pixels; the original can be restored bit for bit") { input, output, key, cert, uid, json };
        command.SetAction(r => RunEmbed(r.GetValue(input)!, r.GetValue(output)!, r.GetValue(key)!, r.GetValue(cert)!, r.GetValue(uid), r.GetValue(json), stdout, stderr));
        return command;
    }

    private static Command Verify(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("file") { Description = "DICOM file or PNG" };
        var trust = new Option<string>("--trust") { Description = "PEM file with the trusted CA certificate(s)", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the verdict as JSON" };
        var map = new Option<string?>("--map") { Description = "Write a PNG of the image with the tampered blocks outlined in red" };
        var certs = new Option<string[]>("--cert")
        {
            Description = "PEM file(s) or folder(s) of certificates where the signer's certificate (and intermediates) may be (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("verify", "Check the mark: valid (exit 0), tampered (exit 5, with the blocks), absent (exit 6) or unverifiable (exit 11: signer certificate not available)")
        {
            input, trust, certs, json, map,
        };
        command.SetAction(r => RunVerify(r.GetValue(input)!, r.GetValue(trust)!, r.GetValue(certs) ?? [], r.GetValue(json), r.GetValue(map), stdout, stderr));
        return command;
    }

    private static Command Restore(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("input") { Description = "Marked DICOM file or PNG" };
        var output = new Argument<string>("output") { Description = "Where to write the original" };
        var command = new Command("restore", "Remove the mark, giving back the original pixels (and, for DICOM, the original header values)") { input, output };
        command.SetAction(r => RunRestore(r.GetValue(input)!, r.GetValue(output)!, stdout, stderr));
        return command;
    }

    private static int RunEmbed(string input, string output, string keyPath, string certPath, string? uid, bool json, TextWriter stdout, TextWriter stderr)
    {
        EcdsaSigner signer;
        try
        {
            signer = EcdsaSigner.FromPemFiles(keyPath, certPath);
        }
        catch (Exception ex) when (ex is WatermarkException or IOException or UnauthorizedAccessException)
        {
            return Report(stderr, ex is WatermarkException ? keyPath : ex.Message.Contains(certPath, StringComparison.Ordinal) ? certPath : keyPath, ex);
        }
        using (signer)
        {
            try
            {
                EmbedStatistics statistics;
                string identity;
                if (IsDicom(input))
                {
                    var (marked, stats) = DicomWatermark.Embed(DicomFile.Open(input), signer);
                    marked.Save(output);
                    statistics = stats;
                    identity = marked.DataSet.GetString(DicomTags.SOPInstanceUID) ?? "";
                }
                else
                {
                    if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                    {
                        stderr.WriteLine($"radseal: {output}: the marked picture must be written as PNG (lossless), not JPEG");
                        return ExitCodes.Usage;
                    }
                    var image = ImageFiles.Load(input);
                    identity = uid ?? DicomUid.Generate();
                    var marked = image.Clone();
                    statistics = Watermarker.EmbedInPlace(marked.Samples, image.Width, image.Height, 1, image.BitsStored, false, signer,
                        DicomWatermark.IdentityHash(identity));
                    ImageFiles.WriteAtomically(output, PngCodec.EncodeGray(marked));
                }
                if (json)
                {
                    stdout.WriteLine(JsonSerializer.Serialize(new
                    {
                        file = output,
                        identity,
                        blocks = statistics.Blocks,
                        blockSize = statistics.BlockSize,
                        payloadBits = statistics.PayloadBits,
                        pixelsChanged = statistics.PixelsChanged,
                        largestChange = statistics.LargestChange,
                        meanSquaredError = statistics.MeanSquaredError,
                    }));
                }
                else
                {
                    stdout.WriteLine($"{output}: marked ({statistics.Blocks} blocks of {statistics.BlockSize}, {statistics.PixelsChanged} pixels changed, " +
                        $"largest change {statistics.LargestChange}); identity {identity}");
                }
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (IsExpected(ex))
            {
                return Report(stderr, input, ex);
            }
        }
    }

    private static int RunVerify(string input, string trustPath, string[] certPaths, bool json, string? mapPath, TextWriter stdout, TextWriter stderr)
    {
        var anchors = new X509Certificate2Collection();
        var certificates = new X509Certificate2Collection();
        var current = trustPath;
        try
        {
            anchors.ImportFromPemFile(trustPath);
            if (anchors.Count == 0)
            {
                stderr.WriteLine($"radseal: {trustPath}: no certificate in the file");
                return ExitCodes.Usage;
            }
            foreach (var path in certPaths)
            {
                var files = Directory.Exists(path)
                    ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
                        .Order(StringComparer.Ordinal).ToList()
                    : [path];
                foreach (var file in files)
                {
                    current = file;
                    var before = certificates.Count;
                    certificates.ImportFromPemFile(file);
                    if (certificates.Count == before && !Directory.Exists(path))
                    {
                        stderr.WriteLine($"radseal: {file}: no certificate in the file");
                        return ExitCodes.Usage;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return Report(stderr, current, ex);
        }
        WatermarkReport report;
        GrayImage display;
        try
        {
            if (IsDicom(input))
            {
                var file = DicomFile.Open(input);
                report = DicomWatermark.Verify(file, anchors, certificates);
                var image = DicomPixels.Read(file);
                display = VoiTransform.FromDataSet(file.DataSet, image).RenderImage(image);
            }
            else
            {
                var image = ImageFiles.Load(input);
                report = Watermarker.Verify(image, anchors, [], certificates);
                display = image.BitsStored <= 8 ? image : VoiTransform.MinMax(image).RenderImage(image);
            }
            if (mapPath is not null)
            {
                ImageFiles.WriteAtomically(mapPath, TamperMap.Render(display, report.TamperedBlocks));
            }
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return Report(stderr, input, ex);
        }
        finally
        {
            foreach (var c in anchors.Concat(certificates))
            {
                c.Dispose();
            }
        }
        var status = report.Status.ToString().ToLowerInvariant();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                file = input,
                status,
                reason = report.Reason,
                detail = report.Detail,
                blocks = report.BlockCount,
                blockSize = report.BlockSize,
                tamperedBlocks = report.TamperedBlocks.Select(b => new { frame = b.Frame, x = b.X, y = b.Y, width = b.Width, height = b.Height }),
                mapAuthenticated = report.MapAuthenticated,
                signer = report.Signer,
                identityHash = report.IdentityHash,
            }));
        }
        else
        {
            stdout.WriteLine($"{input}: {status} ({report.Reason}): {report.Detail}" + (report.Signer is null ? "" : $" Signer: {report.Signer}."));
            foreach (var b in report.TamperedBlocks)
            {
                stdout.WriteLine($"  tampered block: frame {b.Frame}, x {b.X}, y {b.Y}, {b.Width}x{b.Height}");
            }
        }
        return report.Status switch
        {
            WatermarkStatus.Valid => ExitCodes.Ok,
            WatermarkStatus.Absent => ExitCodes.Absent,
            WatermarkStatus.Unverifiable => ExitCodes.Unverifiable,
            _ => ExitCodes.Tampered,
        };
    }

    private static int RunRestore(string input, string output, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (IsDicom(input))
            {
                DicomWatermark.Restore(DicomFile.Open(input)).Save(output);
            }
            else
            {
                var restored = Watermarker.Restore(ImageFiles.Load(input));
                ImageFiles.WriteAtomically(output, PngCodec.EncodeGray(restored));
            }
        }
        catch (WatermarkException ex) when (ex.Message.Contains("no watermark", StringComparison.Ordinal))
        {
            stderr.WriteLine($"radseal: {input}: {ex.Message}");
            return ExitCodes.Absent;
        }
        catch (WatermarkException ex)
        {
            stderr.WriteLine($"radseal: {input}: {ex.Message}");
            return ExitCodes.Tampered;
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return Report(stderr, input, ex);
        }
        stdout.WriteLine($"{output}: original restored from {input}");
        return ExitCodes.Ok;
    }

    /// <summary>DICOM when the file has the DICM prefix (or ends .dcm); else a picture.</summary>
    private static bool IsDicom(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[132];
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 132 && head[128..132].SequenceEqual("DICM"u8))
        {
            return true;
        }
        return !ImageFiles.IsPicture(head[..n]);
    }

    private static bool IsExpected(Exception ex) => ex is DicomFormatException or DicomEncodingException or PixelDataException or WatermarkException
        or IOException or UnauthorizedAccessException or CryptographicException;

    private static int Report(TextWriter stderr, string path, Exception ex)
    {
        switch (ex)
        {
            case PixelDataException or WatermarkException or CryptographicException:
                stderr.WriteLine($"radseal: {path}: {ex.Message}");
                return ex is PixelDataException ? ExitCodes.Unsupported : ExitCodes.InvalidInput;
            default:
                return Failures.Report(stderr, path, ex);
        }
    }
}

/// <summary>The --map picture: the image in gray with a red outline around every tampered block.</summary>
internal static class TamperMap
{
    public static byte[] Render(GrayImage display, IReadOnlyList<BlockRect> blocks)
    {
        int w = display.Width, h = display.Height;
        var rgb = new byte[w * h * 3];
        var pixels = display.Frame(0);
        for (var i = 0; i < w * h; i++)
        {
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte)pixels[i];
        }
        var thickness = Math.Max(1, Math.Min(w, h) / 256);
        foreach (var b in blocks.Where(b => b.Frame == 0))
        {
            for (var y = b.Y; y < b.Y + b.Height; y++)
            {
                for (var x = b.X; x < b.X + b.Width; x++)
                {
                    var edge = x - b.X < thickness || b.X + b.Width - 1 - x < thickness || y - b.Y < thickness || b.Y + b.Height - 1 - y < thickness;
                    if (edge)
                    {
                        var i = 3 * (y * w + x);
                        rgb[i] = 255;
                        rgb[i + 1] = 0;
                        rgb[i + 2] = 0;
                    }
                }
            }
        }
        return PngCodec.EncodeRgb(rgb, w, h);
    }
}
