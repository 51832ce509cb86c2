using System.CommandLine;
using System.Globalization;
using RadSeal.Dicom;
using RadSeal.Imaging;
using RadSeal.Imaging.Phantom;

namespace RadSeal.Cli;

/// <summary>`radseal phantom --region R --size WxH --bits B --seed N -o OUT.dcm [--png OUT.png]`: a simulated DX radiograph.</summary>
internal static class PhantomCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var region = new Option<string>("--region") { Description = "Anatomy: chest, hand, knee or spine", DefaultValueFactory = _ => "chest" };
        region.AcceptOnlyFromAmong("chest", "hand", "knee", "spine");
        var size = new Option<string>("--size") { Description = "Width x height in pixels, e.g. 2048x2048", DefaultValueFactory = _ => "1024x1024" };
        var bits = new Option<int>("--bits") { Description = "Bits Stored: 12, 14 or 16", DefaultValueFactory = _ => 12 };
        bits.AcceptOnlyFromAmong("12", "14", "16");
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same image", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--output", "-o") { Description = "DICOM file to write (DX, for presentation)" };
        var png = new Option<string?>("--png") { Description = "Also (or only) write an 8-bit PNG rendered with the image's window" };
        var command = new Command("phantom", "Simulate a digital radiograph (physics-based phantom) as DICOM and/or PNG")
        {
            region, size, bits, seed, output, png,
        };
        command.SetAction(result => Run(result.GetValue(region)!, result.GetValue(size)!, result.GetValue(bits), result.GetValue(seed),
            result.GetValue(output), result.GetValue(png), stdout, stderr));
        return command;
    }

    private static int Run(string region, string size, int bits, int seed, string? output, string? png, TextWriter stdout, TextWriter stderr)
    {
        if (output is null && png is null)
        {
            stderr.WriteLine("radseal: phantom: give -o OUT.dcm and/or --png OUT.png");
            return ExitCodes.Usage;
        }
        var parts = size.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) || w is < 64 or > 8192 || h is < 64 or > 8192)
        {
            stderr.WriteLine($"radseal: phantom: --size '{size}' must be WIDTHxHEIGHT with 64..8192 pixels per side");
            return ExitCodes.Usage;
        }
        var options = new PhantomOptions(Enum.Parse<PhantomRegion>(region, ignoreCase: true), w, h, bits, seed);
        var image = RadiographPhantom.Generate(options);
        var file = RadiographPhantom.ToDicom(image, options);
        try
        {
            if (output is not null)
            {
                file.Save(output);
                stdout.WriteLine($"{output}: {region} phantom {w}x{h}, {bits} bits, seed {seed}");
            }
            if (png is not null)
            {
                var display = VoiTransform.FromDataSet(file.DataSet, image).RenderImage(image);
                ImageFiles.WriteAtomically(png, ImageFiles.Encode(display, ImageFormat.Png));
                stdout.WriteLine($"{png}: 8-bit rendering");
            }
        }
        catch (Exception ex) when (ex is DicomEncodingException or IOException or UnauthorizedAccessException)
        {
            return Failures.Report(stderr, output ?? png!, ex);
        }
        return ExitCodes.Ok;
    }
}
