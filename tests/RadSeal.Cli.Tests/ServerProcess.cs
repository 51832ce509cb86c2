using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace RadSeal.Cli.Tests;

/// <summary>
/// `radseal …` as a child process (the test output's apphost), for crash tests: started, read until it prints
/// "listening URL" and then a line starting with the ready prefix (its remainder is <see cref="Key"/>), killed with -9.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string url, string key)
    {
        _process = process;
        Url = url;
        Key = key;
    }

    public string Url { get; }

    public string Key { get; }

    public static async Task<ServerProcess> StartAsync(string[] args, string readyPrefix, IReadOnlyDictionary<string, string>? environment = null)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "radseal");
        var start = File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "radseal.dll") } };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start)!;
        var lines = new ConcurrentQueue<string>();
        var url = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new ConcurrentQueue<string>();
        string? listening = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                url.TrySetException(new InvalidOperationException("server exited: " + string.Join('\n', stderr)));
                return;
            }
            if (e.Data.StartsWith("listening ", StringComparison.Ordinal))
            {
                listening = e.Data.Split(' ')[1];
            }
            else if (e.Data.StartsWith(readyPrefix, StringComparison.Ordinal) && listening is not null)
            {
                url.TrySetResult((listening, e.Data[readyPrefix.Length..]));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var (u, k) = await url.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new ServerProcess(process, u, k);
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, nothing the server can do.</summary>
    public void Kill9()
    {
        _process.Kill();
        _process.WaitForExit(30_000);
    }

    public void Stop()
    {
        // SIGTERM for the final, orderly stop.
        using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        term.WaitForExit();
        if (!_process.WaitForExit(30_000))
        {
            _process.Kill();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(30_000);
        }
        _process.Dispose();
    }
}
