using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Custodian.Guard.Internal;

/// <summary>A unified diff (three lines of context) of two versions of a text file, for people to read.</summary>
internal static class UnifiedDiff
{
    private const int Context = 3;

    public static string Of(string path, string? before, string? after)
    {
        if (before == after) return "";
        var lines = InlineDiffBuilder.Diff(before ?? "", after ?? "", ignoreWhiteSpace: false).Lines;
        var text = new StringBuilder();
        text.Append("--- ").Append(before is null ? "/dev/null" : path).Append('\n');
        text.Append("+++ ").Append(after is null ? "/dev/null" : path).Append('\n');
        var i = 0;
        while (i < lines.Count)
        {
            if (lines[i].Type == ChangeType.Unchanged)
            {
                i++;
                continue;
            }

            // A hunk: from a few lines before this change to a few after the last change close to it.
            var start = Math.Max(0, i - Context);
            var end = i;
            while (end < lines.Count)
            {
                if (lines[end].Type != ChangeType.Unchanged)
                {
                    end++;
                    continue;
                }

                var run = end;
                while (run < lines.Count && lines[run].Type == ChangeType.Unchanged) run++;
                if (run == lines.Count || run - end > 2 * Context)
                {
                    end = Math.Min(lines.Count, end + Context);
                    break;
                }

                end = run;
            }

            var (oldStart, newStart) = Positions(lines, start);
            var oldCount = 0;
            var newCount = 0;
            for (var k = start; k < end; k++)
            {
                if (lines[k].Type != ChangeType.Inserted) oldCount++;
                if (lines[k].Type != ChangeType.Deleted) newCount++;
            }

            text.Append("@@ -").Append(oldCount == 0 ? oldStart - 1 : oldStart).Append(',').Append(oldCount)
                .Append(" +").Append(newCount == 0 ? newStart - 1 : newStart).Append(',').Append(newCount).Append(" @@\n");
            for (var k = start; k < end; k++)
            {
                text.Append(lines[k].Type switch { ChangeType.Inserted => '+', ChangeType.Deleted => '-', _ => ' ' })
                    .Append(lines[k].Text).Append('\n');
            }

            i = end;
        }

        return text.ToString();
    }

    /// <summary>The 1-based line numbers, in the old and the new text, of diff line <paramref name="index"/>.</summary>
    private static (int Old, int New) Positions(List<DiffPiece> lines, int index)
    {
        int old = 1, @new = 1;
        for (var k = 0; k < index; k++)
        {
            if (lines[k].Type != ChangeType.Inserted) old++;
            if (lines[k].Type != ChangeType.Deleted) @new++;
        }

        return (old, @new);
    }
}
