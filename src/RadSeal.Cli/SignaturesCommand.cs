using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RadSeal.Dicom;
using RadSeal.Provenance.Signatures;
using RadSeal.Provenance.Verification;

namespace RadSeal.Cli;

/// <summary>
/// `radseal signatures FILE`: list every signature (location, signer, tags, algorithm, time) and whether its MAC still
/// matches. Listing is not verification: no trust policy is applied here; use `radseal verify` for a verdict.
/// </summary>
internal static class SignaturesCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "DICOM file" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("signatures", "List the digital signatures in a DICOM file (no trust decision; see verify)") { file, json };
        command.SetAction(r => Run(r.GetValue(file)!, r.GetValue(json), stdout, stderr));
        return command;
    }

    private static int Run(string path, bool json, TextWriter stdout, TextWriter stderr)
    {
        DicomFile file;
        try
        {
            file = DicomFile.Open(path);
        }
        catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
        {
            return Failures.Report(stderr, path, ex);
        }
        var signatures = DicomSignatures.Find(file.DataSet);
        var checks = signatures.Select(s => SignatureCheck.Verify(s)).ToArray();
        if (json)
        {
            Json.Write(stdout, w =>
            {
                w.WriteStartObject();
                w.WriteString("path", path);
                w.WriteStartArray("signatures");
                for (var i = 0; i < signatures.Count; i++)
                {
                    WriteSignature(w, signatures[i], checks[i]);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        }
        stdout.WriteLine($"{path}: {signatures.Count} signature{(signatures.Count == 1 ? "" : "s")}");
        for (var i = 0; i < signatures.Count; i++)
        {
            var s = signatures[i];
            var cert = s.TryGetCertificate();
            stdout.WriteLine($"#{i + 1} {s.Location}{(s.InOriginalAttributes ? " (in Original Attributes Sequence: never trusted)" : "")}");
            stdout.WriteLine($"  UID            {s.Uid}");
            stdout.WriteLine($"  MAC ID         {s.MacId}");
            stdout.WriteLine($"  MAC algorithm  {s.MacAlgorithmTerm} over {Syntax(s.MacSyntaxUid)}");
            stdout.WriteLine($"  signer         {cert?.Subject ?? "(no certificate)"}");
            if (cert is not null)
            {
                stdout.WriteLine($"  issuer         {cert.Issuer}");
                stdout.WriteLine($"  device serial  {SignatureVerifier.SubjectSerialNumber(cert) ?? "(none)"}");
            }
            stdout.WriteLine($"  signed at      {s.DateTimeText}{(s.TimestampBytes is null ? "" : " (with certified time-stamp " + s.TimestampType + ")")}");
            if (s.PurposeCodes.Count > 0)
            {
                stdout.WriteLine($"  purpose        {string.Join(", ", s.PurposeCodes)}");
            }
            stdout.WriteLine($"  elements       {s.SignedTags.Count}: {string.Join(' ', s.SignedTags.Select(Name))}");
            stdout.WriteLine($"  integrity      {checks[i].Outcome}: {checks[i].Detail}");
        }
        return ExitCodes.Ok;
    }

    internal static void WriteSignature(Utf8JsonWriter w, DicomSignature s, CryptoResult? integrity)
    {
        var cert = s.TryGetCertificate();
        w.WriteStartObject();
        w.WriteString("location", s.Location);
        w.WriteBoolean("inOriginalAttributes", s.InOriginalAttributes);
        if (s.MacId is { } id)
        {
            w.WriteNumber("macId", id);
        }
        w.WriteString("uid", s.Uid);
        w.WriteString("macAlgorithm", s.MacAlgorithmTerm);
        w.WriteString("macTransferSyntax", s.MacSyntaxUid);
        w.WriteString("dateTime", s.DateTimeText);
        w.WriteString("signer", cert?.Subject);
        w.WriteString("issuer", cert?.Issuer);
        w.WriteString("deviceSerialNumber", cert is null ? null : SignatureVerifier.SubjectSerialNumber(cert));
        w.WriteBoolean("timestamped", s.TimestampBytes is not null);
        Json.WriteStrings(w, "purpose", s.PurposeCodes);
        Json.WriteStrings(w, "signedTags", s.SignedTags.Select(t => t.ToString()));
        if (integrity is not null)
        {
            w.WriteString("integrity", integrity.Outcome.ToString());
            w.WriteString("integrityDetail", integrity.Detail);
        }
        w.WriteEndObject();
    }

    internal static string Name(DicomTag tag) => DicomDictionary.Lookup(tag)?.Keyword is { Length: > 0 } k ? k : tag.ToString();

    private static string Syntax(string? uid) =>
        uid is not null && TransferSyntax.IsKnown(uid) ? TransferSyntax.FromUid(uid).Name : uid ?? "(none)";

    internal static string Time(DateTimeOffset? t) => t?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}
