using System.Text.Json;

namespace Custodian.Sessions;

/// <summary>
/// Which transcript lines are text the person typed in the main chain (LOC-9): the one rule behind a session's
/// first prompt (<see cref="TranscriptScanner"/>) and anything else that counts what the person said, such as the
/// survey's eligibility (CUS-21).
/// </summary>
/// <remarks>
/// A typed prompt is a <c>type: user</c> line that is not <c>isSidechain</c> (a subagent's conversation, whose
/// "user" is the parent agent), not <c>isMeta</c> (hook feedback, a slash command's expansion, system reminders),
/// not <c>isCompactSummary</c>, carries no <c>tool_result</c> block, and whose text (a string, or the first
/// <c>text</c> block of an array) is not blank and does not begin with a slash command's or its output's wrapper,
/// a caveat, the <c>!</c> shell's echo, a task notification or an interruption marker. Claude Code writes all of
/// those as user lines too, but nobody typed them.
/// </remarks>
public static class TypedPrompt
{
    /// <summary>
    /// How user messages that nobody typed begin: slash commands (<c>&lt;command-message&gt;</c>,
    /// <c>&lt;command-name&gt;</c>), their output and caveat (<c>&lt;local-command-stdout&gt;</c>,
    /// <c>&lt;local-command-caveat&gt;</c>, and the bare <c>Caveat:</c> of older versions), the <c>!</c> shell's
    /// echo, background-task notifications, and both interruption markers.
    /// </summary>
    private static readonly string[] NotTypedPrefixes =
    [
        "<command-", "<local-command-", "Caveat:", "<bash-input>", "<bash-stdout>", "<bash-stderr>", "<task-notification>",
        "[Request interrupted by user",
    ];

    /// <summary>
    /// The text the person typed on one transcript line (UTF-8 JSON, without its newline), as written; null when
    /// the line is not a typed prompt in the main chain. A line that is not one complete JSON object is no prompt
    /// either: the caller skips it and goes on (LOC-8).
    /// </summary>
    public static string? TextOf(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, TranscriptScanner.ReaderOptions);
        var fields = new LineFields();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                if (!fields.TryRead(ref reader))
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // As for the scanner, only a line that parsed completely counts.
            return null;
        }

        return fields.TypedText(line);
    }

    /// <summary>
    /// What the rule needs from a line's top-level properties, gathered while the caller reads the line once with
    /// its own <see cref="Utf8JsonReader"/> (the scanner also wants the timestamp and <c>cwd</c> from that pass).
    /// </summary>
    internal struct LineFields
    {
        private bool _user;
        private bool _notTyped;
        private int _messageStart;
        private int _messageEnd;

        public LineFields()
        {
            _messageStart = _messageEnd = -1;
        }

        /// <summary>True when the line is part of a subagent's conversation (<c>isSidechain: true</c>).</summary>
        public bool IsSidechain { get; private set; }

        /// <summary>
        /// With <paramref name="reader"/> on a top-level property name: when the rule needs that property, reads its
        /// value and returns true; otherwise leaves the reader where it is and returns false.
        /// </summary>
        public bool TryRead(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                _user = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("user"u8);
            }
            else if (reader.ValueTextEquals("isSidechain"u8))
            {
                // A sidechain line is a subagent's conversation: its "user" is the parent agent, not the person.
                reader.Read();
                IsSidechain = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("isMeta"u8) || reader.ValueTextEquals("isCompactSummary"u8))
            {
                // Meta lines are what Claude Code or a hook wrote in the user's place; a compact summary is
                // Claude's own précis of the conversation so far. Neither was typed.
                reader.Read();
                _notTyped |= reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                // Only the span is kept: the message is parsed only when the line's flags leave it a candidate.
                reader.Read();
                _messageStart = (int)reader.TokenStartIndex;
                reader.Skip();
                _messageEnd = (int)reader.BytesConsumed;
            }
            else
            {
                return false;
            }

            return true;
        }

        /// <summary>The typed text of <paramref name="line"/>, the line these fields were read from; null when there is none.</summary>
        public readonly string? TypedText(ReadOnlySpan<byte> line) =>
            _user && !_notTyped && !IsSidechain && _messageStart >= 0 ? MessageText(line[_messageStart.._messageEnd]) : null;
    }

    /// <summary>
    /// The person's words in a user message; null for a tool result, a slash command or its output, a caveat, an
    /// interruption marker or a task notification, which Claude Code writes as user messages too.
    /// </summary>
    private static string? MessageText(ReadOnlySpan<byte> message)
    {
        // The line's own options: the whole line already parsed at that depth, so its message parses too.
        var reader = new Utf8JsonReader(message, TranscriptScanner.ReaderOptions);
        using var doc = JsonDocument.ParseValue(ref reader);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("content", out var content)) return null;
        string? text = null;
        if (content.ValueKind == JsonValueKind.String)
        {
            text = content.GetString();
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type)) continue;

                // A message carrying a tool result answers a tool call, whatever text rides along with it.
                if (type.ValueEquals("tool_result")) return null;
                if (text is null && type.ValueEquals("text") && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    text = value.GetString();
                }
            }
        }

        if (string.IsNullOrWhiteSpace(text)) return null;
        var trimmed = text.AsSpan().TrimStart();
        foreach (var marker in NotTypedPrefixes)
        {
            if (trimmed.StartsWith(marker, StringComparison.Ordinal)) return null;
        }

        return text;
    }
}
