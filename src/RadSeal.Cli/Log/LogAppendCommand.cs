using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Merkle;

namespace RadSeal.Cli.Log;

/// <summary>
/// `radseal log append --db PATH FILE…`: one entry per DICOM file, for local administration. The entry holds the keyed
/// commitment to the SOP Instance UID, the pixel-content hash, the signature hash and the signer certificate's
/// fingerprint (docs/ledger.md says exactly which bytes each covers); nothing else from the file.
/// </summary>
internal static class LogAppendCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var db = new Option<string>("--db") { Description = "The log's store (SQLite file or postgresql:// URI)", Required = true };
        var files = new Argument<string[]>("files") { Description = "DICOM files to log", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON object per file: path, index, leafHash, entry (base64)" };
        var command = new Command("append", "Log one entry per DICOM file (waits until each is durable)") { db, files, json };
        command.SetAction(result => LogCli.Run(stderr, () => RunAsync(result.GetValue(db)!, result.GetValue(files)!, result.GetValue(json), stdout, stderr)));
        return command;
    }

    /// <summary>What the log records about a DICOM file. Without a digital signature both signature fields are zero.</summary>
    internal static (string Uid, Hash Pixels, Hash Signature, Hash Device) Describe(DicomFile file)
    {
        var uid = file.DataSet.GetString(DicomTags.SOPInstanceUID)?.Trim('\0', ' ')
            ?? throw new DicomFormatException("no SOP Instance UID (0008,0018)");
        if (!SubjectCommitments.IsUidShaped(uid))
        {
            throw new DicomFormatException($"SOP Instance UID '{uid}' is not a UID");
        }
        var pixels = file.DataSet.Find(DicomTags.PixelData) switch
        {
            DicomElement e => Hash.Sha256(e.GetLittleEndianBytes().Span),
            DicomFragmentSequence f => HashFragments(f),
            _ => throw new DicomFormatException("no Pixel Data (7FE0,0010)"),
        };
        var signature = default(Hash);
        var device = default(Hash);
        if (file.DataSet.FindSequence(DicomTags.DigitalSignaturesSequence) is { Items.Count: > 0 } signatures)
        {
            using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var item in signatures.Items)
            {
                if (item.FindElement(DicomTags.Signature) is { } s)
                {
                    all.AppendData(s.Value.GetMemory().Span);
                }
            }
            signature = Hash.FromBytes(all.GetHashAndReset());
            if (signatures.Items[0].FindElement(DicomTags.CertificateOfSigner) is { } certificate)
            {
                device = Hash.Sha256(certificate.Value.GetMemory().Span);
            }
        }
        return (uid, pixels, signature, device);
    }

    private static Hash HashFragments(DicomFragmentSequence fragments)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var fragment in fragments.Fragments)
        {
            sha.AppendData(fragment.GetMemory().Span);
        }
        return Hash.FromBytes(sha.GetHashAndReset());
    }

    private static async Task<int> RunAsync(string db, string[] files, bool json, TextWriter stdout, TextWriter stderr)
    {
        var exit = ExitCodes.Ok;
        var described = new List<(string Path, EntrySubmission? Submission)>();
        var (store, log) = await LogCli.OpenLocalAsync(db);
        try
        {
            foreach (var path in files)
            {
                try
                {
                    var (uid, pixels, signature, device) = Describe(DicomFile.Open(path));
                    described.Add((path, new EntrySubmission(log.CommitSubject(uid), pixels, signature, device)));
                }
                catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
                {
                    exit = Failures.Worst(exit, Failures.Report(stderr, path, ex));
                }
            }
            // Appended together so they share batches (one commit for many files).
            var receipts = await Task.WhenAll(described.Select(d => log.AppendAsync(d.Submission!)));
            for (var i = 0; i < receipts.Length; i++)
            {
                var r = receipts[i];
                stdout.WriteLine(json
                    ? JsonSerializer.Serialize(new { path = described[i].Path, index = r.Index, leafHash = r.LeafHash.ToHex(), entry = Convert.ToBase64String(r.Entry) })
                    : $"{described[i].Path}: index {r.Index}, leaf {r.LeafHash}");
            }
            if (!json && receipts.Length > 0)
            {
                stdout.WriteLine($"checkpoint: size {log.Checkpoint.Checkpoint.Size}, root {log.Checkpoint.Checkpoint.Root}");
            }
        }
        finally
        {
            await LogCli.CloseAsync(store, log);
        }
        return exit;
    }
}
