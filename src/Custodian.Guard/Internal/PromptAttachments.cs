namespace Custodian.Guard.Internal;

/// <summary>
/// The files a prompt attaches with <c>@path</c> (or <c>@"path with spaces"</c>): Claude Code inserts their content
/// without any tool call, so no PreToolUse hook sees them (hooks reference §6.5), and the guard reads them itself.
/// </summary>
internal static class PromptAttachments
{
    /// <summary>The <c>@</c> mentions of <paramref name="prompt"/>, as written (without <c>@</c>, quotes or a <c>#L…</c> line range).</summary>
    public static List<string> Mentions(string prompt)
    {
        var found = new List<string>();
        for (var at = prompt.IndexOf('@', StringComparison.Ordinal); at >= 0 && found.Count < 64; at = prompt.IndexOf('@', at + 1))
        {
            // An e-mail address or a decorator is not a mention: it must start the prompt or follow a space or bracket.
            if (at > 0 && !char.IsWhiteSpace(prompt[at - 1]) && prompt[at - 1] is not ('(' or '[' or '"' or '\'')) continue;
            string path;
            if (at + 1 < prompt.Length && prompt[at + 1] == '"')
            {
                var close = prompt.IndexOf('"', at + 2);
                if (close < 0) continue;
                path = prompt[(at + 2)..close];
            }
            else
            {
                var end = at + 1;
                while (end < prompt.Length && !char.IsWhiteSpace(prompt[end])) end++;
                path = prompt[(at + 1)..end].TrimEnd('.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"');
            }

            var range = path.IndexOf("#L", StringComparison.Ordinal);
            if (range > 0) path = path[..range];
            if (path.Length > 0 && path.Length <= 4096) found.Add(path);
        }

        return found;
    }

    /// <summary>Where a mention points: <c>~/</c> is the home directory, a relative path is from <paramref name="cwd"/>.</summary>
    public static string? Resolve(string mention, string? cwd, string? home)
    {
        try
        {
            if (mention.StartsWith("~/", StringComparison.Ordinal)) return home is null ? null : Path.GetFullPath(Path.Combine(home, mention[2..]));
            if (Path.IsPathRooted(mention)) return Path.GetFullPath(mention);
            return cwd is null ? null : Path.GetFullPath(Path.Combine(cwd, mention));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
