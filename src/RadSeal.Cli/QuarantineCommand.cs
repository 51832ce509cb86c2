using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using RadSeal.Cli.Log;

namespace RadSeal.Cli;

/// <summary>
/// `radseal quarantine list|show|release|delete`: the gateway's quarantine, through the running server's API (not the
/// spool directly: a release must go through the same pipeline, ledger entry and audit line as everything else, and the
/// server's workers own the spool). Authenticates with the administrator token, by default the {db}.token file that
/// `radseal serve` writes.
/// </summary>
internal static class QuarantineCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("quarantine", "List, inspect, release or delete images the gateway quarantined (talks to `radseal serve`)");
        command.Subcommands.Add(Verb("list", "List quarantined images: id, SOP Instance UID, reason codes", withId: false, stdout, stderr,
            async (client, id, json, actor, output, ct) =>
            {
                var body = await SendAsync(client, HttpMethod.Get, "quarantine", null, ct);
                if (json)
                {
                    stdout.WriteLine(body);
                    return ExitCodes.Ok;
                }
                using var doc = JsonDocument.Parse(body);
                var n = 0;
                foreach (var q in doc.RootElement.EnumerateArray())
                {
                    n++;
                    stdout.WriteLine($"{q.GetProperty("id").GetString()}  {q.GetProperty("sopInstanceUid").GetString()}  {string.Join(' ', q.GetProperty("codes").EnumerateArray().Select(c => c.GetString()))}");
                }
                stdout.WriteLine($"{n} quarantined");
                return ExitCodes.Ok;
            }));
        command.Subcommands.Add(Verb("show", "Show why an image is quarantined (every check's verdict); --out saves the DICOM file", withId: true, stdout, stderr,
            async (client, id, json, actor, output, ct) =>
            {
                var body = await SendAsync(client, HttpMethod.Get, $"quarantine/{id}", null, ct);
                if (json)
                {
                    stdout.WriteLine(body);
                }
                else
                {
                    using var doc = JsonDocument.Parse(body);
                    var q = doc.RootElement;
                    stdout.WriteLine($"id: {id}");
                    stdout.WriteLine($"SOP Instance UID: {q.GetProperty("sopInstanceUid").GetString()}");
                    stdout.WriteLine($"quarantined at: {q.GetProperty("quarantinedAt").GetString()}");
                    stdout.WriteLine($"reasons: {string.Join(' ', q.GetProperty("codes").EnumerateArray().Select(c => c.GetString()))}");
                    foreach (var check in q.GetProperty("checks").EnumerateArray())
                    {
                        stdout.WriteLine($"  {check.GetProperty("check").GetString()}: {(check.GetProperty("passed").GetBoolean() ? "pass" : "FAIL")} - {check.GetProperty("detail").GetString()}");
                    }
                }
                if (output is not null)
                {
                    using var response = await client.GetAsync($"quarantine/{id}/file", ct);
                    await EnsureAsync(response, $"GET /quarantine/{id}/file", ct);
                    await File.WriteAllBytesAsync(output, await response.Content.ReadAsByteArrayAsync(ct), ct);
                }
                return ExitCodes.Ok;
            }));
        command.Subcommands.Add(Verb("release", "Release an image to the forward target without checks (audited with --actor)", withId: true, stdout, stderr,
            async (client, id, json, actor, output, ct) =>
            {
                stdout.WriteLine(await SendAsync(client, HttpMethod.Post, $"quarantine/{id}/release", actor, ct));
                return ExitCodes.Ok;
            }));
        command.Subcommands.Add(Verb("delete", "Delete a quarantined image for good (audited with --actor)", withId: true, stdout, stderr,
            async (client, id, json, actor, output, ct) =>
            {
                stdout.WriteLine(await SendAsync(client, HttpMethod.Delete, $"quarantine/{id}", actor, ct));
                return ExitCodes.Ok;
            }));
        return command;
    }

    private delegate Task<int> Body(HttpClient client, string? id, bool json, string? actor, string? output, CancellationToken cancellationToken);

    private static Command Verb(string name, string description, bool withId, TextWriter stdout, TextWriter stderr, Body body)
    {
        var id = new Argument<string>("id") { Description = "The quarantine id (from `radseal quarantine list`)" };
        var server = new Option<string>("--server") { Description = $"The server (default {ServeCommand.DefaultUrls})", DefaultValueFactory = _ => ServeCommand.DefaultUrls };
        var tokenFile = new Option<string>("--token-file") { Description = $"The administrator token (default {ServeCommand.DefaultDb}.token, written by `radseal serve`)", DefaultValueFactory = _ => ServeCommand.DefaultDb + ".token" };
        var json = new Option<bool>("--json") { Description = "The server's JSON answer" };
        var actor = new Option<string?>("--actor") { Description = "Your name, recorded in the audit log (printable ASCII, at most 64 characters)" };
        var output = new Option<string?>("--out") { Description = "show: save the quarantined DICOM file here" };
        var command = new Command(name, description) { server, tokenFile, json };
        if (withId)
        {
            command.Arguments.Add(id);
        }
        if (name is "release" or "delete")
        {
            command.Options.Add(actor);
        }
        if (name == "show")
        {
            command.Options.Add(output);
        }
        command.SetAction((r, ct) => Task.FromResult(LogCli.Run(stderr, async () =>
        {
            string token;
            try
            {
                token = (await File.ReadAllTextAsync(r.GetValue(tokenFile)!, ct)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new LogVerbException(ExitCodes.IOError, $"quarantine: cannot read the administrator token: {ex.Message}");
            }
            using var client = LogCli.Client(r.GetValue(server)!);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await body(client, withId ? r.GetValue(id) : null, r.GetValue(json), r.GetValue(actor), r.GetValue(output), ct);
        })));
        return command;
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, string path, string? actor, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (actor is not null)
        {
            request.Headers.Add("X-RadSeal-Actor", actor);
        }
        using var response = await client.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"{method} /{path}", cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var message = body;
        try
        {
            using var doc = JsonDocument.Parse(body);
            message = doc.RootElement.GetProperty("error").GetString() ?? body;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // not the server's error shape: show it as it came
        }
        throw new LogVerbException(response.StatusCode == HttpStatusCode.NotFound ? ExitCodes.InvalidInput : ExitCodes.ServiceError, $"quarantine: {what}: {(int)response.StatusCode} {message}");
    }
}
