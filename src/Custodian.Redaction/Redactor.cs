using System.Buffers;
using System.Text;
using Custodian.Redaction.Internal;

namespace Custodian.Redaction;

/// <summary>
/// Replaces known API keys, tokens, private keys and passwords by <c>[REDACTED:&lt;rule-id&gt;]</c> (RED-1).
/// Immutable and thread-safe: build one with <see cref="RedactorBuilder"/> (or use <see cref="Default"/>)
/// and share it. Every method fails closed (RED-4): if redaction cannot finish it throws
/// <see cref="RedactionException"/>, and the caller must discard any output written so far.
/// </summary>
public sealed class Redactor
{
    private static readonly Lazy<Redactor> DefaultInstance = new(() => new RedactorBuilder().Build());

    private readonly Scanner scanner;
    private readonly string[] markers;
    private readonly byte[][] markerBytes;

    internal Redactor(Scanner scanner, int bufferSize)
    {
        this.scanner = scanner;
        BufferSize = bufferSize;
        markers = new string[scanner.Rules.Count];
        markerBytes = new byte[scanner.Rules.Count][];
        var infos = new RedactionRuleInfo[scanner.Rules.Count];
        for (int i = 0; i < markers.Length; i++)
        {
            Rule rule = scanner.Rules[i];
            markers[i] = MarkerFor(rule.Id);
            markerBytes[i] = Encoding.ASCII.GetBytes(markers[i]);
            infos[i] = new RedactionRuleInfo(rule.Id, rule.Description);
        }

        Rules = infos;
    }

    /// <summary>A redactor with every built-in rule and the default buffer size.</summary>
    public static Redactor Default => DefaultInstance.Value;

    /// <summary>The rules in use, in matching order.</summary>
    public IReadOnlyList<RedactionRuleInfo> Rules { get; }

    /// <summary>How many bytes (or characters) the stream methods read at a time.</summary>
    public int BufferSize { get; }

    /// <summary>
    /// The most input the stream methods hold besides one read buffer: the longest match a rule can make
    /// (a PEM block, at most 16 KiB), twice, plus a little look-behind.
    /// </summary>
    public int MaxCarry => scanner.CarryLimit;

    internal Scanner Scanner => scanner;

    /// <summary>Every rule's literal scan anchors, for benchmarks (grep -F uses the same list).</summary>
    internal IReadOnlyList<string> Anchors => [.. scanner.Rules.SelectMany(r => r.Signatures).Distinct(StringComparer.Ordinal)];

    /// <summary>The marker that replaces a match of rule <paramref name="ruleId"/>: <c>[REDACTED:rule-id]</c>.</summary>
    /// <param name="ruleId">A rule id.</param>
    /// <returns>The marker text; it holds no quote or backslash.</returns>
    public static string MarkerFor(string ruleId)
    {
        ArgumentNullException.ThrowIfNull(ruleId);
        return "[REDACTED:" + ruleId + "]";
    }

    /// <summary>Redacts a string.</summary>
    /// <param name="text">The input.</param>
    /// <returns>The redacted text; the same instance when nothing matched.</returns>
    public string Redact(string text) => Redact(text, out _);

    /// <summary>Redacts a string and reports what was replaced.</summary>
    /// <param name="text">The input.</param>
    /// <param name="report">Counts per rule.</param>
    /// <returns>The redacted text; the same instance when nothing matched.</returns>
    public string Redact(string text, out RedactionReport report)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            List<Match>? matches = Matches(text);
            report = ToReport(matches);
            return matches is null ? text : Build(text, matches);
        }
        catch (Exception ex) when (ex is not RedactionException)
        {
            throw RedactionException.Wrap(ex);
        }
    }

    /// <summary>Redacts <paramref name="text"/> into <paramref name="destination"/>.</summary>
    /// <param name="text">The input.</param>
    /// <param name="destination">Receives the redacted text.</param>
    /// <returns>Counts per rule.</returns>
    public RedactionReport Redact(ReadOnlySpan<char> text, IBufferWriter<char> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            List<Match>? matches = Matches(text);
            int written = 0;
            foreach (Match match in matches ?? [])
            {
                destination.Write(text[written..match.Start]);
                destination.Write(markers[match.Rule]);
                written = match.End;
            }

            destination.Write(text[written..]);
            return ToReport(matches);
        }
        catch (Exception ex) when (ex is not RedactionException)
        {
            throw RedactionException.Wrap(ex);
        }
    }

    /// <summary>Finds secrets without replacing them: rule and position only, never the text.</summary>
    /// <param name="text">The input.</param>
    /// <returns>The matches in order.</returns>
    public IReadOnlyList<Detection> Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            var found = new List<Detection>();
            foreach (Match match in Matches(text) ?? [])
            {
                found.Add(new Detection(scanner.Rules[match.Rule].Id, match.Start, match.End - match.Start));
            }

            return found;
        }
        catch (Exception ex) when (ex is not RedactionException)
        {
            throw RedactionException.Wrap(ex);
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> redacted, in bounded memory (RED-3).</summary>
    /// <param name="source">The input text.</param>
    /// <param name="destination">Receives the redacted text.</param>
    /// <returns>Counts per rule.</returns>
    public RedactionReport Redact(TextReader source, TextWriter destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var pump = new StreamPump(scanner, BufferSize, binary: false);
            while (!pump.AtEnd)
            {
                pump.Commit(source.Read(pump.Chars, pump.ReadOffset, pump.ReadCount));
                pump.Process();
                foreach (Segment segment in pump.Segments)
                {
                    if (segment.IsMarker)
                    {
                        destination.Write(markers[segment.Rule]);
                    }
                    else
                    {
                        destination.Write(pump.Chars.AsSpan(segment.Start, segment.Length));
                    }
                }

                pump.Compact();
            }

            destination.Flush();
            return ToReport(pump.Counts);
        }
        catch (Exception ex) when (ex is not RedactionException)
        {
            throw RedactionException.Wrap(ex);
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> redacted, in bounded memory (RED-3).
    /// The bytes are UTF-8 (or any ASCII-compatible encoding); everything outside a match is copied byte for byte.
    /// </summary>
    /// <param name="source">The input bytes.</param>
    /// <param name="destination">Receives the redacted bytes.</param>
    /// <returns>Counts per rule.</returns>
    public RedactionReport Redact(Stream source, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var pump = new StreamPump(scanner, BufferSize, binary: true);
            while (!pump.AtEnd)
            {
                pump.Commit(source.Read(pump.Bytes, pump.ReadOffset, pump.ReadCount));
                pump.Process();
                foreach (Segment segment in pump.Segments)
                {
                    if (segment.IsMarker)
                    {
                        destination.Write(markerBytes[segment.Rule]);
                    }
                    else
                    {
                        destination.Write(pump.Bytes, segment.Start, segment.Length);
                    }
                }

                pump.Compact();
            }

            destination.Flush();
            return ToReport(pump.Counts);
        }
        catch (Exception ex) when (ex is not RedactionException)
        {
            throw RedactionException.Wrap(ex);
        }
    }

    /// <summary>Asynchronous <see cref="Redact(Stream, Stream)"/>.</summary>
    /// <param name="source">The input bytes.</param>
    /// <param name="destination">Receives the redacted bytes.</param>
    /// <param name="cancellationToken">Stops the run; the output is then incomplete and must be discarded.</param>
    /// <returns>Counts per rule.</returns>
    public async Task<RedactionReport> RedactAsync(Stream source, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var pump = new StreamPump(scanner, BufferSize, binary: true);
            while (!pump.AtEnd)
            {
                int read = await source.ReadAsync(pump.Bytes.AsMemory(pump.ReadOffset, pump.ReadCount), cancellationToken).ConfigureAwait(false);
                pump.Commit(read);
                pump.Process();
                for (int i = 0; i < pump.Segments.Length; i++)
                {
                    Segment segment = pump.Segments[i];
                    ReadOnlyMemory<byte> data = segment.IsMarker
                        ? markerBytes[segment.Rule]
                        : pump.Bytes.AsMemory(segment.Start, segment.Length);
                    await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                }

                pump.Compact();
            }

            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            return ToReport(pump.Counts);
        }
        catch (Exception ex) when (ex is not RedactionException and not OperationCanceledException)
        {
            throw RedactionException.Wrap(ex);
        }
    }

    /// <summary>Every match in <paramref name="text"/>, in order; null when there is none (the common case allocates nothing).</summary>
    private List<Match>? Matches(ReadOnlySpan<char> text)
    {
        List<Match>? matches = null;
        int pos = 0;
        int cursor = -1;
        while (scanner.FindNext(text, pos, pos, final: true, atTextStart: true, ref cursor, out Match match, out _) == ScanStatus.Found)
        {
            (matches ??= []).Add(match);
            pos = match.End;
        }

        return matches;
    }

    /// <summary>Builds the output in one allocation of its exact length.</summary>
    private string Build(string text, List<Match> matches)
    {
        int length = text.Length;
        foreach (Match match in matches)
        {
            length += markers[match.Rule].Length - (match.End - match.Start);
        }

        return string.Create(length, (text, matches, markers), static (span, state) =>
        {
            int from = 0;
            foreach (Match match in state.matches)
            {
                state.text.AsSpan(from, match.Start - from).CopyTo(span);
                span = span[(match.Start - from)..];
                string marker = state.markers[match.Rule];
                marker.CopyTo(span);
                span = span[marker.Length..];
                from = match.End;
            }

            state.text.AsSpan(from).CopyTo(span);
        });
    }

    private RedactionReport ToReport(List<Match>? matches)
    {
        if (matches is null)
        {
            return RedactionReport.Empty;
        }

        var counts = new long[markers.Length];
        foreach (Match match in matches)
        {
            counts[match.Rule]++;
        }

        return ToReport(counts);
    }

    private RedactionReport ToReport(long[] counts)
    {
        var pairs = new List<KeyValuePair<string, long>>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                pairs.Add(new(scanner.Rules[i].Id, counts[i]));
            }
        }

        return pairs.Count == 0 ? RedactionReport.Empty : new RedactionReport(pairs);
    }
}
