using System.Text;

namespace RadSeal.Dicom.Tests.Interop;

/// <summary>
/// Runs many short peer-tool jobs (dcmdump, dciodvfy) cheaply: most of a DCMTK tool's time is its start (loading the
/// data dictionary), so dcmdump first gets the files in a few large batches, and only the files of a batch that
/// reported an error are dumped one by one to attribute it. The one-by-one jobs run from ONE bash process that fans
/// them out with xargs -P. Each job's combined output and exit code come back as a <see cref="ProcessResult"/>
/// (everything in Stdout).
/// </summary>
internal sealed class PeerBatch(string scratchDir)
{
    /// <summary>
    /// Jobs are NUL-separated triples (result prefix, kind, path). dciodvfy cannot read the Deflated syntax (it parses
    /// the compressed bytes as elements), so kind "dciodvfy-dcmconv" first converts with DCMTK's dcmconv +te.
    /// </summary>
    private const string Script = """
        job() {
          prefix=$1; kind=$2; path=$3
          case $kind in
            dcmdump) dcmdump "$path" >"$prefix.out" 2>&1; echo $? >"$prefix.rc" ;;
            dciodvfy) dciodvfy "$path" >"$prefix.out" 2>&1; echo $? >"$prefix.rc" ;;
            dciodvfy-dcmconv)
              if dcmconv +te "$path" "$prefix.dcm" >"$prefix.conv" 2>&1; then
                dciodvfy "$prefix.dcm" >"$prefix.out" 2>&1; echo $? >"$prefix.rc"
              else
                echo "Error - dcmconv +te could not convert the file: $(tr '\n' ' ' <"$prefix.conv")" >"$prefix.out"; echo 1 >"$prefix.rc"
              fi ;;
            *) echo "unknown job kind $kind" >"$prefix.out"; echo 2 >"$prefix.rc" ;;
          esac
        }
        export -f job
        xargs -0 -n3 -P"$1" bash -c 'job "$@"' _
        """;

    private readonly List<(string Prefix, string Kind, string Path, Action<ProcessResult> Done)> jobs = [];
    private readonly List<(string Path, Action<ProcessResult> Done)> dumps = [];

    public void Dcmdump(string path, Action<ProcessResult> done) => dumps.Add((path, done));

    /// <summary>
    /// dciodvfy's "Error - ..." lines (it exits 1 when there are any). A crash (it asserts on some inputs, e.g.
    /// badVR.dcm) counts as an error line naming the exit code and the last line of output.
    /// </summary>
    public void DciodvfyErrors(string path, bool viaDcmconv, Action<HashSet<string>> done) =>
        Add(viaDcmconv ? "dciodvfy-dcmconv" : "dciodvfy", path, r =>
        {
            var lines = r.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var errors = lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToHashSet();
            if (r.ExitCode is not (0 or 1))
            {
                errors.Add($"Error - dciodvfy exit code {r.ExitCode}: {lines.LastOrDefault(l => l.Length > 0)}");
            }
            done(errors);
        });

    private void Add(string kind, string path, Action<ProcessResult> done) =>
        jobs.Add((Path.Combine(scratchDir, $"job{jobs.Count:D4}"), kind, path, done));

    public void Run()
    {
        // dcmdump in batches; a batch that reports no error clears all its files (exit 0, no "E:" line).
        const int BatchSize = 100;
        var batches = dumps.Chunk(BatchSize).ToList();
        var results = new ProcessResult[batches.Count];
        Parallel.For(0, batches.Count, i => results[i] = Peers.Run("dcmdump", [.. batches[i].Select(d => d.Path)], stdin: null, TimeSpan.FromMinutes(5)));
        for (var i = 0; i < batches.Count; i++)
        {
            var r = results[i];
            var clean = r.ExitCode == 0 && !(r.Stdout + "\n" + r.Stderr).Split('\n').Any(l => l.StartsWith("E:", StringComparison.Ordinal));
            foreach (var (path, done) in batches[i])
            {
                if (clean)
                {
                    done(new ProcessResult(0, "", ""));
                }
                else
                {
                    Add("dcmdump", path, done);
                }
            }
        }

        var stdin = new StringBuilder();
        foreach (var (prefix, kind, path, _) in jobs)
        {
            stdin.Append(prefix).Append('\0').Append(kind).Append('\0').Append(path).Append('\0');
        }
        var parallel = Math.Max(4, Environment.ProcessorCount * 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Peers.Run("bash", ["-c", Script, "peer-batch", parallel], stdin.ToString(), TimeSpan.FromMinutes(5)).EnsureSuccess("peer batch");
        foreach (var (prefix, _, path, done) in jobs)
        {
            if (!File.Exists(prefix + ".rc"))
            {
                throw new InvalidOperationException($"The peer job for {path} left no result");
            }
            var rc = int.Parse(File.ReadAllText(prefix + ".rc").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            done(new ProcessResult(rc, File.ReadAllText(prefix + ".out"), ""));
        }
    }
}
