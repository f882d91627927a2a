using System.Text;

namespace Custodian.Guard;

/// <summary>
/// The shell command line Claude Code runs for the guard's hooks: the same build that ran <c>install</c> (a native
/// executable, an apphost, or <c>dotnet custodian.dll</c>) with the <c>hook</c> command. The shell form is used rather
/// than <c>args</c> because clients before the exec form would drop the arguments and run the guard as a no-op.
/// </summary>
public sealed record HookCommandLine
{
    private HookCommandLine(string command) => Command = command;

    /// <summary>The command line, POSIX-quoted.</summary>
    public string Command { get; }

    /// <summary>The command line running <paramref name="executable"/> (and, for <c>dotnet</c>, <paramref name="assembly"/>) with <c>hook</c>.</summary>
    public static HookCommandLine For(string executable, string? assembly = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        var text = new StringBuilder(Quote(executable));
        if (!string.IsNullOrEmpty(assembly)) text.Append(' ').Append(Quote(assembly));
        return new HookCommandLine(text.Append(" hook").ToString());
    }

    /// <summary>
    /// Whether <paramref name="command"/> is a command line of the guard's, from this build or any other: its last word
    /// is <c>hook</c> and one word names a <c>custodian</c> executable or <c>custodian.dll</c>.
    /// </summary>
    public static bool IsGuardCommand(string? command)
    {
        if (string.IsNullOrWhiteSpace(command)) return false;
        var words = Words(command);
        if (words.Count < 2 || words[^1] != "hook") return false;
        for (var i = 0; i < words.Count - 1; i++)
        {
            var name = Path.GetFileName(words[i]);
            if (name is "custodian" or "custodian.exe" or "custodian.dll") return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => Command;

    private static string Quote(string word) =>
        word.Length > 0 && word.AsSpan().IndexOfAnyExcept(SafeChars) < 0 ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static readonly System.Buffers.SearchValues<char> SafeChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@%=");

    /// <summary>Splits a POSIX command line into words (single and double quotes, backslash escapes); enough to recognise our own.</summary>
    private static List<string> Words(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c == '\'')
            {
                var end = command.IndexOf('\'', i + 1);
                if (end < 0) end = command.Length;
                word.Append(command, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '"')
            {
                for (i++; i < command.Length && command[i] != '"'; i++)
                {
                    if (command[i] == '\\' && i + 1 < command.Length) i++;
                    word.Append(command[i]);
                }

                inWord = true;
            }
            else if (c == '\\' && i + 1 < command.Length)
            {
                word.Append(command[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord) words.Add(word.ToString());
        return words;
    }
}
