using System.Text;

namespace RadSeal.Forensics.Evaluation;

/// <summary>One labelled image: its name as in the CSV, where it is, 1 = AI (synthetic) / 0 = real, the optional reasoning.</summary>
public sealed record LabelledCase(string Name, string Path, int Label, string? Reasoning);

/// <summary>The cases of a label file and every problem found in it (empty when it can be evaluated).</summary>
public sealed record LabelFileResult(IReadOnlyList<LabelledCase> Cases, IReadOnlyList<string> Problems);

/// <summary>
/// Reads a label CSV: image file name, label, optional explanation — the layout <c>Image_Name,Real_or_AI,Reasoning</c> of
/// public real-vs-AI radiograph sets is accepted as is. A first row whose label cell is not a label is a header. Labels:
/// Real / AI (case-insensitive; Fake, Synthetic and Generated also mean AI). RFC 4180 quoting. Every problem is
/// collected (unknown label, duplicate name, missing file, bad row) rather than stopping at the first.
/// </summary>
public static class LabelFile
{
    public static LabelFileResult Read(string csvPath, string casesDirectory)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        ArgumentNullException.ThrowIfNull(casesDirectory);
        var problems = new List<string>();
        if (!File.Exists(csvPath))
        {
            return new LabelFileResult([], [$"{csvPath}: no such label file"]);
        }
        if (!Directory.Exists(casesDirectory))
        {
            return new LabelFileResult([], [$"{casesDirectory}: no such cases folder"]);
        }
        var rows = ParseCsv(File.ReadAllText(csvPath, Encoding.UTF8));
        var cases = new List<LabelledCase>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var r = 0; r < rows.Count; r++)
        {
            var (line, cells) = rows[r];
            if (cells.Count == 1 && cells[0].Trim().Length == 0)
            {
                continue; // blank line
            }
            if (r == 0 && (cells.Count < 2 || ParseLabel(cells[1]) is null))
            {
                continue; // header
            }
            var where = $"{csvPath}:{line}";
            if (cells.Count < 2)
            {
                problems.Add($"{where}: expected name,label[,reasoning], got {cells.Count} column(s)");
                continue;
            }
            var name = cells[0].Trim();
            if (name.Length == 0)
            {
                problems.Add($"{where}: empty image name");
                continue;
            }
            var label = ParseLabel(cells[1]);
            if (label is null)
            {
                problems.Add($"{where}: unknown label '{cells[1].Trim()}' for {name} (expected Real or AI)");
            }
            if (seen.TryGetValue(name, out var first))
            {
                problems.Add($"{where}: duplicate image name {name} (first on line {first})");
                continue;
            }
            seen[name] = line;
            if (name.Contains("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(name))
            {
                problems.Add($"{where}: image name {name} must be a path inside the cases folder");
                continue;
            }
            var path = System.IO.Path.Combine(casesDirectory, name);
            if (!File.Exists(path))
            {
                problems.Add($"{where}: image {name} not found in {casesDirectory}");
                continue;
            }
            if (label is not null)
            {
                var reasoning = cells.Count > 2 ? string.Join(",", cells.Skip(2)).Trim() : null;
                cases.Add(new LabelledCase(name, path, label.Value, string.IsNullOrEmpty(reasoning) ? null : reasoning));
            }
        }
        if (problems.Count == 0 && cases.Count == 0)
        {
            problems.Add($"{csvPath}: no labelled images");
        }
        return new LabelFileResult(cases, problems);
    }

    /// <summary>1 for AI, 0 for real, null for anything else.</summary>
    public static int? ParseLabel(string cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Trim().ToUpperInvariant() switch
        {
            "REAL" => 0,
            "AI" or "FAKE" or "SYNTHETIC" or "GENERATED" => 1,
            _ => null,
        };
    }

    /// <summary>RFC 4180 rows (quoted fields may hold commas, doubled quotes and line breaks; a leading BOM is dropped)
    /// with their 1-based starting line numbers. The training app's case-set import reads its CSV with this too.</summary>
    public static List<(int Line, List<string> Cells)> ParseCsv(string text)
    {
        var rows = new List<(int, List<string>)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var line = 1;
        var rowLine = 1;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        cell.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                cells.Add(cell.ToString());
                cell.Clear();
                rows.Add((rowLine, cells));
                cells = [];
                line++;
                rowLine = line;
            }
            else
            {
                cell.Append(c);
            }
        }
        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            rows.Add((rowLine, cells));
        }
        return rows;
    }
}
