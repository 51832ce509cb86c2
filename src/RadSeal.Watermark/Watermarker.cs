using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RadSeal.Imaging;

namespace RadSeal.Watermark;

/// <summary>The verdict on a picture's pixels. Only <see cref="Valid"/> is a positive answer.</summary>
public enum WatermarkStatus
{
    /// <summary>Every block is intact and the signature over them verifies under a trusted certificate.</summary>
    Valid,

    /// <summary>A mark is there but the pixels, the signature, the signer or the identity do not check out.</summary>
    Tampered,

    /// <summary>No mark was found: says nothing either way about the pixels.</summary>
    Absent,

    /// <summary>
    /// A mark is there and no block was changed, but the signer's certificate (which format 3 and 4 marks name by reference,
    /// not carry) is not among the certificates the verifier holds, so the signature cannot be checked. Never valid.
    /// </summary>
    Unverifiable,
}

/// <summary>A block of the image, in pixels.</summary>
public sealed record BlockRect(int Frame, int X, int Y, int Width, int Height);

/// <summary>The outcome of <see cref="Watermarker.Verify"/>.</summary>
/// <param name="Reason">A stable code: ok, no-mark, blocks-changed, mark-unrecoverable, signature-invalid, signer-untrusted, identity-mismatch, signer-certificate-unavailable.</param>
/// <param name="MapAuthenticated">True when the block MACs read from the pixels are the signed ones, so the map cannot have been forged; false when the map rests on MACs that were altered too.</param>
public sealed record WatermarkReport(WatermarkStatus Status, string Reason, string Detail, IReadOnlyList<BlockRect> TamperedBlocks,
    int BlockCount, int BlockSize, string? Signer, string? IdentityHash, bool MapAuthenticated);

/// <summary>What embedding did to the pixels.</summary>
/// <param name="LostBlocks">How many blocks the record survives losing: any that many of the blocks carrying the most record symbols (so any that many blocks at all).</param>
public sealed record EmbedStatistics(int Blocks, int BlockSize, int PayloadBits, int RecordBytes, long PixelsChanged, int LargestChange,
    double MeanSquaredError, IReadOnlyDictionary<int, int> StepsUsed, int LostBlocks);

/// <summary>
/// The reversible fragile watermark: embed a signed mark into the pixels, verify it (valid / tampered with the block
/// map / absent), and restore the original pixels bit for bit. Pure functions over stored samples; the DICOM and file
/// plumbing lives in <see cref="DicomWatermark"/> and the CLI.
/// </summary>
public static class Watermarker
{
    // What each block carries: the first 32 bits of its MAC (the tag, for localisation); a block that carries part of
    // the record stream adds its offset and the stream length (u16 each), 2 bytes of SHA-256(record) (blocks grafted
    // from another marked image show a different value, so they are set aside instead of corrupting the Reed–Solomon
    // decoding of this image's record) and its run of stream symbols.
    internal const int TagBytes = 4;
    internal const int CarrierBytes = 6;

    /// <summary>A marked copy of <paramref name="image"/>, bound to <paramref name="identityHash"/> (32 bytes, e.g. SHA-256 of the SOP Instance UID).</summary>
    public static GrayImage Embed(GrayImage image, IWatermarkSigner signer, ReadOnlySpan<byte> identityHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var marked = image.Clone();
        EmbedInPlace(marked.Samples, image.Width, image.Height, image.Frames, image.BitsStored, image.IsSigned, signer, identityHash, cancellationToken);
        return marked;
    }

    /// <summary>Embeds the mark into <paramref name="samples"/> (frames of width×height, values 0..2^bits−1).</summary>
    public static EmbedStatistics EmbedInPlace(Span<ushort> samples, int width, int height, int frames, int bitsStored, bool isSigned,
        IWatermarkSigner signer, ReadOnlySpan<byte> identityHash, CancellationToken cancellationToken = default) =>
        EmbedInPlace(samples, width, height, frames, bitsStored, isSigned, signer, identityHash, null, cancellationToken);

    /// <summary>As above; <paramref name="blockSize"/> forces one of <see cref="BlockGrid.Sizes"/> (the benchmark's sweep) instead of the planner's choice.</summary>
    internal static EmbedStatistics EmbedInPlace(Span<ushort> samples, int width, int height, int frames, int bitsStored, bool isSigned,
        IWatermarkSigner signer, ReadOnlySpan<byte> identityHash, int? blockSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (identityHash.Length != 32)
        {
            throw new ArgumentException("The identity hash must be 32 bytes (SHA-256).", nameof(identityHash));
        }
        if (samples.Length != width * height * frames || bitsStored is < 2 or > 16)
        {
            throw new ArgumentException($"{samples.Length} samples do not make {width}x{height}x{frames} pixels of 2..16 bits.", nameof(samples));
        }
        var maxValue = (1 << bitsStored) - 1;
        var certificate = signer.Certificate.ToArray();
        // The record's length depends only on the grid (whether it carries the full-MAC root) and the key (the
        // signature has a fixed size per key), so each grid's stream length is known before the grid is chosen.
        var signatureLength = SignatureLength(certificate);
        var planner = new MarkPlanner(samples, width, height, frames, bitsStored, TagBytes, CarrierBytes, grid => MarkRecord.Length(signatureLength, grid));
        var plans = planner.Plans(blockSize);
        if (plans.Count == 0)
        {
            throw new WatermarkException($"No room for the mark: its record ({MarkRecord.Length(signatureLength, BlockGrid.For(width, height, frames))} bytes " +
                $"before parity) does not fit in the blocks of a {width}x{height} image.");
        }
        var scratch = new BlockCodec.Scratch();
        var undo = new UndoLog();
        string? failure = null;
        // The plans are estimates: a block that turns out to have no room for its share of the record (saturated areas)
        // is relieved of it and the plan redone; a block with no room even for its tag moves on to the next plan. On the
        // chosen plan, first a strict pass: a block whose record share would need a step above 1 (changes of ±2 or
        // more) is relieved of it too, up to MaxRelieved times, so that the record moves to blocks that carry it at ±1.
        const int MaxRelieved = 8;
        // Before that, the planner's estimate is checked against the pixels: the next finer grid, when its estimate is
        // within 4× the budget, is tried and kept only if the mark it makes really stays within the budget at ±1 (the
        // attempt stops as soon as it exceeds the budget or heads for twice it).
        if (blockSize is null)
        {
            var finer = planner.Candidates().Where(c => c.Grid.BlockSize < plans[0].Grid.BlockSize && c.EstimatedChangedShare <= 4 * MarkPlanner.ChangedBudget)
                .OrderByDescending(c => c.Grid.BlockSize).Take(1);
            foreach (var plan in finer)
            {
                if (TryEmbedPlan(samples, width, height, bitsStored, isSigned, signer, identityHash, certificate, plan, Mode.WithinBudget, scratch, undo,
                    cancellationToken, out var statistics, out _, out _))
                {
                    return statistics!;
                }
                undo.Apply(samples);
            }
        }
        for (var p = -1; p < plans.Count; p++)
        {
            var strict = p < 0;
            var excluded = new HashSet<int>();
            for (var plan = plans[Math.Max(0, p)]; plan is not null; plan = planner.Replan(plan, excluded))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryEmbedPlan(samples, width, height, bitsStored, isSigned, signer, identityHash, certificate, plan,
                    strict ? Mode.StepOneForRecord : Mode.Lenient, scratch, undo,
                    cancellationToken, out var statistics, out failure, out var failedBlock))
                {
                    return statistics!;
                }
                undo.Apply(samples); // leave the caller's pixels as they were
                if (plan.RecordSymbols[failedBlock] == 0 || !excluded.Add(failedBlock) || (strict && excluded.Count > MaxRelieved))
                {
                    break;
                }
            }
        }
        throw new WatermarkException(failure!);
    }

    private static bool TryEmbedPlan(Span<ushort> samples, int width, int height, int bitsStored, bool isSigned, IWatermarkSigner signer,
        ReadOnlySpan<byte> identityHash, byte[] certificate, MarkPlan plan, Mode mode, BlockCodec.Scratch scratch, UndoLog undo,
        CancellationToken cancellationToken, out EmbedStatistics? statistics, out string? failure, out int failedBlock)
    {
        statistics = null;
        failure = null;
        failedBlock = -1;
        var maxValue = (1 << bitsStored) - 1;
        var grid = plan.Grid;
        var stream = plan.Stream;
        scratch.Ensure(grid.Blocks.Max(b => b.Width * b.Height), grid.Blocks.Max(b => b.Width));
        var draft = MarkRecord.Create(identityHash, null, certificate, []);
        var key = draft.BlockKey(grid, bitsStored);
        var leaves = new byte[grid.Blocks.Count][];
        var tags = new byte[grid.Blocks.Count][];
        using (var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key))
        {
            foreach (var b in grid.Blocks)
            {
                var frame = samples.Slice(b.Frame * width * height, width * height);
                leaves[b.Index] = Leaf(mac, b, frame, width);
                tags[b.Index] = leaves[b.Index][..TagBytes];
            }
        }
        var fullRoot = Merkle.Root(leaves);
        var signature = signer.Sign(MarkRecord.SignedMessage(MarkRecord.Current, grid, bitsStored, isSigned, draft.IdentityHash, certificate,
            fullRoot, Merkle.Root(tags)));
        var record = (draft with { FullRoot = MarkRecord.OmitsFullRoot(grid) ? null : fullRoot, Signature = signature }).Serialize();
        if (stream.Capacity < record.Length + 2)
        {
            throw new WatermarkException($"The signer returned a {signature.Length}-byte signature; its certificate's key gives {SignatureLength(certificate)} (IEEE P1363).");
        }
        var symbols = stream.Encode(record);
        var recordTag = SHA256.HashData(record).AsSpan(0, 2).ToArray();
        var steps = new Dictionary<int, int>();
        long changed = 0;
        var largest = 0;
        double squares = 0;
        var payloadBits = 0;
        var offset = 0;
        long covered = 0;
        foreach (var b in grid.Blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = plan.RecordSymbols[b.Index];
            var data = new byte[TagBytes + (count > 0 ? CarrierBytes + count : 0)];
            tags[b.Index].CopyTo(data, 0);
            if (count > 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(TagBytes), (ushort)offset);
                BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(TagBytes + 2), (ushort)stream.Descriptor);
                recordTag.CopyTo(data, TagBytes + 4);
                symbols.AsSpan(offset, count).CopyTo(data.AsSpan(TagBytes + CarrierBytes));
                offset += count;
            }
            var frame = samples.Slice(b.Frame * width * height, width * height);
            if (!BlockCodec.TryEmbed(frame, width, b, maxValue, bitsStored, data, scratch, out var step))
            {
                failedBlock = b.Index;
                failure = $"No room for the mark in block {b.Index} at ({b.X},{b.Y}) {b.Width}x{b.Height} of frame {b.Frame}: " +
                    "its pixels are too noisy or too saturated.";
                return false;
            }
            undo.Add(scratch, b.Frame * width * height);
            if ((mode == Mode.StepOneForRecord && step > 1 && count > 0) || (mode == Mode.WithinBudget && step > 1))
            {
                failedBlock = b.Index;
                failure = $"Block {b.Index} carries its share of the mark only with changes of ±{step}.";
                return false;
            }
            steps[step] = steps.GetValueOrDefault(step) + 1;
            changed += scratch.Changed;
            largest = Math.Max(largest, scratch.Largest);
            covered += (long)b.Width * b.Height;
            if (mode == Mode.WithinBudget && (changed > MarkPlanner.ChangedBudget * samples.Length
                || (covered * 5 >= samples.Length && changed > 2 * MarkPlanner.ChangedBudget * covered)))
            {
                failedBlock = b.Index;
                failure = "The mark would change more pixels than the budget allows.";
                return false;
            }
            squares += scratch.Squares;
            payloadBits += data.Length * 8 + BlockCodec.OverheadBits(data.Length);
        }
        statistics = new EmbedStatistics(grid.Blocks.Count, grid.BlockSize, payloadBits, record.Length, changed, largest,
            squares / samples.Length, steps, SurvivableLosses(stream, plan.RecordSymbols));
        return true;
    }

    /// <summary>How strictly an attempt holds to ±1: any step (the last resort), step 1 for blocks that carry record symbols, or step 1 everywhere and within the changed-pixel budget.</summary>
    private enum Mode
    {
        Lenient,
        StepOneForRecord,
        WithinBudget,
    }

    /// <summary>
    /// The most blocks whose loss the record survives: losing the n blocks with the longest runs of the stream is the
    /// worst case (runs are contiguous and codewords interleaved, so a run of r symbols erases about r/C of each codeword).
    /// </summary>
    internal static int SurvivableLosses(RecordStream stream, int[] recordSymbols)
    {
        var runs = new List<(int Offset, int Count)>();
        var offset = 0;
        foreach (var count in recordSymbols)
        {
            if (count > 0)
            {
                runs.Add((offset, count));
                offset += count;
            }
        }
        runs.Sort((a, b) => b.Count.CompareTo(a.Count));
        var erased = new int[stream.Codewords];
        var survived = 0;
        foreach (var (start, count) in runs)
        {
            for (var j = start; j < start + count; j++)
            {
                erased[j % stream.Codewords]++;
            }
            for (var c = 0; c < stream.Codewords; c++)
            {
                if (erased[c] > stream.Parity[c])
                {
                    return survived;
                }
            }
            survived++;
        }
        return recordSymbols.Length;
    }

    /// <summary>The original values of every pixel marking changed, so a failed attempt can be undone without a copy of the image.</summary>
    private sealed class UndoLog
    {
        private readonly List<int> positions = [];
        private readonly List<ushort> values = [];

        public void Add(BlockCodec.Scratch scratch, int offset)
        {
            for (var k = 0; k < scratch.UndoCount; k++)
            {
                positions.Add(offset + scratch.UndoPosition[k]);
                values.Add(scratch.UndoValue[k]);
            }
            scratch.UndoCount = 0;
        }

        public void Apply(Span<ushort> samples)
        {
            for (var k = positions.Count - 1; k >= 0; k--)
            {
                samples[positions[k]] = values[k];
            }
            positions.Clear();
            values.Clear();
        }
    }

    /// <summary>An IEEE P1363 ECDSA signature is r‖s, each as long as the curve order.</summary>
    private static int SignatureLength(byte[] certificate)
    {
        using var parsed = X509CertificateLoader.LoadCertificate(certificate);
        using var key = parsed.GetECDsaPublicKey() ?? throw new WatermarkException("The signer's certificate does not hold an ECDSA public key.");
        return 2 * ((key.KeySize + 7) / 8);
    }

    /// <summary>
    /// Checks the mark. <paramref name="expectedIdentity"/> (32 bytes) is the identity the image should have, or empty
    /// when unknown (a PNG). The signer's certificate is looked up by the mark's reference among
    /// <paramref name="certificates"/> and <paramref name="trustAnchors"/>; when it is in neither the verdict is
    /// <see cref="WatermarkStatus.Unverifiable"/> (unless blocks were changed: that is <see cref="WatermarkStatus.Tampered"/> either way).
    /// </summary>
    public static WatermarkReport Verify(GrayImage image, X509Certificate2Collection trustAnchors, ReadOnlySpan<byte> expectedIdentity,
        X509Certificate2Collection? certificates = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (image.Width < BlockGrid.MinSide || image.Height < BlockGrid.MinSide)
        {
            return new WatermarkReport(WatermarkStatus.Absent, "no-mark", "The image is too small to carry the mark.", [], 0, 0, null, null, false);
        }
        var analysis = Analyse(image, verdictOnly: true);
        return Judge(image, analysis, trustAnchors, expectedIdentity, certificates);
    }

    /// <summary>Verify and, when the verdict is valid, the original pixels, from one pass over the blocks.</summary>
    public static (WatermarkReport Report, GrayImage? Restored) VerifyAndRestore(GrayImage image, X509Certificate2Collection trustAnchors,
        ReadOnlySpan<byte> expectedIdentity, X509Certificate2Collection? certificates = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (image.Width < BlockGrid.MinSide || image.Height < BlockGrid.MinSide)
        {
            return (Verify(image, trustAnchors, expectedIdentity, certificates), null);
        }
        var analysis = Analyse(image, verdictOnly: true);
        var report = Judge(image, analysis, trustAnchors, expectedIdentity, certificates);
        return (report, report.Status == WatermarkStatus.Valid ? image.WithSamples(analysis.Restored) : null);
    }

    /// <summary>The original pixels. Throws <see cref="WatermarkException"/> when the mark is absent or any block was changed (restoring would not give the original).</summary>
    public static GrayImage Restore(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Width < BlockGrid.MinSide || image.Height < BlockGrid.MinSide)
        {
            throw new WatermarkException("The image carries no watermark.");
        }
        var analysis = Analyse(image);
        if (analysis.Readable == 0)
        {
            throw new WatermarkException("The image carries no watermark.");
        }
        if (analysis.Record is null)
        {
            throw new WatermarkException("The watermark is damaged beyond recovery; the original pixels cannot be restored.");
        }
        var (changed, leaves) = ChangedBlocks(image, analysis);
        if (changed.Count > 0)
        {
            throw new WatermarkException($"{changed.Count} block(s) were changed after marking (first at {changed[0].X},{changed[0].Y}); restoring would not give the original.");
        }
        // A record that carries the full-MAC root (all but format 4's coarse grids) is checked against it too; without
        // it, only the signature (which restore, needing no certificate, does not check) covers the full MACs.
        if (analysis.Record.FullRoot is { } fullRoot && !Merkle.Root(leaves).AsSpan().SequenceEqual(fullRoot))
        {
            throw new WatermarkException("The restored pixels do not match the signed block MACs; restoring would not give the original.");
        }
        return image.WithSamples(analysis.Restored);
    }

    private sealed class Analysis
    {
        public required BlockGrid Grid { get; init; }
        public required ushort[] Restored { get; init; }
        public required byte[]?[] Data { get; init; }
        public int Readable { get; set; }
        public MarkRecord? Record { get; set; }
    }

    /// <summary>
    /// How many blocks of <paramref name="grid"/> decode to a block payload (as <see cref="Analyse"/> counts them),
    /// counting up to <paramref name="enough"/>. Only blocks whose header passes its CRC are decoded, each from a copy of
    /// its own pixels: a block's codec reads nothing outside the block and its CRCs are seeded by index and shape, not
    /// position. So an unmarked image in which a few headers pass by chance (about 1 in 256 blocks) is answered without
    /// copying and decoding the whole image.
    /// </summary>
    private static int ReadableBlocks(GrayImage image, BlockGrid grid, int enough)
    {
        var readable = 0;
        BlockCodec.Scratch? scratch = null;
        ushort[]? copy = null;
        foreach (var b in grid.Blocks)
        {
            var frame = image.Frame(b.Frame);
            if (!BlockCodec.HeaderPasses(frame, image.Width, b))
            {
                continue;
            }
            var size = b.Width * b.Height;
            if (copy is null || copy.Length < size)
            {
                copy = new ushort[size];
            }
            for (var y = 0; y < b.Height; y++)
            {
                frame.Slice((b.Y + y) * image.Width + b.X, b.Width).CopyTo(copy.AsSpan(y * b.Width, b.Width));
            }
            scratch ??= new BlockCodec.Scratch();
            if (BlockCodec.TryExtract(copy.AsSpan(0, size), b.Width, b with { Frame = 0, X = 0, Y = 0 }, image.MaxValue, image.BitsStored, scratch, out var bytes)
                && IsBlockPayload(bytes) && ++readable >= enough)
            {
                break;
            }
        }
        return readable;
    }

    /// <summary>A decoded block payload: a tag alone, or a tag and a carrier.</summary>
    private static bool IsBlockPayload(byte[] bytes) => bytes.Length == TagBytes || bytes.Length > TagBytes + CarrierBytes;

    /// <summary>The grid the mark uses: the block size whose block headers check out most often (the finest on a tie or when none do).</summary>
    private static BlockGrid FindGrid(GrayImage image)
    {
        var sizes = BlockGrid.Sizes(image.Width, image.Height);
        BlockGrid? best = null;
        var bestPasses = -1;
        var bestTried = 1;
        foreach (var size in sizes)
        {
            var grid = BlockGrid.For(image.Width, image.Height, image.Frames, size);
            // Up to 256 blocks spread over the grid are enough to tell (a marked grid passes nearly all, another ~1/256).
            var stride = Math.Max(1, grid.Blocks.Count / 256);
            int passes = 0, tried = 0;
            for (var i = 0; i < grid.Blocks.Count; i += stride)
            {
                var b = grid.Blocks[i];
                passes += BlockCodec.HeaderPasses(image.Frame(b.Frame), image.Width, b) ? 1 : 0;
                tried++;
            }
            // Compare shares, not counts: a finer grid has more blocks.
            if (best is null || (long)passes * bestTried > (long)bestPasses * tried)
            {
                best = grid;
                bestPasses = passes;
                bestTried = tried;
            }
        }
        return best!;
    }

    /// <summary>
    /// Reads every block of the mark's grid. With <paramref name="verdictOnly"/> (verify: only the verdict and, when
    /// valid, the restored pixels are used) an image whose grid has fewer readable blocks than <see cref="Judge"/>
    /// needs is answered from those alone (<see cref="ReadableBlocks"/>): it can only be absent, and copying and
    /// decoding it whole would change nothing. That is every unmarked image the gateway checks.
    /// </summary>
    private static Analysis Analyse(GrayImage image, bool verdictOnly = false)
    {
        var grid = FindGrid(image);
        var needed = Math.Min(2, grid.Blocks.Count);
        if (verdictOnly && ReadableBlocks(image, grid, needed) < needed)
        {
            return new Analysis { Grid = grid, Restored = [], Data = new byte[]?[grid.Blocks.Count], Readable = 0 };
        }
        var restored = image.Samples.ToArray();
        var data = new byte[]?[grid.Blocks.Count];
        var scratch = new BlockCodec.Scratch();
        scratch.Ensure(grid.Blocks.Max(b => b.Width * b.Height), grid.Blocks.Max(b => b.Width));
        var readable = 0;
        var frameLength = image.Width * image.Height;
        foreach (var b in grid.Blocks)
        {
            // Each block is decoded in place in the copy: an unreadable block is left as it was.
            var frame = restored.AsSpan(b.Frame * frameLength, frameLength);
            if (BlockCodec.TryExtract(frame, image.Width, b, image.MaxValue, image.BitsStored, scratch, out var bytes) && IsBlockPayload(bytes))
            {
                data[b.Index] = bytes;
                readable++;
            }
            else if (bytes.Length > 0)
            {
                // Readable but not a RadSeal block payload: put its pixels back as they were.
                for (var y = 0; y < b.Height; y++)
                {
                    image.Samples.Slice(b.Frame * frameLength + (b.Y + y) * image.Width + b.X, b.Width)
                        .CopyTo(frame.Slice((b.Y + y) * image.Width + b.X, b.Width));
                }
            }
        }
        var analysis = new Analysis { Grid = grid, Restored = restored, Data = data, Readable = readable };
        // The stream length and record tag the carriers were given: the most common pair whose stream decodes to a record
        // with that tag. Carriers with another pair came from elsewhere (a graft): they are treated as unreadable.
        var carriers = data.Where(d => d is not null && d.Length > TagBytes).Select(d => d!).ToList();
        var groups = carriers.GroupBy(d => (StreamDescriptor(d), RecordTag(d))).OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key.Item1).ThenBy(g => g.Key.Item2).Select(g => g.Key).Take(4).ToList();
        foreach (var (descriptor, tag) in groups)
        {
            // A record without the full-MAC root is format 4's on a coarse grid only: elsewhere it would let restore
            // skip the root check, so it is not taken for this image's record.
            if (DecodeRecord(data, descriptor, tag) is { } record && (record.FullRoot is not null || MarkRecord.OmitsFullRoot(grid)))
            {
                analysis.Record = record;
                for (var i = 0; i < data.Length; i++)
                {
                    if (data[i] is { Length: > TagBytes } d && (StreamDescriptor(d) != descriptor || RecordTag(d) != tag))
                    {
                        data[i] = null;
                        analysis.Readable--;
                    }
                }
                break;
            }
        }
        return analysis;
    }

    private static MarkRecord? DecodeRecord(byte[]?[] data, int descriptor, int tag)
    {
        if (RecordStream.FromDescriptor(descriptor) is not { } stream)
        {
            return null;
        }
        var streamLength = stream.Length;
        var symbols = new byte[streamLength];
        var erased = new bool[streamLength];
        erased.AsSpan().Fill(true);
        foreach (var d in data)
        {
            if (d is not { Length: > TagBytes } || StreamDescriptor(d) != descriptor || RecordTag(d) != tag)
            {
                continue;
            }
            var offset = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(TagBytes));
            var count = d.Length - TagBytes - CarrierBytes;
            if (offset + count <= streamLength)
            {
                d.AsSpan(TagBytes + CarrierBytes).CopyTo(symbols.AsSpan(offset));
                erased.AsSpan(offset, count).Clear();
            }
        }
        return stream.Decode(symbols, erased) is { } recordBytes
            && SHA256.HashData(recordBytes) is var digest && ((digest[0] << 8) | digest[1]) == tag ? MarkRecord.Parse(recordBytes) : null;
    }

    private static int StreamDescriptor(byte[] carrier) => BinaryPrimitives.ReadUInt16BigEndian(carrier.AsSpan(TagBytes + 2));

    private static int RecordTag(byte[] carrier) => BinaryPrimitives.ReadUInt16BigEndian(carrier.AsSpan(TagBytes + 4));

    /// <summary>
    /// Blocks that are unreadable or whose restored pixels do not match the tag they carry, and the full MACs of the
    /// restored blocks (the Merkle leaves the signature covers).
    /// </summary>
    private static (List<Block> Changed, byte[][] Leaves) ChangedBlocks(GrayImage image, Analysis analysis)
    {
        var record = analysis.Record!;
        var key = record.BlockKey(analysis.Grid, image.BitsStored);
        var changed = new List<Block>();
        var leaves = new byte[analysis.Grid.Blocks.Count][];
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        var frameLength = image.Width * image.Height;
        foreach (var b in analysis.Grid.Blocks)
        {
            var data = analysis.Data[b.Index];
            leaves[b.Index] = Leaf(mac, b, analysis.Restored.AsSpan(b.Frame * frameLength, frameLength), image.Width);
            if (data is null || !leaves[b.Index].AsSpan(0, TagBytes).SequenceEqual(data.AsSpan(0, TagBytes)))
            {
                changed.Add(b);
            }
        }
        return (changed, leaves);
    }

    private static WatermarkReport Judge(GrayImage image, Analysis analysis, X509Certificate2Collection trustAnchors, ReadOnlySpan<byte> expectedIdentity,
        X509Certificate2Collection? certificates)
    {
        var grid = analysis.Grid;
        WatermarkReport Report(WatermarkStatus status, string reason, string detail, IEnumerable<Block> blocks, string? signer = null,
            byte[]? identity = null, bool authenticated = false) =>
            new(status, reason, detail, [.. blocks.Select(b => new BlockRect(b.Frame, b.X, b.Y, b.Width, b.Height))], grid.Blocks.Count,
                grid.BlockSize, signer, identity is null ? null : Convert.ToHexStringLower(identity), authenticated);

        // A couple of blocks passing two CRCs by chance is ~2^-48: fewer than two readable blocks is "no mark".
        if (analysis.Readable < Math.Min(2, grid.Blocks.Count))
        {
            return Report(WatermarkStatus.Absent, "no-mark", "No watermark was found in the pixels.", []);
        }
        if (analysis.Record is not { } record)
        {
            return Report(WatermarkStatus.Tampered, "mark-unrecoverable",
                $"{analysis.Readable} of {grid.Blocks.Count} blocks carry a mark, but too many are damaged to recover the signature.",
                grid.Blocks.Where(b => analysis.Data[b.Index] is null));
        }
        // The block tags need only the record (formats 3 and 4 key them by the certificate reference), so changed blocks are
        // found and reported whether or not the signer's certificate is at hand.
        var (changed, leaves) = ChangedBlocks(image, analysis);
        var reference = Convert.ToHexStringLower(record.CertificateReference);
        X509Certificate2? certificate;
        try
        {
            certificate = record.Certificate is { } embedded ? X509CertificateLoader.LoadCertificate(embedded) : Resolve(record.CertificateReference, certificates, trustAnchors);
        }
        catch (CryptographicException)
        {
            return Report(WatermarkStatus.Tampered, "signature-invalid", "The certificate in the mark cannot be read.", [], identity: record.IdentityHash);
        }
        // Formats 3 and 4 carry the first 16 bytes of the identity hash (2^128 against a second preimage), format 2 all 32.
        var identityMatches = expectedIdentity.IsEmpty
            || expectedIdentity[..Math.Min(expectedIdentity.Length, record.IdentityHash.Length)].SequenceEqual(record.IdentityHash);
        if (certificate is null)
        {
            if (!identityMatches && changed.Count == 0)
            {
                // A negative verdict needs no signature: whoever made the mark, it names another image.
                return Report(WatermarkStatus.Tampered, "identity-mismatch",
                    "The mark belongs to another image (its identity hash differs from this instance's; the signer's certificate is not available).",
                    [], identity: record.IdentityHash);
            }
            if (changed.Count > 0)
            {
                return Report(WatermarkStatus.Tampered, "blocks-changed",
                    $"{changed.Count} of {grid.Blocks.Count} blocks were changed after marking (the signer's certificate, reference sha256:{reference}…, " +
                    "is not available, so the map is not authenticated).", changed, identity: record.IdentityHash);
            }
            return Report(WatermarkStatus.Unverifiable, "signer-certificate-unavailable",
                $"Cannot verify: the signer's certificate (reference sha256:{reference}…) is not available; pass it with --cert or add it to the trust bundle.",
                [], identity: record.IdentityHash);
        }
        using (certificate)
        {
            var signer = certificate.Subject;
            using var publicKey = certificate.GetECDsaPublicKey();
            // The signature covers the full-MAC root and the root of the tags the blocks carry. The full-MAC root is the
            // record's where it carries one, else the one recomputed from the restored pixels (format 4 on coarse grids:
            // then changed blocks make the signature fail, and the map is not authenticated).
            var carried = analysis.Data.Select(d => d is null ? null : d.AsSpan(0, TagBytes).ToArray()).ToList();
            var recomputed = Merkle.Root(leaves);
            var signatureCovers = carried.All(t => t is not null) && publicKey is not null && publicKey.VerifyData(
                MarkRecord.SignedMessage(record.Version, grid, image.BitsStored, image.IsSigned, record.IdentityHash, certificate.RawData,
                    record.FullRoot ?? recomputed, Merkle.Root(carried!)),
                record.Signature, EcdsaSigner.HashFor(publicKey.KeySize), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            if (changed.Count > 0)
            {
                // The map is authenticated when the tags read from every block are exactly the signed ones.
                return Report(WatermarkStatus.Tampered, "blocks-changed", $"{changed.Count} of {grid.Blocks.Count} blocks were changed after marking.",
                    changed, signer, record.IdentityHash, signatureCovers);
            }
            // Every tag matches; validity rests on the full 256-bit MACs: their Merkle root must be the signed one.
            if (!signatureCovers || !recomputed.AsSpan().SequenceEqual(record.FullRoot ?? recomputed))
            {
                return Report(WatermarkStatus.Tampered, "signature-invalid",
                    "The signature does not cover these pixels (the mark was rewritten or moved); the change cannot be localised.",
                    [], signer, record.IdentityHash);
            }
            if (!identityMatches)
            {
                return Report(WatermarkStatus.Tampered, "identity-mismatch",
                    "The mark belongs to another image (its identity hash differs from this instance's).", [], signer, record.IdentityHash, true);
            }
            if (!IsTrusted(certificate, trustAnchors, certificates, out var why))
            {
                return Report(WatermarkStatus.Tampered, "signer-untrusted", $"The signer '{signer}' is not trusted: {why}.", [], signer, record.IdentityHash, true);
            }
            return Report(WatermarkStatus.Valid, "ok", "Every block is intact and the signature verifies.", [], signer, record.IdentityHash, true);
        }
    }

    /// <summary>The certificate whose SHA-256 starts with <paramref name="reference"/>, from the certificates given or the trust anchors (a copy the caller disposes); null when none is.</summary>
    private static X509Certificate2? Resolve(byte[] reference, X509Certificate2Collection? certificates, X509Certificate2Collection anchors)
    {
        foreach (var candidate in (certificates ?? []).Concat(anchors))
        {
            if (MarkRecord.Reference(candidate.RawData).AsSpan().SequenceEqual(reference))
            {
                return X509CertificateLoader.LoadCertificate(candidate.RawData);
            }
        }
        return null;
    }

    private static bool IsTrusted(X509Certificate2 certificate, X509Certificate2Collection anchors, X509Certificate2Collection? intermediates, out string why)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        // Certificates handed in with --cert may include intermediate CAs; they help build the chain but anchor nothing.
        if (intermediates is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        }
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            why = "";
            return true;
        }
        why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        if (why.Length == 0)
        {
            why = "no chain to the trust anchors";
        }
        return false;
    }

    /// <summary>The block MAC: HMAC-SHA-256 over the block's place and its (restored) pixels (all 32 bytes; blocks carry the first 4).</summary>
    private static byte[] Leaf(IncrementalHash mac, Block b, ReadOnlySpan<ushort> frame, int stride)
    {
        Span<byte> descriptor = stackalloc byte[24];
        BinaryPrimitives.WriteInt32BigEndian(descriptor, b.Frame);
        BinaryPrimitives.WriteInt32BigEndian(descriptor[4..], b.Index);
        BinaryPrimitives.WriteInt32BigEndian(descriptor[8..], b.X);
        BinaryPrimitives.WriteInt32BigEndian(descriptor[12..], b.Y);
        BinaryPrimitives.WriteInt32BigEndian(descriptor[16..], b.Width);
        BinaryPrimitives.WriteInt32BigEndian(descriptor[20..], b.Height);
        mac.AppendData(descriptor);
        for (var y = 0; y < b.Height; y++)
        {
            mac.AppendData(MemoryMarshal.AsBytes(frame.Slice((b.Y + y) * stride + b.X, b.Width)));
        }
        return mac.GetHashAndReset();
    }
}
