namespace Custodian.Otlp;

/// <summary>The resource a batch of records came from (<c>service.name</c>, <c>os.type</c>, …), shared by its records.</summary>
/// <param name="Attributes">Its attributes, in the order sent.</param>
public sealed record OtlpResource(IReadOnlyList<OtlpAttribute> Attributes)
{
    /// <summary>A resource without attributes.</summary>
    public static OtlpResource None { get; } = new([]);
}

/// <summary>The instrumentation scope of a batch of records (Claude Code: <c>com.anthropic.claude_code.events</c>).</summary>
/// <param name="Name">The scope's name ("" when not sent).</param>
/// <param name="Version">The scope's version ("" when not sent).</param>
/// <param name="Attributes">Its attributes.</param>
public sealed record OtlpScope(string Name, string Version, IReadOnlyList<OtlpAttribute> Attributes)
{
    /// <summary>A scope with nothing set.</summary>
    public static OtlpScope None { get; } = new(string.Empty, string.Empty, []);
}

/// <summary>One OTLP log record (for Claude Code: one event, its body <c>claude_code.&lt;event&gt;</c>).</summary>
/// <param name="Resource">The resource it came from.</param>
/// <param name="Scope">Its instrumentation scope.</param>
/// <param name="TimeUnixNano">When the event happened (0: not sent).</param>
/// <param name="ObservedTimeUnixNano">When it was observed (0: not sent).</param>
/// <param name="SeverityNumber">The severity number (0: unspecified).</param>
/// <param name="SeverityText">The severity text ("" when not sent).</param>
/// <param name="Body">The body, or null when not sent.</param>
/// <param name="Attributes">Its attributes, in the order sent.</param>
/// <param name="EventName">The <c>event_name</c> field ("" when not sent).</param>
/// <param name="TraceId">The trace id as lower-case hex ("" when not sent).</param>
/// <param name="SpanId">The span id as lower-case hex ("" when not sent).</param>
public sealed record OtlpLogRecord(
    OtlpResource Resource,
    OtlpScope Scope,
    ulong TimeUnixNano,
    ulong ObservedTimeUnixNano,
    int SeverityNumber,
    string SeverityText,
    OtlpValue? Body,
    IReadOnlyList<OtlpAttribute> Attributes,
    string EventName,
    string TraceId,
    string SpanId);

/// <summary>The log records of one <c>ExportLogsServiceRequest</c>, flattened in the order sent.</summary>
/// <param name="Records">The records.</param>
public sealed record OtlpLogBatch(IReadOnlyList<OtlpLogRecord> Records);

/// <summary>The kinds of metric whose data points are read.</summary>
public enum OtlpMetricKind
{
    /// <summary>A gauge: the last value.</summary>
    Gauge,

    /// <summary>A sum (Claude Code's counters).</summary>
    Sum,
}

/// <summary>How a sum's points add up (OTLP <c>AggregationTemporality</c>).</summary>
public enum OtlpTemporality
{
    /// <summary>Not set.</summary>
    Unspecified = 0,

    /// <summary>Each point counts since the previous one (Claude Code's default).</summary>
    Delta = 1,

    /// <summary>Each point counts since the start.</summary>
    Cumulative = 2,
}

/// <summary>One number data point of a gauge or sum, with its metric's name and unit.</summary>
/// <param name="Resource">The resource it came from.</param>
/// <param name="Scope">Its instrumentation scope.</param>
/// <param name="Name">The metric's name (<c>claude_code.token.usage</c>).</param>
/// <param name="Unit">The metric's unit ("" when not sent).</param>
/// <param name="Kind">Gauge or sum.</param>
/// <param name="Temporality">For sums, how points add up.</param>
/// <param name="IsMonotonic">For sums, whether it only goes up.</param>
/// <param name="StartTimeUnixNano">Start of the interval (0: not sent).</param>
/// <param name="TimeUnixNano">End of the interval (0: not sent).</param>
/// <param name="AsDouble">The value when sent as a double.</param>
/// <param name="AsInt">The value when sent as an integer.</param>
/// <param name="Attributes">The point's attributes.</param>
public sealed record OtlpMetricPoint(
    OtlpResource Resource,
    OtlpScope Scope,
    string Name,
    string Unit,
    OtlpMetricKind Kind,
    OtlpTemporality Temporality,
    bool IsMonotonic,
    ulong StartTimeUnixNano,
    ulong TimeUnixNano,
    double? AsDouble,
    long? AsInt,
    IReadOnlyList<OtlpAttribute> Attributes);

/// <summary>The data points of one <c>ExportMetricsServiceRequest</c>.</summary>
/// <param name="Points">The gauge and sum data points, in the order sent.</param>
/// <param name="UnsupportedPoints">Data points of histograms, exponential histograms and summaries, which are not read.</param>
public sealed record OtlpMetricBatch(IReadOnlyList<OtlpMetricPoint> Points, int UnsupportedPoints);
