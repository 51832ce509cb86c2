using System.Globalization;
using System.Text;
using RadSeal.Training.CaseSets;

namespace RadSeal.Training.Studies;

/// <summary>The raw answers as CSV: one row per answer, everything the metrics are computed from.</summary>
public static class AnswerCsv
{
    public const string Header = "reader,experience,phase,phase_kind,case,truth,call,effective_call,confidence,quality,flagged,elapsed_ms,answered_at";

    public static string Write(IEnumerable<AnswerRecord> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var text = new StringBuilder(Header).Append('\n');
        foreach (var a in answers)
        {
            text.AppendJoin(',',
                Csv.Quote(a.Reader), Csv.Quote(a.Experience), (a.Phase + 1).ToString(CultureInfo.InvariantCulture), a.Kind.ToString(), Csv.Quote(a.CaseName),
                Label(a.Truth), a.Call is { } c ? Label(c) : "", Label(a.EffectiveCall),
                a.Confidence?.ToString(CultureInfo.InvariantCulture) ?? "", a.Quality?.ToString(CultureInfo.InvariantCulture) ?? "",
                a.Flagged ? "1" : "0", a.ElapsedMs?.ToString(CultureInfo.InvariantCulture) ?? "",
                a.AnsweredAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Real / AI, the words the import CSV uses.</summary>
    public static string Label(Truth truth) => truth == Truth.Synthetic ? "AI" : "Real";
}
