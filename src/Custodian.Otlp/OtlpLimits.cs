namespace Custodian.Otlp;

/// <summary>
/// The bounds an export request is decoded within (CUS-73). Each is checked while reading, before the part beyond it
/// is materialized, so a request over a bound costs no more memory than its body.
/// </summary>
public sealed record OtlpLimits
{
    /// <summary>The defaults: far above what Claude Code sends (batches of 512 records with a few dozen attributes).</summary>
    public static OtlpLimits Default { get; } = new();

    /// <summary>Log records, or data points, in one request.</summary>
    public int MaxRecords { get; init; } = 16_384;

    /// <summary>Attributes of one record, data point, resource or scope; entries of one key-value list; items of one array.</summary>
    public int MaxAttributes { get; init; } = 1_024;

    /// <summary>How deep arrays and key-value lists may nest inside one attribute value (1: a flat array or list).</summary>
    public int MaxValueDepth { get; init; } = 8;

    /// <summary>Protobuf messages or JSON objects in one request, all kinds together (values, attributes, records, …).</summary>
    public int MaxElements { get; init; } = 1_048_576;
}
