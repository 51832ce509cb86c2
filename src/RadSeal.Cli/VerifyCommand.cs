using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using RadSeal.Provenance.Pki;
using RadSeal.Provenance.Verification;
using Spectre.Console;

namespace RadSeal.Cli;

/// <summary>
/// `radseal verify FILE|DIR... --trust CA.pem [--crl FILE] [--policy FILE] [--json]`: verify every file against a
/// fail-closed policy, in parallel, and exit 0 only when every file passes.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (searched recursively; hidden files skipped)", Arity = ArgumentArity.OneOrMore };
        var trust = new Option<string[]>("--trust") { Description = "Trust anchors: PEM bundle or DER certificate (e.g. the CA's trust.pem); repeatable", Required = true };
        var intermediates = new Option<string[]>("--intermediate") { Description = "Untrusted intermediate CA certificates; repeatable" };
        var crl = new Option<string[]>("--crl") { Description = "CRL (PEM or DER); repeatable. Given any, every certificate must be covered by its issuer's CRL" };
        var tsaTrust = new Option<string[]>("--tsa-trust") { Description = "Trust anchors for time-stamp authorities (default: --trust)" };
        var policyFile = new Option<string?>("--policy") { Description = "Policy file (JSON; see docs/signatures.md)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable report" };
        var jobs = new Option<int>("--jobs") { Description = "Files verified at once (default: processor count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("verify", "Verify DICOM digital signatures against a trust policy (fails closed: unsigned is a failure)")
        {
            paths, trust, intermediates, crl, tsaTrust, policyFile, json, jobs,
        };
        command.SetAction((r, ct) => Task.FromResult(Run(r, paths, trust, intermediates, crl, tsaTrust, policyFile, json, jobs, stdout, stderr, ct)));
        return command;
    }

    private static int Run(ParseResult r, Argument<string[]> paths, Option<string[]> trust, Option<string[]> intermediates,
        Option<string[]> crl, Option<string[]> tsaTrust, Option<string?> policyFile, Option<bool> json, Option<int> jobs,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        VerificationPolicy policy;
        try
        {
            policy = BuildPolicy(r.GetValue(trust)!, r.GetValue(intermediates) ?? [], r.GetValue(crl) ?? [], r.GetValue(tsaTrust) ?? [], r.GetValue(policyFile));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            stderr.WriteLine($"radseal: verify: {ex.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"radseal: verify: {ex.Message}");
            return ExitCodes.IOError;
        }
        var files = InputFiles.Expand(r.GetValue(paths)!);
        if (files.Count == 0)
        {
            stderr.WriteLine("radseal: verify: no files to verify (an empty folder verifies nothing, which is not a pass)");
            return ExitCodes.VerificationFailed;
        }

        var verifier = new SignatureVerifier(policy);
        var reports = new VerificationReport[files.Count];
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, r.GetValue(jobs)), CancellationToken = cancellationToken };
        void VerifyAll(Action step) => Parallel.For(0, files.Count, parallel, i =>
        {
            reports[i] = verifier.VerifyFile(files[i], cancellationToken);
            step();
        });
        if (files.Count > 1 && console.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
        {
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("Verifying", maxValue: files.Count);
                    var gate = new Lock();
                    VerifyAll(() =>
                    {
                        lock (gate)
                        {
                            task.Increment(1);
                        }
                    });
                });
        }
        else
        {
            VerifyAll(() => { });
        }

        foreach (var report in reports)
        {
            if (report.FileFindings.FirstOrDefault(f => f.Code == ReasonCodes.UnreadableFile) is { } unreadable)
            {
                stderr.WriteLine($"radseal: {report.Path}: {unreadable.Message}");
            }
        }
        var passed = reports.Count(x => x.Passed);
        if (r.GetValue(json))
        {
            Json.Write(stdout, w => WriteJson(w, reports, passed));
        }
        else
        {
            WriteTable(stdout, reports, passed);
        }
        return passed == reports.Length ? ExitCodes.Ok : ExitCodes.VerificationFailed;
    }

    internal static VerificationPolicy BuildPolicy(string[] trust, string[] intermediates, string[] crls, string[] tsaTrust, string? policyFile)
    {
        var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        foreach (var t in trust)
        {
            anchors.AddRange(PemFiles.LoadCertificates(t));
        }
        var extra = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        foreach (var t in intermediates)
        {
            extra.AddRange(PemFiles.LoadCertificates(t));
        }
        var tsaAnchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        foreach (var t in tsaTrust)
        {
            tsaAnchors.AddRange(PemFiles.LoadCertificates(t));
        }
        var lists = new List<RevocationList>();
        foreach (var c in crls)
        {
            try
            {
                lists.Add(RevocationList.Parse(PemFiles.LoadCrlBytes(c)));
            }
            catch (CryptographicException ex)
            {
                throw new CryptographicException($"{c}: {ex.Message}", ex);
            }
        }
        var policy = new VerificationPolicy
        {
            TrustAnchors = anchors,
            Intermediates = extra,
            TimestampAnchors = tsaAnchors,
            RevocationLists = lists,
            RequireRevocationCheck = lists.Count > 0,
        };
        return policyFile is null ? policy : policy.WithJson(File.ReadAllText(policyFile));
    }

    private static void WriteTable(TextWriter stdout, VerificationReport[] reports, int passed)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        // Thousands of passing rows hide the few that matter: list every file when few, else only the failures.
        var shown = reports.Length <= 50 ? reports : reports.Where(x => !x.Passed).ToArray();
        if (shown.Length > 0)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("File", "Verdict", "Reasons", "Signer", "Signed at");
            foreach (var report in shown)
            {
                var main = report.Signatures.FirstOrDefault(s => s.IsTopLevel && s.Counted);
                table.AddRow(
                    Markup.Escape(report.Path ?? ""),
                    report.Passed ? "PASS" : "FAIL",
                    Markup.Escape(report.Passed ? "-" : string.Join(' ', report.FailureCodes)),
                    Markup.Escape(main?.SignerSerialNumber ?? main?.Signer ?? "-"),
                    Markup.Escape(main is null ? "-" : $"{SignaturesCommand.Time(main.SigningTime)} ({main.TimeSource})"));
            }
            console.Write(table);
        }
        stdout.WriteLine($"{reports.Length} file{(reports.Length == 1 ? "" : "s")}: {passed} passed, {reports.Length - passed} failed");
    }

    private static void WriteJson(Utf8JsonWriter w, VerificationReport[] reports, int passed)
    {
        w.WriteStartObject();
        w.WriteStartObject("summary");
        w.WriteNumber("files", reports.Length);
        w.WriteNumber("passed", passed);
        w.WriteNumber("failed", reports.Length - passed);
        w.WriteEndObject();
        w.WriteStartArray("files");
        foreach (var report in reports)
        {
            w.WriteStartObject();
            w.WriteString("path", report.Path);
            w.WriteBoolean("passed", report.Passed);
            Json.WriteStrings(w, "codes", report.FailureCodes);
            WriteFindings(w, report.FileFindings);
            w.WriteStartArray("signatures");
            foreach (var s in report.Signatures)
            {
                w.WriteStartObject();
                w.WriteString("location", s.Location);
                if (s.MacId is { } id)
                {
                    w.WriteNumber("macId", id);
                }
                w.WriteString("uid", s.Uid);
                w.WriteBoolean("trusted", s.Trusted);
                w.WriteBoolean("counted", s.Counted);
                w.WriteBoolean("inOriginalAttributes", s.InOriginalAttributes);
                w.WriteString("macAlgorithm", s.MacAlgorithm);
                w.WriteString("signer", s.Signer);
                w.WriteString("deviceSerialNumber", s.SignerSerialNumber);
                w.WriteString("issuer", s.Issuer);
                w.WriteString("key", s.KeyAlgorithm);
                if (s.SigningTime is { } t)
                {
                    w.WriteString("signingTime", t.ToUniversalTime());
                }
                w.WriteString("timeSource", s.TimeSource);
                Json.WriteStrings(w, "signedTags", s.SignedTags.Select(x => x.ToString()));
                WriteFindings(w, s.Findings);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteFindings(Utf8JsonWriter w, IEnumerable<Finding> findings)
    {
        w.WriteStartArray("findings");
        foreach (var f in findings)
        {
            w.WriteStartObject();
            w.WriteString("code", f.Code);
            w.WriteString("severity", f.Severity == FindingSeverity.Failure ? "failure" : "info");
            w.WriteString("message", f.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
