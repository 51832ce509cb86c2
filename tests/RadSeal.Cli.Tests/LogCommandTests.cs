using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RadSeal.Dicom;
using RadSeal.Ledger.Entries;
using RadSeal.Ledger.Merkle;
using RadSeal.Server;
using RadSeal.Server.Ledger;

namespace RadSeal.Cli.Tests;

/// <summary>`radseal log …` run in-process: the contract verbs, their output and exit codes.</summary>
public sealed class LogCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Program.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Sample => Path.Combine(RepoRoot.Path, "samples", "sample-dx.dcm");

    private string Db => _dir.File("log.db");

    private string LogKey()
    {
        var (exit, output, err) = Run("log", "checkpoint", "--db", Db, "--vkey");
        Assert.True(exit == ExitCodes.Ok, err);
        return output.Trim();
    }

    /// <summary>A copy of the sample with a Digital Signatures Sequence item (signature and signer certificate bytes).</summary>
    private string SignedSample(string name, string uid, byte[] signature, byte[] certificate)
    {
        var file = DicomFile.Open(Sample);
        file.DataSet.Set(new DicomElement(DicomTags.SOPInstanceUID, DicomVR.UI, System.Text.Encoding.ASCII.GetBytes(uid.Length % 2 == 0 ? uid : uid + "\0")));
        var item = new DicomDataSet();
        item.Set(new DicomElement(DicomTags.CertificateOfSigner, DicomVR.OB, certificate));
        item.Set(new DicomElement(DicomTags.Signature, DicomVR.OB, signature));
        file.DataSet.Set(new DicomSequence(DicomTags.DigitalSignaturesSequence, [item]));
        var path = _dir.File(name);
        file.Save(path);
        return path;
    }

    [Fact]
    public void Append_logs_one_entry_per_file_with_the_hashes_and_no_uid()
    {
        var signature = RandomNumberGenerator.GetBytes(256);
        var certificate = RandomNumberGenerator.GetBytes(300);
        const string uid = "1.2.826.0.1.3680043.10.543.7";
        var signed = SignedSample("signed.dcm", uid, signature, certificate);
        var broken = _dir.File("broken.dcm");
        File.WriteAllBytes(broken, [1, 2, 3]);

        var (exit, output, err) = Run("log", "append", "--db", Db, "--json", Sample, broken, signed);
        Assert.Equal(ExitCodes.InvalidInput, exit); // the broken file; the others are still logged
        Assert.Contains("broken.dcm", err, StringComparison.Ordinal);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[1]);
        var entryBytes = Convert.FromBase64String(doc.RootElement.GetProperty("entry").GetString()!);
        var entry = LogEntry.Decode(entryBytes);
        Assert.Equal(Hash.Sha256(signature), entry.Submission.SignatureHash);
        Assert.Equal(Hash.Sha256(certificate), entry.Submission.DeviceCertificateFingerprint);
        var pixels = ((DicomElement)DicomFile.Open(signed).DataSet[DicomTags.PixelData]).GetLittleEndianBytes();
        Assert.Equal(Hash.Sha256(pixels.Span), entry.Submission.PixelHash);
        Assert.NotEqual(default, entry.Submission.SubjectCommitment);
        Assert.DoesNotContain(uid, System.Text.Encoding.Latin1.GetString(entryBytes), StringComparison.Ordinal);

        // The unsigned sample has zero signature fields.
        using var first = JsonDocument.Parse(lines[0]);
        var unsigned = LogEntry.Decode(Convert.FromBase64String(first.RootElement.GetProperty("entry").GetString()!));
        Assert.Equal(default, unsigned.Submission.SignatureHash);
    }

    [Fact]
    public void Prove_then_verify_proof_offline_and_a_tampered_bundle_fails()
    {
        Assert.Equal(ExitCodes.Ok, Run("log", "append", "--db", Db, Sample, Sample, Sample).Exit);
        var key = LogKey();
        var bundle = _dir.File("proof.json");
        Assert.Equal(ExitCodes.Ok, Run("log", "prove", "--db", Db, "--index", "1", "--out", bundle).Exit);
        var (exit, output, err) = Run("log", "verify-proof", bundle, "--key", key);
        Assert.True(exit == ExitCodes.Ok, err);
        Assert.StartsWith("valid: entry 1", output, StringComparison.Ordinal);

        var tampered = _dir.File("tampered.json");
        File.WriteAllText(tampered, File.ReadAllText(bundle).Replace("\"leafIndex\": 1", "\"leafIndex\": 2", StringComparison.Ordinal));
        (exit, _, err) = Run("log", "verify-proof", tampered, "--key", key);
        Assert.Equal(ExitCodes.CheckFailed, exit);
        Assert.Contains("does not verify", err, StringComparison.Ordinal);

        // A key that is not the log's: the checkpoint does not verify, so nothing does.
        var otherKey = Run("log", "keygen", "--name", LogKey().Split('+')[0], "--out", _dir.File("other.key")).Out.Trim();
        Assert.Equal(ExitCodes.CheckFailed, Run("log", "verify-proof", bundle, "--key", otherKey).Exit);

        // Consistency from an older checkpoint.
        var old = _dir.File("old.checkpoint");
        File.WriteAllText(old, Run("log", "checkpoint", "--db", Db).Out);
        Assert.Equal(ExitCodes.Ok, Run("log", "append", "--db", Db, Sample).Exit);
        var consistency = _dir.File("consistency.json");
        Assert.Equal(ExitCodes.Ok, Run("log", "prove", "--db", Db, "--from", "3", "--out", consistency).Exit);
        (exit, output, err) = Run("log", "verify-proof", consistency, "--key", key, "--old-checkpoint", old);
        Assert.True(exit == ExitCodes.Ok, err);
        Assert.Contains("extends the log of size 3", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Witness_cosigns_offline_and_refuses_a_fork()
    {
        Assert.Equal(ExitCodes.Ok, Run("log", "append", "--db", Db, Sample, Sample).Exit);
        var logKey = LogKey();
        var (exit, witnessVkey, _) = Run("log", "keygen", "--name", "witness.test/w1", "--witness", "--out", _dir.File("w.key"));
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal(ExitCodes.IOError, Run("log", "keygen", "--name", "witness.test/w1", "--out", _dir.File("w.key")).Exit);

        var cp2 = _dir.File("cp2");
        File.WriteAllText(cp2, Run("log", "checkpoint", "--db", Db).Out);
        var state = _dir.File("w.state");
        string[] witness = ["log", "witness", "--log-key", logKey, "--key", _dir.File("w.key"), "--state", state];
        (exit, var cosigned, var err) = Run([.. witness, "--checkpoint", cp2]);
        Assert.True(exit == ExitCodes.Ok, err);
        Assert.Contains("\u2014 witness.test/w1 ", cosigned, StringComparison.Ordinal);
        var opened = RadSeal.Ledger.Checkpoints.Note.Parse(cosigned).Open([RadSeal.Ledger.Checkpoints.NoteVerifier.Parse(witnessVkey.Trim())]);
        Assert.Single(opened);

        // Fork: a copy of the log at size 2 grows differently from the original.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var forkDb = _dir.File("fork.db");
        File.Copy(Db, forkDb);
        Assert.Equal(ExitCodes.Ok, Run("log", "append", "--db", Db, Sample).Exit);
        Assert.Equal(ExitCodes.Ok, Run("log", "append", "--db", forkDb, Sample, Sample).Exit);

        var proof3 = _dir.File("p3.json");
        Assert.Equal(ExitCodes.Ok, Run("log", "prove", "--db", Db, "--from", "2", "--out", proof3).Exit);
        var cp3 = _dir.File("cp3");
        File.WriteAllText(cp3, Run("log", "checkpoint", "--db", Db).Out);
        Assert.Equal(ExitCodes.Ok, Run([.. witness, "--checkpoint", cp3, "--proof", proof3]).Exit);

        var forkProof = _dir.File("fork-proof.json");
        Assert.Equal(ExitCodes.Ok, Run("log", "prove", "--db", forkDb, "--from", "3", "--out", forkProof).Exit);
        var cpFork = _dir.File("cp-fork");
        File.WriteAllText(cpFork, Run("log", "checkpoint", "--db", forkDb).Out);
        (exit, _, err) = Run([.. witness, "--checkpoint", cpFork, "--proof", forkProof]);
        Assert.Equal(ExitCodes.CheckFailed, exit);
        Assert.Contains("witness refused (Fork)", err, StringComparison.Ordinal);
        // The state still holds the last good checkpoint (size 3).
        Assert.Contains("\n3\n", File.ReadAllText(state), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Witness_audit_and_prove_against_a_running_server()
    {
        var app = RadSealServer.Build(new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Ledger = new LedgerHostOptions { Db = Db, Origin = "radseal.test/ledger", SubmitTokens = ["0123456789abcdef"] },
        });
        await app.StartAsync();
        try
        {
            var url = app.Urls.First();
            var log = ((LedgerHost)app.Services.GetService(typeof(LedgerHost))!).Log;
            foreach (var i in Enumerable.Range(0, 300))
            {
                await log.AppendAsync(new EntrySubmission(log.CommitSubject($"1.2.3.{i}"), Hash.Sha256([(byte)i]), default, default));
            }
            var key = log.PublicKey.ToString();
            Assert.Equal(ExitCodes.Ok, Run("log", "keygen", "--name", "witness.test/w2", "--witness", "--out", _dir.File("w.key")).Exit);
            string[] witness = ["log", "witness", "--url", url, "--log-key", key, "--key", _dir.File("w.key"), "--state", _dir.File("w.state")];
            var (exit, _, err) = Run(witness);
            Assert.True(exit == ExitCodes.Ok, err);
            await log.AppendAsync(new EntrySubmission(log.CommitSubject("1.2.3.999"), Hash.Sha256([1, 2]), default, default));
            (exit, _, err) = Run(witness);
            Assert.True(exit == ExitCodes.Ok, err);

            (exit, var output, err) = Run("log", "audit", "--url", url, "--key", key);
            Assert.True(exit == ExitCodes.Ok, err);
            Assert.StartsWith("consistent: 301 of 301 entries", output, StringComparison.Ordinal);

            (exit, output, _) = Run("log", "prove", "--url", url, "--index", "299");
            Assert.Equal(ExitCodes.Ok, exit);
            File.WriteAllText(_dir.File("p.json"), output);
            Assert.Equal(ExitCodes.Ok, Run("log", "verify-proof", _dir.File("p.json"), "--key", key).Exit);

            Assert.Equal(ExitCodes.Usage, Run("log", "audit", "--url", url).Exit);
            Assert.Equal(ExitCodes.CheckFailed, Run("log", "prove", "--url", url, "--leaf-hash", new string('0', 64)).Exit);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Assert.Equal(ExitCodes.ServiceError, Run("log", "checkpoint", "--url", "http://127.0.0.1:9").Exit);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(ExitCodes.Usage, Run("log", "append", Sample).Exit); // no --db
        Assert.Equal(ExitCodes.Usage, Run("log", "prove", "--db", Db).Exit);
        Assert.Equal(ExitCodes.Usage, Run("log", "checkpoint").Exit);
        Assert.Equal(ExitCodes.Usage, Run("log", "verify-proof", "x.json", "--key", "not a key").Exit);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
