using System.Diagnostics;

namespace RadSeal.Dicom.Tests;

/// <summary>
/// Runs the peer tools nobody here wrote (DCMTK, pydicom, dicom3tools, GDCM). The test command installs them; a
/// missing peer fails the test with the package to install rather than skipping it silently.
/// </summary>
public static class Peers
{
    /// <summary>Debian's python3, which has python3-pydicom (the python3 on PATH may be another one).</summary>
    public const string Python = "/usr/bin/python3";

    public static string PydicomTestFiles => RequireDir("/usr/lib/python3/dist-packages/pydicom/data/test_files", "python3-pydicom");

    public static string PydicomCharsetFiles => RequireDir("/usr/lib/python3/dist-packages/pydicom/data/charset_files", "python3-pydicom");

    public static ProcessResult Run(string program, params string[] args) => Run(program, args, stdin: null, TimeSpan.FromMinutes(2));

    public static ProcessResult Run(string program, IEnumerable<string> args, string? stdin, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {program}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"Peer tool '{program}' is not installed; the test command installs it (see README: dcmtk, dicom3tools, python3-pydicom, libgdcm-tools).", ex);
        }
        using (p)
        {
            var stdoutTask = p.StandardOutput.ReadToEndAsync();
            var stderrTask = p.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                p.StandardInput.Write(stdin);
                p.StandardInput.Close();
            }
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} did not finish within {timeout}");
            }
            return new ProcessResult(p.ExitCode, stdoutTask.Result, stderrTask.Result);
        }
    }

    /// <summary>Runs a python snippet with Debian's python3 (pydicom available).</summary>
    public static ProcessResult Python3(string script, params string[] args) =>
        Run(Python, new[] { "-c", script }.Concat(args), stdin: null, TimeSpan.FromMinutes(5));

    private static string RequireDir(string path, string package) =>
        Directory.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: install the Debian package {package}.");
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public ProcessResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {ExitCode}:\n{Stderr}\n{Stdout}");
        }
        return this;
    }
}

/// <summary>A scratch directory deleted when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "radseal-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leftovers in /tmp are harmless; a failing cleanup must not mask the test result.
        }
    }
}
