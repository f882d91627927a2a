using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Custodian.Redaction;

/// <summary>
/// What one redaction run replaced: a count per rule id, never the secrets themselves (RED-5).
/// </summary>
public sealed record RedactionReport
{
    /// <summary>Creates a report from counts per rule id; zero counts are dropped.</summary>
    /// <param name="counts">Replacements per rule id.</param>
    public RedactionReport(IEnumerable<KeyValuePair<string, long>> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var builder = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        foreach ((string id, long count) in counts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(counts));
            if (count > 0)
            {
                builder[id] = builder.GetValueOrDefault(id) + count;
                Total += count;
            }
        }

        Counts = builder.ToImmutable();
    }

    /// <summary>A report of a run that replaced nothing.</summary>
    public static RedactionReport Empty { get; } = new([]);

    /// <summary>Replacements per rule id, ordered by id; rules that replaced nothing are absent.</summary>
    public IReadOnlyDictionary<string, long> Counts { get; }

    /// <summary>All replacements.</summary>
    public long Total { get; }

    /// <summary>Whether nothing was replaced.</summary>
    public bool IsEmpty => Total == 0;

    /// <summary>The sum of this report and <paramref name="other"/>, for totals over several files.</summary>
    /// <param name="other">The report to add.</param>
    /// <returns>A new report.</returns>
    public RedactionReport Add(RedactionReport other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsEmpty ? this : IsEmpty ? other : new RedactionReport(Counts.Concat(other.Counts));
    }

    /// <summary>The report as JSON: <c>{"total":3,"rules":{"github-pat-classic":1,...}}</c>.</summary>
    /// <returns>Compact JSON text.</returns>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteJson(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the report as a JSON object (see <see cref="ToJson"/>).</summary>
    /// <param name="writer">Where to write.</param>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("total", Total);
        writer.WriteStartObject("rules");
        foreach ((string id, long count) in Counts)
        {
            writer.WriteNumber(id, count);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public bool Equals(RedactionReport? other) =>
        other is not null && Total == other.Total && Counts.Count == other.Counts.Count &&
        Counts.All(pair => other.Counts.TryGetValue(pair.Key, out long n) && n == pair.Value);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach ((string id, long count) in Counts)
        {
            hash.Add(id, StringComparer.Ordinal);
            hash.Add(count);
        }

        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Total = ").Append(Total);
        foreach ((string id, long count) in Counts)
        {
            builder.Append(", ").Append(id).Append(" = ").Append(count);
        }

        return true;
    }
}
