using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using RadSeal.Cli.Log;
using RadSeal.Forensics;
using RadSeal.Forensics.Layers;
using RadSeal.Forensics.Pixels;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Storage;
using RadSeal.Provenance.Pki;
using Spectre.Console;

namespace RadSeal.Cli;

/// <summary>
/// `radseal inspect FILE|DIR... [--trust CA] [--watermark-trust CA] [--c2pa-trust CA] [--log URL|STORE --log-key VKEY]
/// [--json] [--html DIR]`: one
/// explainable authenticity verdict per image from every layer of evidence. Exit 0 when every file was inspected
/// (whatever the verdicts), 1 when any input could not be read.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (searched recursively; hidden files skipped): DICOM, PNG, JPEG", Arity = ArgumentArity.OneOrMore };
        var trust = new Option<string[]>("--trust") { Description = "Trust anchors for DICOM digital signatures (PEM/DER); without: signatures not checked" };
        var watermarkTrust = new Option<string[]>("--watermark-trust") { Description = "Trust anchors for RadSeal watermark signers; without: watermark not checked" };
        var c2paTrust = new Option<string[]>("--c2pa-trust") { Description = "Trust anchors for C2PA signers; without: a valid manifest never proves authenticity" };
        var log = new Option<string?>("--log") { Description = "Check ledger inclusion in this transparency log: its URL, or a local store (SQLite file or postgresql:// URI)" };
        var logKey = new Option<string?>("--log-key") { Description = "The log's verifier key (vkey), trusted out of band: the key itself, or file:PATH" };
        var json = new Option<bool>("--json") { Description = "Machine-readable report: [{file, verdict, findings: [{layer, code, severity, message}]}]" };
        var html = new Option<string?>("--html") { Description = "Write an HTML report (index.html with thumbnails, verdicts, findings, tamper maps) into this folder" };
        var noPixels = new Option<bool>("--no-pixels") { Description = "Skip the pixel detector (about 0.2 s of CPU per image); the pixel layer then reports 'not checked'" };
        var jobs = new Option<int>("--jobs") { Description = "Files inspected at once (default: processor count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("inspect", "One explainable authenticity verdict per image: authentic, tampered, declared-ai, suspicious or no-evidence")
        {
            paths, trust, watermarkTrust, c2paTrust, log, logKey, json, html, noPixels, jobs,
        };
        command.SetAction(async (r, ct) =>
        {
            var logValue = r.GetValue(log);
            var keyValue = r.GetValue(logKey);
            if ((logValue is null) != (keyValue is null))
            {
                stderr.WriteLine("radseal: inspect: --log and --log-key go together: the log's checkpoint is only believed when it verifies with a key from elsewhere");
                return ExitCodes.Usage;
            }
            RadSeal.Ledger.Checkpoints.NoteVerifier? verifier = null;
            if (keyValue is not null)
            {
                try
                {
                    verifier = LogCli.ReadVerifier(keyValue.StartsWith("file:", StringComparison.Ordinal) ? LogCli.ReadFile(keyValue[5..]) : keyValue);
                }
                catch (LogVerbException e)
                {
                    stderr.WriteLine($"radseal: inspect: --log-key: {e.Message}");
                    return e.ExitCode;
                }
            }
            if (logValue is null)
            {
                return await RunAsync(r.GetValue(paths)!, r.GetValue(trust) ?? [], r.GetValue(watermarkTrust) ?? [], r.GetValue(c2paTrust) ?? [], null,
                    r.GetValue(json), r.GetValue(html), !r.GetValue(noPixels), Math.Max(1, r.GetValue(jobs)), stdout, stderr, ct);
            }
            if (logValue.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || logValue.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                HttpClient client;
                try
                {
                    client = LogHttp.Client(logValue, TimeSpan.FromSeconds(30));
                }
                catch (ArgumentException e)
                {
                    stderr.WriteLine($"radseal: inspect: --log: {e.Message}");
                    return ExitCodes.Usage;
                }
                using (client)
                {
                    return await RunAsync(r.GetValue(paths)!, r.GetValue(trust) ?? [], r.GetValue(watermarkTrust) ?? [], r.GetValue(c2paTrust) ?? [],
                        LedgerSource.Http(client, verifier!), r.GetValue(json), r.GetValue(html), !r.GetValue(noPixels), Math.Max(1, r.GetValue(jobs)), stdout, stderr, ct);
                }
            }
            // A local store: opened (which checks its own edge against its signed checkpoint), then read like a server.
            ILogStore store;
            TransparencyLog opened;
            try
            {
                (store, opened) = await LogCli.OpenLocalAsync(logValue);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException or LogIntegrityException or ArgumentException)
            {
                stderr.WriteLine($"radseal: inspect: --log {logValue}: {e.Message}");
                return e is LogIntegrityException ? ExitCodes.CheckFailed : ExitCodes.IOError;
            }
            try
            {
                return await RunAsync(r.GetValue(paths)!, r.GetValue(trust) ?? [], r.GetValue(watermarkTrust) ?? [], r.GetValue(c2paTrust) ?? [],
                    LedgerSource.Local(opened, verifier!, logValue), r.GetValue(json), r.GetValue(html), !r.GetValue(noPixels), Math.Max(1, r.GetValue(jobs)), stdout, stderr, ct);
            }
            finally
            {
                await LogCli.CloseAsync(store, opened);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string[] paths, string[] trust, string[] watermarkTrust, string[] c2paTrust, LedgerSource? ledger, bool json, string? htmlDir,
        bool pixels, int jobs, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var detector = pixels ? PixelDetector.LoadDefault() : null;
        InspectorOptions options;
        try
        {
            options = new InspectorOptions
            {
                SignaturePolicy = trust.Length == 0 ? null : VerifyCommand.BuildPolicy(trust, [], [], [], null),
                WatermarkTrust = Anchors(watermarkTrust),
                C2paTrust = Anchors(c2paTrust),
                Ledger = ledger,
                PixelDetector = detector,
                Thumbnails = htmlDir is not null,
            };
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            stderr.WriteLine($"radseal: inspect: {ex.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"radseal: inspect: {ex.Message}");
            return ExitCodes.IOError;
        }
        var files = InputFiles.Expand(paths);
        if (files.Count == 0)
        {
            stderr.WriteLine("radseal: inspect: no files to inspect");
            return ExitCodes.Usage;
        }

        var inspector = new Inspector(options);
        var reports = new InspectionReport[files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = cancellationToken };
        Task InspectAll(Action step) => Parallel.ForAsync(0, files.Count, parallel, async (i, ct) =>
        {
            reports[i] = await inspector.InspectAsync(files[i], ct).ConfigureAwait(false);
            step();
        });
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        // The progress bar goes to stderr and only to a terminal, so --json output stays clean.
        if (files.Count > 1 && console.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
        {
            await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("Inspecting", maxValue: files.Count);
                    var gate = new Lock();
                    await InspectAll(() =>
                    {
                        lock (gate)
                        {
                            task.Increment(1);
                        }
                    }).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        else
        {
            await InspectAll(() => { }).ConfigureAwait(false);
        }

        foreach (var report in reports.Where(r => r.Error is not null))
        {
            stderr.WriteLine($"radseal: {report.Path}: {report.Error}");
        }
        if (htmlDir is not null)
        {
            try
            {
                Directory.CreateDirectory(htmlDir);
                var page = HtmlReport.Render(reports, DateTimeOffset.UtcNow);
                Imaging.ImageFiles.WriteAtomically(Path.Combine(htmlDir, "index.html"), System.Text.Encoding.UTF8.GetBytes(page));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"radseal: {htmlDir}: {ex.Message}");
                return ExitCodes.IOError;
            }
        }
        if (json)
        {
            Json.Write(stdout, w => WriteJson(w, reports));
        }
        else
        {
            WriteTable(stdout, reports);
        }
        return reports.Any(r => r.Error is not null) ? ExitCodes.InvalidInput : ExitCodes.Ok;
    }

    private static X509Certificate2Collection? Anchors(string[] files)
    {
        if (files.Length == 0)
        {
            return null;
        }
        var anchors = new X509Certificate2Collection();
        foreach (var f in files)
        {
            anchors.AddRange(PemFiles.LoadCertificates(f));
        }
        return anchors;
    }

    /// <summary>The --json contract: an array of {file, verdict, findings: [{layer, code, severity, message}]}.</summary>
    internal static void WriteJson(Utf8JsonWriter w, IEnumerable<InspectionReport> reports)
    {
        w.WriteStartArray();
        foreach (var report in reports)
        {
            w.WriteStartObject();
            w.WriteString("file", report.Path);
            w.WriteString("verdict", report.Verdict.ToJson());
            w.WriteStartArray("findings");
            foreach (var f in report.Findings)
            {
                w.WriteStartObject();
                w.WriteString("layer", f.Layer);
                w.WriteString("code", f.Code);
                w.WriteString("severity", f.Severity.ToJson());
                w.WriteString("message", f.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteTable(TextWriter stdout, InspectionReport[] reports)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        var table = new Table().Border(TableBorder.Simple).AddColumns("File", "Verdict", "Findings (failures and warnings; --json for all)");
        foreach (var report in reports)
        {
            var weighty = report.Findings.Where(f => f.Severity != Severity.Info).ToArray();
            var lines = weighty.Length > 0 ? weighty.Select(f => $"{f.Code}: {f.Message}")
                : report.Findings.Where(f => f.Code is "C2PA_DECLARED_AI" or "SIGNATURE_VALID" or "WATERMARK_VALID" or "C2PA_PROVEN" or "LEDGER_INCLUDED").Select(f => $"{f.Code}: {f.Message}");
            table.AddRow(Markup.Escape(report.Path), Markup.Escape(report.Verdict.ToDisplay()), Markup.Escape(string.Join("\n", lines.DefaultIfEmpty("-"))));
        }
        console.Write(table);
        var counts = string.Join(", ", reports.GroupBy(r => r.Verdict).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToDisplay()}"));
        stdout.WriteLine($"{reports.Length} file{(reports.Length == 1 ? "" : "s")}: {counts}");
    }
}
