namespace Custodian.Redaction.Internal;

/// <summary>
/// A program whose command line takes a secret in a flag: <c>mysql -p'…'</c>, <c>redis-cli -a …</c>,
/// <c>snyk auth &lt;token&gt;</c>. A row of <see cref="Rules.CommandFlagRules"/>; a contributor adds a program by adding a row.
/// </summary>
/// <param name="Id">Stable rule id.</param>
/// <param name="Description">What it finds.</param>
/// <param name="Programs">The program, with any subcommand words (<c>docker login</c>), that must start the command the flag is in; none: any program.</param>
/// <param name="Flags">Each flag exactly as the value follows it: <c>-a </c> then blanks, <c>--auth=</c> or <c>pass:</c> then the value, <c>-p</c> glued to it.</param>
/// <param name="Alphabet">The value's characters, or null for a password (printable ASCII but blanks, quotes, <c>\</c>, <c>$</c> and <c>`</c>).</param>
/// <param name="Min">Shortest value.</param>
/// <param name="Max">Longest value (at most <see cref="CommandLine.MaxValue"/>).</param>
/// <param name="TruePositives">Texts the rule must redact, with the secret.</param>
/// <param name="FalsePositives">Texts that must survive.</param>
/// <param name="Shape">Extra check of the value (a UUID), or null.</param>
internal sealed record CommandFlag(
    string Id,
    string Description,
    string[] Programs,
    string[] Flags,
    AsciiSet? Alphabet,
    int Min,
    int Max,
    RuleExample[] TruePositives,
    string[] FalsePositives,
    ValueShape? Shape = null);

/// <summary>
/// The rule of one <see cref="CommandFlag"/> row. The program is the anchor (program names are rare in transcripts,
/// short flags such as <c>-p</c> are not: <c>mkdir -p</c>, <c>tsc -p .</c>), and the command line is read forward from
/// it, word by word, to the first of the row's flags, which decides. A match can therefore start far from its hit, and
/// the scan resumes after it, so every word between must be one that no other rule could match: short, of plain
/// characters, no secret name, nothing quoted or escaped, no <c>=</c> or <c>:</c>. A token of a known format there is
/// found anyway (the scanner starts the region at it). A row without programs has its flags as
/// anchors and is read at them.
/// </summary>
internal sealed class CommandFlagRule : Rule
{
    /// <summary>How far after its program a flag is looked for.</summary>
    public const int MaxCommandSpan = 192;

    private const int MaxWords = 24;
    private const int MaxPlainWord = 48;
    private static readonly System.Buffers.SearchValues<char> NotInPassword = System.Buffers.SearchValues.Create("\\$`\"' \t");
    private static readonly System.Buffers.SearchValues<char> Letters = System.Buffers.SearchValues.Create(Chars.Letters);
    private static readonly AsciiSet PlainWordChars = new(Chars.Letters + Chars.DigitChars + "._/,+%@-");
    // Words after which another rule reads a value: "… key is <value>", "Bearer <token>".
    private static readonly string[] ContextWords = ["is", "bearer", "basic"];
    private readonly CommandFlag row;
    private readonly IReadOnlyList<string> programWords;

    /// <param name="row">The program and its flags.</param>
    /// <param name="programWords">The first word of every program in the table (<c>docker</c> of <c>docker login</c>).</param>
    public CommandFlagRule(CommandFlag row, IReadOnlyList<string> programWords)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(programWords);
        this.programWords = programWords;
        if (row.Max > CommandLine.MaxValue || row.Min < 1 || row.Flags.Length == 0)
        {
            throw new ArgumentException($"Command flag row {row.Id}: values of 1 to {CommandLine.MaxValue} characters, and at least one flag.", nameof(row));
        }

        this.row = row;
        int longestFlag = 0;
        foreach (string flag in row.Flags)
        {
            longestFlag = Math.Max(longestFlag, flag.Length);
        }

        int longestProgram = 0;
        foreach (string program in row.Programs)
        {
            longestProgram = Math.Max(longestProgram, program.Length);
        }

        // Programs (or, without programs, flags after their blank) that share their first four characters share one
        // anchor, their common prefix (mysql for mysqldump and mysqladmin): an anchor of common letters takes a place in
        // the scan's fingerprint filter, whose capacity every rule's anchors share, while a hit costs one check here.
        string[] starts = row.Programs.Length > 0 ? row.Programs : [.. row.Flags.Select(flag => " " + flag.TrimEnd(' '))];
        var signatures = new List<string>();
        foreach (string word in starts)
        {
            string prefix = word;
            foreach (string other in starts)
            {
                if (word.Length >= 4 && other.Length >= 4 && word.AsSpan(0, 4).SequenceEqual(other.AsSpan(0, 4)))
                {
                    prefix = prefix[..prefix.AsSpan().CommonPrefixLength(other)];
                }
            }

            if (!signatures.Contains(prefix))
            {
                signatures.Add(prefix);
            }
        }

        Signatures = signatures;
        MaxReach = 1 + longestProgram + MaxCommandSpan + longestFlag + CommandLine.MaxSpaces + CommandLine.MaxQuoting + row.Max + 1;
    }

    public override string Id => row.Id;

    public override string Description => row.Description;

    public override IReadOnlyList<string> Signatures { get; }

    public override int MaxReach { get; }

    public override bool IsContextual => true;

    public override IReadOnlyList<RuleExample> TruePositives => row.TruePositives;

    public override IReadOnlyList<string> FalsePositives => row.FalsePositives;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        if (row.Programs.Length == 0)
        {
            return TryFlagAt(text, hit + 1, out start, out end) == FlagResult.Secret;
        }

        string? program = null;
        foreach (string candidate in row.Programs)
        {
            if (CommandLine.IsProgramAt(text, hit, candidate) && (program is null || candidate.Length > program.Length))
            {
                program = candidate;
            }
        }

        if (program is null)
        {
            return false;
        }

        int limit = Math.Min(text.Length, hit + program.Length + MaxCommandSpan);
        int words = 0;
        for (int i = hit + program.Length; i < limit;)
        {
            if (CommandLine.IsLineEnd(text, i) || CommandLine.StartsAnotherCommand(text, i))
            {
                return false;
            }

            // Blanks, and a backslash continuation (raw or JSON-escaped) that is no line end.
            if (text[i] is ' ' or '\t' or '\n' or '\r' or '\\' || (text[i] is 'n' or 't' or 'r' && text[i - 1] == '\\'))
            {
                i++;
                continue;
            }

            FlagResult flag = TryFlagAt(text, i, out start, out end);
            if (flag != FlagResult.NoFlag)
            {
                return flag == FlagResult.Secret;
            }

            int wordEnd = i;
            while (wordEnd < text.Length && text[wordEnd] is not (' ' or '\t' or '\n' or '\r' or '\\'))
            {
                wordEnd++;
            }

            if (++words > MaxWords || !IsPlainWord(text[i..wordEnd]))
            {
                return false;
            }

            i = wordEnd;
        }

        return false;
    }

    private enum FlagResult
    {
        NoFlag,
        NotSecret,
        Secret,
    }

    /// <summary>Whether one of the row's flags starts at <paramref name="i"/>, and if so whether its value is the secret.</summary>
    private FlagResult TryFlagAt(ReadOnlySpan<char> text, int i, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> rest = text[i..];
        foreach (string flag in row.Flags)
        {
            if (!rest.StartsWith(flag, StringComparison.Ordinal))
            {
                continue;
            }

            int value = i + flag.Length;
            if (flag[^1] is ' ')
            {
                value = CommandLine.SkipBlanks(text, value);
            }
            else if (flag[^1] is not ('=' or ':') && (value >= text.Length || text[value] is ' ' or '\t'))
            {
                continue; // a glued flag with nothing glued to it (mysql -p prompts for the password)
            }

            return value < text.Length && IsValue(text, value, out start, out end) ? FlagResult.Secret : FlagResult.NotSecret;
        }

        return FlagResult.NoFlag;
    }

    /// <summary>
    /// Whether a word between the program and its flag is one that no other rule could match, so that the scan may skip
    /// it: plain characters (a host, a user, an e-mail address, another flag), no secret name, none of
    /// the words other rules read a value after (<c>is</c> in "the token is …", <c>Bearer</c>), and no program of the table.
    /// </summary>
    private bool IsPlainWord(ReadOnlySpan<char> word)
    {
        // No ':' (a URL's, whose webhook path or password other rules read from inside it) and nothing long (a block of
        // base64): a token of a known format that starts in such a word is found anyway, by the scanner.
        if (word.Length > MaxPlainWord || !PlainWordChars.All(word))
        {
            return false;
        }

        ReadOnlySpan<char> name = word.TrimStart('-');
        if (!name.IsEmpty && SecretNames.IsSecretName(name))
        {
            return false;
        }

        foreach (string other in ContextWords)
        {
            if (word.Equals(other, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        // Another program of the table, whose own rule would read what follows.
        int slash = word.LastIndexOf('/');
        ReadOnlySpan<char> program = word[(slash + 1)..];
        foreach (string other in programWords)
        {
            if (program.Equals(other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads the value at <paramref name="i"/> and decides whether it is the row's secret.</summary>
    private bool IsValue(ReadOnlySpan<char> text, int i, out int start, out int end)
    {
        start = end = 0;
        int from, stop;
        if (row.Alphabet is not null && text[i] is not ('\'' or '"' or '\\'))
        {
            // A bare token ends where its alphabet does (a sentence's full stop after it), but not inside a word, and
            // what follows it is not read: a second pass must find it the same after a later secret became a marker.
            from = stop = i;
            while (stop < text.Length && stop - from <= row.Max && row.Alphabet.Contains(text[stop]))
            {
                stop++;
            }

            if (stop < text.Length && char.IsAsciiLetterOrDigit(text[stop]))
            {
                return false;
            }
        }
        else if (!CommandLine.TryReadValue(text, i, out from, out stop, out _) ||
            (row.Alphabet is not null && !row.Alphabet.All(text[from..stop])))
        {
            return false;
        }

        ReadOnlySpan<char> value = text[from..stop];
        if (value.Length < row.Min || value.Length > row.Max || value.Contains(Scanner.MarkerPrefix, StringComparison.Ordinal) ||
            Placeholders.IsPlaceholderValue(value) || (row.Shape is not null && !row.Shape(value)))
        {
            return false;
        }

        // A password has a digit or a symbol (a word after a flag whose value is optional has neither). A double quote in
        // a single-quoted one (raw in JSON text it cannot be) would break a JSON line's escaping; a path (a certificate
        // file) or the next flag is no password.
        if (row.Alphabet is null &&
            (value.ContainsAny(NotInPassword) || value[0] == '-' || !value.ContainsAnyExcept(Letters) || Placeholders.IsPathLike(value)))
        {
            return false;
        }

        start = from;
        end = stop;
        return true;
    }
}
