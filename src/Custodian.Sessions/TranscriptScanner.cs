using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Custodian.Sessions;

/// <summary>
/// Reads a transcript once, in bounded memory, for what listing and sweeping need: the newest timestamp
/// (LOC-5), the first prompt, the working directory. A line that is not an object, not UTF-8, truncated or
/// huge is counted and reported with its line number, and the scan goes on (LOC-8).
/// </summary>
public static class TranscriptScanner
{
    /// <summary>How many problems a scan keeps in detail (all are counted).</summary>
    public const int MaxProblemsKept = 20;

    /// <summary>Lines longer than this are skipped (and reported) rather than buffered.</summary>
    public const int MaxLineBytes = 64 * 1024 * 1024;

    /// <summary>The first prompt is shortened to this many characters.</summary>
    public const int FirstPromptMaxChars = 120;

    /// <summary>How much of a subagent transcript <see cref="ReadSessionId(string)"/> reads at most.</summary>
    public const int SessionIdProbeBytes = 64 * 1024;

    /// <summary>How many lines of a subagent transcript <see cref="ReadSessionId(string)"/> looks at at most.</summary>
    public const int SessionIdProbeLines = 16;

    private const int InitialBufferBytes = 64 * 1024;

    /// <summary>How deep a transcript line may nest; every reader of a line uses the same bound.</summary>
    internal static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 512 };

    /// <summary>Scans the transcript at <paramref name="path"/>.</summary>
    public static TranscriptScan Scan(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
        return Scan(stream, path);
    }

    /// <summary>Scans a transcript from a stream; <paramref name="path"/> names it in problems and gives the session id.</summary>
    public static TranscriptScan Scan(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(path);
        var state = new ScanState(path);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            int start = 0, end = 0, searched = 0;
            var skipping = false;
            while (true)
            {
                var read = stream.Read(buffer, end, buffer.Length - end);
                end += read;
                while (true)
                {
                    var newline = buffer.AsSpan(searched, end - searched).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        searched = end;
                        break;
                    }

                    newline += searched;
                    state.LineNumber++;
                    if (skipping)
                    {
                        state.Problem($"line longer than {MaxLineBytes / (1024 * 1024)} MiB: skipped");
                        skipping = false;
                    }
                    else
                    {
                        state.Line(buffer.AsSpan(start, newline - start));
                    }

                    start = searched = newline + 1;
                }

                if (read == 0)
                {
                    if (skipping)
                    {
                        state.LineNumber++;
                        state.Problem($"line longer than {MaxLineBytes / (1024 * 1024)} MiB: skipped");
                    }
                    else if (start < end)
                    {
                        state.LineNumber++;
                        state.Line(buffer.AsSpan(start, end - start));
                    }

                    break;
                }

                // Keep the unfinished line at the front; grow only while a single line needs it.
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    searched -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    if (skipping || buffer.Length >= MaxLineBytes)
                    {
                        skipping = true;
                        end = searched = 0;
                    }
                    else
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, end).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return state.Result();
    }

    /// <summary>
    /// The session a Claude Code 2.0 subagent transcript (<c>projects/&lt;project&gt;/agent-&lt;id&gt;.jsonl</c>) belongs
    /// to (LOC-10): the first top-level <c>sessionId</c> in its first <see cref="SessionIdProbeLines"/> lines and
    /// <see cref="SessionIdProbeBytes"/> bytes, so a listing never reads a whole agent file to place it. Null when
    /// there is none there, or it could not name a file (a path separator, <c>..</c>).
    /// </summary>
    public static string? ReadSessionId(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        return ReadSessionId(stream);
    }

    /// <summary>As <see cref="ReadSessionId(string)"/>, from the start of <paramref name="stream"/>.</summary>
    public static string? ReadSessionId(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(SessionIdProbeBytes);
        try
        {
            var length = stream.ReadAtLeast(buffer.AsSpan(0, SessionIdProbeBytes), SessionIdProbeBytes, throwOnEndOfStream: false);
            var data = new ReadOnlySpan<byte>(buffer, 0, length);
            for (var lines = 0; lines < SessionIdProbeLines && !data.IsEmpty; lines++)
            {
                var newline = data.IndexOf((byte)'\n');
                var line = newline >= 0 ? data[..newline] : data;

                // Only the bound can cut a line short: a file that ended before it ended on a whole line.
                var whole = newline >= 0 || length < SessionIdProbeBytes;
                data = newline >= 0 ? data[(newline + 1)..] : default;
                if (SessionIdOf(line, whole) is { } id) return IsSafeSessionId(id) ? id : null;
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True when <paramref name="id"/> can be a session id: it names one file, never a path.</summary>
    public static bool IsSafeSessionId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length is > 0 and <= 255 && id is not "." and not ".."
            && id.AsSpan().IndexOfAny('/', '\\', '\0') < 0;
    }

    /// <summary>The top-level <c>sessionId</c> of one line; a line cut by the probe's bound is read as far as it goes.</summary>
    private static string? SessionIdOf(ReadOnlySpan<byte> line, bool whole)
    {
        // Claude Code writes sessionId among the first properties, before the message, so a cut line usually has it.
        var reader = new Utf8JsonReader(line, whole, new JsonReaderState(ReaderOptions));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1 || !reader.ValueTextEquals("sessionId"u8)) continue;
                return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or not UTF-8: this line names no session; the next may.
        }

        return null;
    }

    private sealed class ScanState(string path)
    {
        private readonly List<TranscriptProblem> _problems = [];
        private long _problemCount;
        private DateTimeOffset? _newest;
        private string? _mainCwd;
        private string? _anyCwd;
        private string? _firstPrompt;

        public long LineNumber { get; set; }

        public void Problem(string message)
        {
            _problemCount++;
            if (_problems.Count < MaxProblemsKept) _problems.Add(new TranscriptProblem(path, LineNumber, message));
        }

        public void Line(ReadOnlySpan<byte> line)
        {
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            if (line.Trim(" \t"u8).IsEmpty) return;
            if (!Utf8.IsValid(line))
            {
                Problem("not valid UTF-8");
                return;
            }

            var reader = new Utf8JsonReader(line, ReaderOptions);
            var prompt = new TypedPrompt.LineFields();
            string? lineCwd = null;
            DateTimeOffset? lineTimestamp = null;
            try
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Problem("not a JSON object (" + Describe(reader.TokenType) + ")");
                    return;
                }

                while (reader.Read())
                {
                    if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                    if (reader.ValueTextEquals("timestamp"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var ts)) lineTimestamp = ts;
                    }
                    else if (reader.ValueTextEquals("cwd"u8) && _mainCwd is null)
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String) lineCwd = reader.GetString();
                    }
                    else if (!prompt.TryRead(ref reader))
                    {
                        // Not the first-prompt rule's either (type, isSidechain, isMeta, message, …: LOC-9).
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            catch (JsonException e)
            {
                Problem("truncated or invalid JSON: " + e.Message.Split(" LineNumber:", 2)[0].TrimEnd('.'));
                return;
            }

            // Only a line that parsed completely counts: a truncated line's timestamp is not trusted.
            if (lineTimestamp is { } t && (_newest is null || t > _newest)) _newest = t;

            // The main chain's working directory is the project's; a subagent's may differ (it can run elsewhere).
            if (lineCwd is not null)
            {
                if (!prompt.IsSidechain) _mainCwd = lineCwd;
                else _anyCwd ??= lineCwd;
            }

            // The first text the person typed in the main chain (LOC-9), by the rule the survey's count uses too.
            if (_firstPrompt is null && prompt.TypedText(line) is { } typed) _firstPrompt = Shorten(typed.TrimStart());
        }

        public TranscriptScan Result() => new(
            Path.GetFileNameWithoutExtension(path), _firstPrompt, _mainCwd ?? _anyCwd, _newest, LineNumber, _problemCount, _problems);

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            _ => token.ToString(),
        };

        private static string Shorten(string text)
        {
            var builder = new StringBuilder(Math.Min(text.Length, FirstPromptMaxChars + 1));
            var lastWasSpace = false;
            foreach (var c in text)
            {
                var space = char.IsWhiteSpace(c);
                if (space && lastWasSpace) continue;
                builder.Append(space ? ' ' : c);
                lastWasSpace = space;
                if (builder.Length > FirstPromptMaxChars)
                {
                    builder.Length = FirstPromptMaxChars - 1;
                    builder.Append('…');
                    break;
                }
            }

            return builder.ToString().TrimEnd();
        }
    }
}
