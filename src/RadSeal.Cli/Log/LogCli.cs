using System.Net.Http.Headers;
using RadSeal.Ledger;
using RadSeal.Ledger.Checkpoints;
using RadSeal.Ledger.Log;
using RadSeal.Ledger.Storage;
using RadSeal.Ledger.Tiles;

namespace RadSeal.Cli.Log;

/// <summary>A failure that ends a log verb with one stderr line and an exit code.</summary>
internal sealed class LogVerbException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>What the log verbs share: opening a local log, talking to a server, reading keys, writing files atomically.</summary>
internal static class LogCli
{
    /// <summary>Runs a verb body, turning known failures into one stderr line and an exit code.</summary>
    public static int Run(TextWriter stderr, Func<Task<int>> body)
    {
        try
        {
            return body().GetAwaiter().GetResult();
        }
        catch (LogVerbException e)
        {
            stderr.WriteLine($"radseal: {e.Message}");
            return e.ExitCode;
        }
        catch (LogServerException e)
        {
            stderr.WriteLine($"radseal: {e.Message}");
            return ExitCodes.ServiceError;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"radseal: log server: {e.Message}");
            return ExitCodes.ServiceError;
        }
        catch (LogIntegrityException e)
        {
            stderr.WriteLine($"radseal: the stored log failed its integrity check: {e.Message}");
            return ExitCodes.CheckFailed;
        }
        catch (Exception e) when (e is System.Data.Common.DbException)
        {
            stderr.WriteLine($"radseal: database: {e.Message}");
            return ExitCodes.IOError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"radseal: {e.Message}");
            return ExitCodes.IOError;
        }
    }

    /// <summary>Opens the log in a --db value (creating it on first use).</summary>
    public static async Task<(ILogStore Store, TransparencyLog Log)> OpenLocalAsync(string db, string? origin = null)
    {
        var store = LogStores.Open(db);
        try
        {
            return (store, await TransparencyLog.OpenAsync(store, new LogOptions { Origin = origin }));
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public static async Task CloseAsync(ILogStore store, TransparencyLog log)
    {
        await log.DisposeAsync();
        await store.DisposeAsync();
    }

    public static HttpClient Client(string url)
    {
        try
        {
            return LogHttp.Client(url);
        }
        catch (ArgumentException)
        {
            throw new LogVerbException(ExitCodes.Usage, $"--url '{url}' is not an http(s) URL");
        }
    }

    /// <summary>GETs a resource; null on 404; a <see cref="LogServerException"/> on another error status.</summary>
    public static Task<byte[]?> GetAsync(HttpClient client, string path, CancellationToken cancellationToken = default) =>
        LogHttp.GetAsync(client, path, cancellationToken);

    public static async Task<string> GetTextAsync(HttpClient client, string path) =>
        System.Text.Encoding.UTF8.GetString(await GetAsync(client, path) ?? throw new LogServerException($"log server: /{path} not found"));

    public static TileSource HttpTiles(HttpClient client) => LogHttp.Tiles(client);

    public static TileSource LocalTiles(TransparencyLog log) => (tile, ct) => log.ReadTileAsync(tile, ct);

    /// <summary>A verifier key given inline (name+id+key) or as a file holding one.</summary>
    public static NoteVerifier ReadVerifier(string keyOrFile)
    {
        var text = File.Exists(keyOrFile) ? File.ReadAllText(keyOrFile).Trim() : keyOrFile.Trim();
        try
        {
            return NoteVerifier.Parse(text);
        }
        catch (LedgerFormatException e)
        {
            throw new LogVerbException(ExitCodes.Usage, $"key '{keyOrFile}': {e.Message}");
        }
    }

    public static NoteSigner ReadSigner(string file)
    {
        if (!File.Exists(file))
        {
            throw new LogVerbException(ExitCodes.IOError, $"{file}: no such key file");
        }
        try
        {
            return NoteSigner.Parse(File.ReadAllText(file).Trim());
        }
        catch (LedgerFormatException e)
        {
            throw new LogVerbException(ExitCodes.InvalidInput, $"{file}: {e.Message}");
        }
    }

    public static string ReadFile(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new LogVerbException(ExitCodes.IOError, $"{path}: no such file");

    /// <summary>Writes a file via a temporary beside it, flushed and renamed, so it is never half-written.</summary>
    public static void WriteAtomically(string path, string text, bool secret = false)
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Environment.ProcessId;
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        {
            var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    public static void Bearer(HttpClient client, string token) =>
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
}
