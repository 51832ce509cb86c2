using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RadSeal.Dicom;

namespace RadSeal.Imaging.Phantom;

/// <summary>The anatomy a phantom shows.</summary>
public enum PhantomRegion
{
    Chest,
    Hand,
    Knee,
    Spine,
}

/// <summary>What to simulate. Same options, same pixels and same DICOM bytes on every machine.</summary>
public sealed record PhantomOptions(PhantomRegion Region, int Width, int Height, int BitsStored, int Seed)
{
    public void Validate()
    {
        if (Width is < 64 or > 8192 || Height is < 64 or > 8192)
        {
            throw new ArgumentOutOfRangeException(nameof(Width), $"Phantom size {Width}x{Height} is outside 64..8192 pixels per side.");
        }
        if (BitsStored is not (12 or 14 or 16))
        {
            throw new ArgumentOutOfRangeException(nameof(BitsStored), $"Phantom bit depth must be 12, 14 or 16, not {BitsStored}.");
        }
    }
}

/// <summary>
/// A digital radiograph simulated from physics rather than drawn: material path lengths from procedural anatomy,
/// polychromatic Beer–Lambert attenuation over a few energy bins of the tube spectrum, scatter (a broad blur of the
/// primary, weighted by the thickness that produces it), focal-spot penumbra at the collimator, detector blur (MTF),
/// Poisson quantum noise plus electronic noise, gain (heel effect, per-column) and offset non-uniformity, detector
/// saturation in direct exposure, then the log conversion a DR system applies. MONOCHROME2: bone is bright.
/// </summary>
public static class RadiographPhantom
{
    // Mass attenuation coefficients (cm²/g) at 30, 40, 50, 60, 80, 100 keV: NIST XCOM / Hubbell & Seltzer tables for
    // water, cortical bone (ICRU-44) and dry air.
    private static readonly double[] TableEnergies = [30, 40, 50, 60, 80, 100];
    private static readonly double[] WaterMu = [0.3756, 0.2683, 0.2269, 0.2059, 0.1837, 0.1707];
    private static readonly double[] BoneMu = [1.331, 0.6655, 0.4242, 0.3148, 0.2229, 0.1855];
    private static readonly double[] AirMu = [0.3538, 0.2485, 0.2080, 0.1875, 0.1662, 0.1541];
    private const double SoftDensity = 1.06, BoneDensity = 1.92, AirDensity = 0.0012;

    public static GrayImage Generate(PhantomOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var p = Parameters.For(options.Region);
        int w = options.Width, h = options.Height;
        var mm = Math.Max(p.FieldWidthMm / w, p.FieldHeightMm / h);
        var rng = new Rng((ulong)(uint)options.Seed * 4 + (ulong)options.Region);
        var anatomy = new Anatomy(w, h, mm);
        switch (options.Region)
        {
            case PhantomRegion.Chest: Regions.Chest(anatomy, rng); break;
            case PhantomRegion.Hand: Regions.Hand(anatomy, rng); break;
            case PhantomRegion.Knee: Regions.Knee(anatomy, rng); break;
            default: Regions.Spine(anatomy, rng); break;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var n = w * h;
        // Cancellous bone: a 25–45 % bone fraction varying with a trabecular texture of ~1.5 mm grain.
        var grain = new ValueNoise(rng, 1.6 / mm);
        var softTexture = new ValueNoise(rng, 25 / mm);
        var soft = anatomy.Soft;
        var bone = anatomy.Bone;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (anatomy.Marrow[i] > 0)
                {
                    var fraction = 0.25 + 0.2 * grain.At(x, y);
                    bone[i] += (float)(anatomy.Marrow[i] * fraction);
                    soft[i] += (float)(anatomy.Marrow[i] * (1 - fraction));
                }
                if (soft[i] > 0)
                {
                    soft[i] *= (float)(0.97 + 0.06 * softTexture.At(x, y));
                }
                soft[i] = Math.Max(0, soft[i]);
                bone[i] = Math.Max(0, bone[i]);
            }
        }
        // Polychromatic primary transmission, normalised to 1 in open field.
        var bins = p.Spectrum.Length;
        var muSoft = new double[bins];
        var muBone = new double[bins];
        var muAir = new double[bins];
        for (var k = 0; k < bins; k++)
        {
            muSoft[k] = Interpolate(WaterMu, p.Spectrum[k].KeV) * SoftDensity;
            muBone[k] = Interpolate(BoneMu, p.Spectrum[k].KeV) * BoneDensity;
            muAir[k] = Interpolate(AirMu, p.Spectrum[k].KeV) * AirDensity;
        }
        var primary = new float[n];
        for (var i = 0; i < n; i++)
        {
            double t = 0;
            for (var k = 0; k < bins; k++)
            {
                t += p.Spectrum[k].Weight * Math.Exp(-(muSoft[k] * soft[i] + muBone[k] * bone[i] + muAir[k] * anatomy.Air[i]));
            }
            primary[i] = (float)t;
        }
        cancellationToken.ThrowIfCancellationRequested();
        // Collimation: a slightly tilted rectangle; outside it only leakage. The penumbra comes from the blur below.
        var field = Collimator(rng, w, h, p.CollimationMargin);
        // Scatter: produced where there is tissue, spread over ~30 mm, reduced by the grid (scatter-to-primary ratio).
        var thickness = new float[n];
        for (var i = 0; i < n; i++)
        {
            thickness[i] = Math.Min(1f, soft[i] / 20f) * field[i] * primary[i];
        }
        var scatter = Blur.Wide(thickness, w, h, 30 / mm);
        var penumbra = Blur.Gaussian(field, w, h, 0.6 / mm);
        var signal = new float[n];
        for (var i = 0; i < n; i++)
        {
            // Behind the collimator blades only a trace of leakage and scatter arrives: the shutter area burns out to the maximum.
            signal[i] = primary[i] * (0.0003f + penumbra[i]) + (float)p.ScatterFraction * scatter[i] * (0.01f + 0.99f * penumbra[i]);
        }
        signal = Blur.Gaussian(signal, w, h, 0.09 / mm); // detector MTF (scintillator spread)
        cancellationToken.ThrowIfCancellationRequested();
        // Detector: quanta per pixel scale with pixel area; gain and offset are not quite uniform; the ADC saturates.
        var quantaOpen = p.QuantaPerMm2 * mm * mm;
        var saturation = quantaOpen * 0.93; // open field (gain ≥ 0.94 almost everywhere) saturates: burned-out air
        var columnGain = new double[w];
        for (var x = 0; x < w; x++)
        {
            columnGain[x] = 1 + 0.004 * rng.Gaussian();
        }
        var rowOffset = new double[h];
        for (var y = 0; y < h; y++)
        {
            rowOffset[y] = 0.5 * rng.Gaussian();
        }
        var heelSign = rng.NextDouble() < 0.5 ? -1 : 1;
        var maxValue = (1 << options.BitsStored) - 1;
        var scale = maxValue / p.LogRange;
        var samples = new ushort[n];
        for (var y = 0; y < h; y++)
        {
            var v = (y + 0.5) / h - 0.5;
            for (var x = 0; x < w; x++)
            {
                var u = (x + 0.5) / w - 0.5;
                var gain = columnGain[x] * (1 + heelSign * 0.08 * v) * (1 - 0.06 * (u * u + v * v));
                var i = y * w + x;
                var counts = rng.Poisson(quantaOpen * signal[i] * gain) + p.ElectronicNoise * rng.Gaussian() + rowOffset[y];
                counts = Math.Clamp(counts, 1, saturation);
                var value = Math.Log(saturation / counts) * scale;
                samples[i] = (ushort)Math.Clamp(Math.Round(value), 0, maxValue);
            }
        }
        return new GrayImage(w, h, options.BitsStored, samples: samples);
    }

    /// <summary>A DX "for presentation" instance around the phantom's pixels; passes dciodvfy. UIDs derive from the options, so the file is reproducible.</summary>
    public static DicomFile ToDicom(GrayImage image, PhantomOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        var p = Parameters.For(options.Region);
        var mm = Math.Max(p.FieldWidthMm / image.Width, p.FieldHeightMm / image.Height);
        var key = $"radseal-phantom/{options.Region}/{image.Width}x{image.Height}/{options.BitsStored}/{options.Seed}";
        string Uid(string part) => DicomUid.FromUuid(new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(key + "/" + part)).AsSpan(0, 16)));
        var spacing = mm.ToString("0.######", CultureInfo.InvariantCulture);
        var (center, width) = WindowOf(image);
        var ds = new DicomDataSet();
        ds.SetString(DicomTags.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.SetStrings(DicomTags.ImageType, DicomVR.CS, "DERIVED", "PRIMARY");
        ds.SetString(DicomTags.SOPClassUID, DicomVR.UI, DxForPresentation);
        ds.SetString(DicomTags.SOPInstanceUID, DicomVR.UI, Uid("instance"));
        ds.SetString(DicomTags.StudyDate, DicomVR.DA, "20260101");
        ds.SetString(DicomTags.ContentDate, DicomVR.DA, "20260101");
        ds.SetString(DicomTags.StudyTime, DicomVR.TM, "120000");
        ds.SetString(DicomTags.ContentTime, DicomVR.TM, "120000");
        ds.SetString(DicomTags.AccessionNumber, DicomVR.SH, "");
        ds.SetString(DicomTags.Modality, DicomVR.CS, "DX");
        ds.SetString(DicomTags.PresentationIntentType, DicomVR.CS, "FOR PRESENTATION");
        ds.SetString(DicomTags.Manufacturer, DicomVR.LO, "RadSeal");
        ds.SetString(DicomTags.ReferringPhysicianName, DicomVR.PN, "");
        ds.SetString(DicomTags.ManufacturerModelName, DicomVR.LO, "RadSeal radiograph phantom");
        var code = new DicomDataSet();
        code.SetString(DicomTags.CodeValue, DicomVR.SH, p.SnomedCode);
        code.SetString(DicomTags.CodingSchemeDesignator, DicomVR.SH, "SCT");
        code.SetString(DicomTags.CodeMeaning, DicomVR.LO, p.SnomedMeaning);
        ds.Set(new DicomSequence(DicomTags.AnatomicRegionSequence, [code]));
        ds.SetString(DicomTags.PatientName, DicomVR.PN, "Phantom^" + options.Region);
        ds.SetString(DicomTags.PatientID, DicomVR.LO, $"RADSEAL-PHANTOM-{options.Seed}");
        ds.SetString(DicomTags.PatientBirthDate, DicomVR.DA, "");
        ds.SetString(DicomTags.PatientSex, DicomVR.CS, "O");
        ds.SetString(DicomTags.BodyPartExamined, DicomVR.CS, p.BodyPart);
        ds.SetString(DicomTags.KVP, DicomVR.DS, p.KVp.ToString(CultureInfo.InvariantCulture));
        ds.SetString(DicomTags.DeviceSerialNumber, DicomVR.LO, "PHANTOM-0001");
        ds.SetStrings(DicomTags.ImagerPixelSpacing, DicomVR.DS, spacing, spacing);
        ds.SetString(DicomTags.PositionerType, DicomVR.CS, "");
        ds.SetString(DicomTags.ViewPosition, DicomVR.CS, p.View);
        ds.SetString(DicomTags.DetectorType, DicomVR.CS, "DIRECT");
        ds.SetString(DicomTags.StudyInstanceUID, DicomVR.UI, Uid("study"));
        ds.SetString(DicomTags.SeriesInstanceUID, DicomVR.UI, Uid("series"));
        ds.SetString(DicomTags.StudyID, DicomVR.SH, "1");
        ds.SetString(DicomTags.SeriesNumber, DicomVR.IS, "1");
        ds.SetString(DicomTags.InstanceNumber, DicomVR.IS, "1");
        ds.SetStrings(DicomTags.PatientOrientation, DicomVR.CS, p.Orientation);
        ds.SetString(DicomTags.ImageLaterality, DicomVR.CS, "U");
        ds.SetStrings(DicomTags.PixelSpacing, DicomVR.DS, spacing, spacing);
        ds.SetString(DicomTags.BurnedInAnnotation, DicomVR.CS, "NO");
        ds.SetString(DicomTags.PixelIntensityRelationship, DicomVR.CS, "LOG");
        ds.SetValues(DicomTags.PixelIntensityRelationshipSign, DicomVR.SS, (short)1);
        ds.SetString(DicomTags.WindowCenter, DicomVR.DS, center.ToString(CultureInfo.InvariantCulture));
        ds.SetString(DicomTags.WindowWidth, DicomVR.DS, width.ToString(CultureInfo.InvariantCulture));
        ds.SetString(DicomTags.RescaleIntercept, DicomVR.DS, "0");
        ds.SetString(DicomTags.RescaleSlope, DicomVR.DS, "1");
        ds.SetString(DicomTags.RescaleType, DicomVR.LO, "US");
        ds.SetString(DicomTags.LossyImageCompression, DicomVR.CS, "00");
        ds.Set(new DicomSequence(DicomTags.AcquisitionContextSequence, []));
        ds.SetString(DicomTags.PresentationLUTShape, DicomVR.CS, "IDENTITY");
        DicomPixels.Store(ds, image, TransferSyntax.ExplicitVRLittleEndian);
        var meta = new DicomDataSet();
        meta.Set(new DicomElement(DicomTags.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0, 1 }));
        meta.SetString(DicomTags.MediaStorageSOPClassUID, DicomVR.UI, DxForPresentation);
        meta.SetString(DicomTags.MediaStorageSOPInstanceUID, DicomVR.UI, ds.GetString(DicomTags.SOPInstanceUID)!);
        meta.SetString(DicomTag.TransferSyntaxUid, DicomVR.UI, TransferSyntax.ExplicitVRLittleEndian.Uid);
        meta.SetString(DicomTags.ImplementationClassUID, DicomVR.UI, DicomUid.ImplementationClassUid);
        meta.SetString(DicomTags.ImplementationVersionName, DicomVR.SH, DicomUid.ImplementationVersionName);
        return new DicomFile(meta, ds, TransferSyntax.ExplicitVRLittleEndian, new byte[128]);
    }

    private const string DxForPresentation = "1.2.840.10008.5.1.4.1.1.1.1";

    /// <summary>A window over the anatomy: the 1st–99th percentile of the samples that are neither saturated end.</summary>
    private static (int Center, int Width) WindowOf(GrayImage image)
    {
        var histogram = new long[image.MaxValue + 1];
        long count = 0;
        foreach (var s in image.Samples)
        {
            if (s > 0 && s < image.MaxValue)
            {
                histogram[s]++;
                count++;
            }
        }
        if (count == 0)
        {
            return ((image.MaxValue + 1) / 2, image.MaxValue + 1);
        }
        int low = 0, high = image.MaxValue;
        long seen = 0;
        for (var v = 0; v <= image.MaxValue; v++)
        {
            seen += histogram[v];
            if (seen >= count / 100 && low == 0)
            {
                low = v;
            }
            if (seen >= count * 99 / 100)
            {
                high = v;
                break;
            }
        }
        return ((low + high) / 2, Math.Max(2, high - low));
    }

    private static double Interpolate(double[] table, double keV)
    {
        var i = 0;
        while (i < TableEnergies.Length - 2 && keV > TableEnergies[i + 1])
        {
            i++;
        }
        // Log–log interpolation: attenuation follows a power law between table energies.
        var t = Math.Log(keV / TableEnergies[i]) / Math.Log(TableEnergies[i + 1] / TableEnergies[i]);
        return Math.Exp(Math.Log(table[i]) + t * (Math.Log(table[i + 1]) - Math.Log(table[i])));
    }

    private static float[] Collimator(Rng rng, int w, int h, double margin)
    {
        var field = new float[w * h];
        double left = w * rng.Range(margin * 0.5, margin * 1.5), right = w * (1 - rng.Range(margin * 0.5, margin * 1.5));
        double top = h * rng.Range(margin * 0.5, margin * 1.5), bottom = h * (1 - rng.Range(margin * 0.5, margin * 1.5));
        var tilt = rng.Range(-0.012, 0.012);
        double cx = w / 2.0, cy = h / 2.0;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                double dx = x - cx, dy = y - cy;
                double u = cx + dx * Math.Cos(tilt) - dy * Math.Sin(tilt), v = cy + dx * Math.Sin(tilt) + dy * Math.Cos(tilt);
                field[y * w + x] = u >= left && u < right && v >= top && v < bottom ? 1 : 0;
            }
        }
        return field;
    }

    private sealed record Parameters(double FieldWidthMm, double FieldHeightMm, (double KeV, double Weight)[] Spectrum, double KVp,
        double QuantaPerMm2, double ScatterFraction, double ElectronicNoise, double LogRange, double CollimationMargin,
        string BodyPart, string View, string[] Orientation, string SnomedCode, string SnomedMeaning)
    {
        public static Parameters For(PhantomRegion region) => region switch
        {
            PhantomRegion.Chest => new(430, 430, [(45, 0.15), (60, 0.35), (75, 0.32), (95, 0.18)], 120, 4.0e5, 0.45, 3, 6.2, 0.05,
                "CHEST", "PA", ["L", "F"], "51185008", "Chest"),
            PhantomRegion.Hand => new(240, 300, [(30, 0.2), (38, 0.4), (46, 0.3), (55, 0.1)], 55, 3.0e5, 0.15, 3, 5.0, 0.08,
                "HAND", "PA", ["R", "H"], "85562004", "Hand"),
            PhantomRegion.Knee => new(240, 320, [(35, 0.2), (45, 0.4), (55, 0.3), (65, 0.1)], 65, 3.0e5, 0.25, 3, 5.6, 0.07,
                "KNEE", "AP", ["R", "F"], "72696002", "Knee"),
            _ => new(320, 420, [(40, 0.15), (55, 0.35), (68, 0.32), (80, 0.18)], 85, 4.0e5, 0.5, 3, 7.0, 0.06,
                "LSPINE", "AP", ["R", "F"], "122496007", "Lumbar spine"),
        };
    }
}

/// <summary>Smooth value noise in 0..1 (bilinear over a random lattice) for textures.</summary>
internal sealed class ValueNoise
{
    private const int Size = 256;
    private readonly float[] lattice = new float[Size * Size];
    private readonly double cell;

    public ValueNoise(Rng rng, double cellPixels)
    {
        cell = Math.Max(1.0, cellPixels);
        for (var i = 0; i < lattice.Length; i++)
        {
            lattice[i] = (float)rng.NextDouble();
        }
    }

    public double At(int x, int y)
    {
        double fx = x / cell, fy = y / cell;
        int ix = (int)fx, iy = (int)fy;
        double tx = fx - ix, ty = fy - iy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        float L(int a, int b) => lattice[(b & (Size - 1)) * Size + (a & (Size - 1))];
        var top = L(ix, iy) + (L(ix + 1, iy) - L(ix, iy)) * tx;
        var bottom = L(ix, iy + 1) + (L(ix + 1, iy + 1) - L(ix, iy + 1)) * tx;
        return top + (bottom - top) * ty;
    }
}
