using RadSeal.Ledger.Checkpoints;

namespace RadSeal.Ledger.Tests.Checkpoints;

/// <summary>
/// Signed notes and keys against values published by other implementations: the example of Go's sumdb/note
/// (golang.org/x/mod, note_test.go) and a real checkpoint of a Certificate Transparency test log cosigned by public
/// witnesses (cosignature/v1, type 0x04).
/// </summary>
public class NoteTests
{
    private const string PeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string PeterText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterNote = PeterText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    private const string ArcheCheckpoint =
        "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n" +
        "\u2014 arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n" +
        "\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n" +
        "\u2014 transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n" +
        "\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n" +
        "\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n" +
        "\u2014 witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n";

    private static readonly string[] WitnessVkeys =
    [
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
        "transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM",
        "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
        "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
    ];

    [Fact]
    public void Go_example_note_verifies()
    {
        var note = Note.Parse(PeterNote);
        Assert.Equal(PeterText, note.Text);
        var verified = note.Open([NoteVerifier.Parse(PeterVkey)]);
        Assert.Single(verified);
        Assert.Equal(PeterNote, note.Format());
    }

    [Fact]
    public void Signing_the_Go_example_reproduces_its_published_signature()
    {
        using var signer = NoteSigner.Parse(PeterSkey);
        Assert.Equal(PeterVkey, signer.Verifier.ToString());
        Assert.Equal(PeterSkey, signer.Format());
        Assert.Equal(PeterNote, new Note(PeterText, [signer.Sign(PeterText)]).Format());
    }

    [Fact]
    public void An_altered_note_is_refused_and_an_unknown_key_proves_nothing()
    {
        var altered = Note.Parse(PeterNote.Replace("cryptography", "cryptographY", StringComparison.Ordinal));
        Assert.Throws<InvalidSignatureException>(() => altered.Open([NoteVerifier.Parse(PeterVkey)]));
        using var other = NoteSigner.Generate("PeterNeumann");
        Assert.Throws<UnverifiedNoteException>(() => Note.Parse(PeterNote).Open([other.Verifier]));
    }

    [Fact]
    public void Real_witness_cosignatures_verify()
    {
        var note = Note.Parse(ArcheCheckpoint);
        Assert.Equal(6, note.Signatures.Count);
        foreach (var vkey in WitnessVkeys)
        {
            var key = NoteVerifier.Parse(vkey);
            Assert.Equal(NoteKeyType.CosignatureV1, key.Type);
            var (_, signature) = Assert.Single(note.Open([key]));
            Assert.True(NoteVerifier.CosignatureTime(signature) > 1_700_000_000);
        }
        var checkpoint = Checkpoint.Parse(note.Text);
        Assert.Equal(1432088532, checkpoint.Size);
        // Change the size: every cosignature fails.
        var forged = Note.Parse(ArcheCheckpoint.Replace("1432088532", "1432088533", StringComparison.Ordinal));
        Assert.Throws<InvalidSignatureException>(() => forged.Open([NoteVerifier.Parse(WitnessVkeys[0])]));
    }

    [Fact]
    public void Our_cosignatures_verify_and_carry_their_time()
    {
        using var witness = NoteSigner.Generate("witness.radseal.example/w1", NoteKeyType.CosignatureV1);
        var text = "log.example\n5\n" + Convert.ToBase64String(new byte[32]) + "\n";
        var time = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var note = new Note(text, [witness.Sign(text, time)]);
        var opened = Note.Parse(note.Format()).Open([NoteVerifier.Parse(witness.Verifier.ToString())]);
        Assert.Equal(1_800_000_000UL, NoteVerifier.CosignatureTime(opened[0].Signature));
        // Same key bytes as a plain Ed25519 key have another key ID, so the two types never mix.
        var plain = NoteVerifier.Create(witness.Name, NoteKeyType.Ed25519, witness.Verifier.PublicKey);
        Assert.NotEqual(plain.KeyId, witness.KeyId);
        Assert.Throws<UnverifiedNoteException>(() => note.Open([plain]));
    }

    [Theory]
    [InlineData("no signatures\n")]
    [InlineData("text\n\n")]
    [InlineData("text\n\n\u2014 name\n")]
    [InlineData("text\n\n- name AAAAAAAA\n")]
    [InlineData("text\n\n\u2014 name not*base64\n")]
    [InlineData("text\n\n\u2014 name AAAA\n")]
    [InlineData("text\n\n\u2014 na+me AAAAAAAA\n")]
    [InlineData("te\u0007xt\n\n\u2014 name AAAAAAAA\n")]
    [InlineData("text\n\n\u2014 name AAAAAAAA")]
    public void Malformed_notes_are_refused(string text) => Assert.Throws<LedgerFormatException>(() => Note.Parse(text));

    [Fact]
    public void Invalid_utf8_is_refused() => Assert.Throws<LedgerFormatException>(() => Note.Parse([0x74, 0xff, 0x0a, 0x0a]));

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // wrong key ID
    [InlineData("PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")] // wrong length
    [InlineData("PeterNeumann+c74f20a3+AhpcZ2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T")] // unknown type
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void Malformed_verifier_keys_are_refused(string vkey) => Assert.Throws<LedgerFormatException>(() => NoteVerifier.Parse(vkey));
}

public class CheckpointTests
{
    private static readonly string Root = Convert.ToBase64String(new byte[32]);

    [Fact]
    public void Checkpoints_round_trip_with_extension_lines()
    {
        var text = $"radseal.example/ledger\n42\n{Root}\nextension one\n";
        var checkpoint = Checkpoint.Parse(text);
        Assert.Equal(("radseal.example/ledger", 42L), (checkpoint.Origin, checkpoint.Size));
        Assert.Equal(["extension one"], checkpoint.Extensions);
        Assert.Equal(text, checkpoint.Format());
    }

    [Theory]
    [InlineData("origin\n42\n{root}")]
    [InlineData("origin\n42\n")]
    [InlineData("\n42\n{root}\n")]
    [InlineData("origin\n042\n{root}\n")]
    [InlineData("origin\n-1\n{root}\n")]
    [InlineData("origin\n+1\n{root}\n")]
    [InlineData("origin\n99999999999999999999\n{root}\n")]
    [InlineData("origin\n1\nAAAA\n")]
    [InlineData("origin\n1\n{root}\n\n")]
    public void Malformed_checkpoints_are_refused(string text) =>
        Assert.Throws<LedgerFormatException>(() => Checkpoint.Parse(text.Replace("{root}", Root, StringComparison.Ordinal)));

    [Fact]
    public void Signed_checkpoints_open_only_with_the_log_key_and_origin()
    {
        using var log = NoteSigner.Generate("radseal.example/ledger");
        var signed = SignedCheckpoint.Sign(new Checkpoint("radseal.example/ledger", 3, TreeHasher.EmptyRoot), log);
        var opened = SignedCheckpoint.Open(signed.Format(), log.Verifier, "radseal.example/ledger");
        Assert.Equal(signed.Checkpoint, opened.Checkpoint);
        Assert.Throws<LedgerFormatException>(() => SignedCheckpoint.Open(signed.Format(), log.Verifier, "other.example/ledger"));
        using var other = NoteSigner.Generate("radseal.example/ledger");
        Assert.Throws<UnverifiedNoteException>(() => SignedCheckpoint.Open(signed.Format(), other.Verifier));
    }
}
