namespace Custodian.Otlp;

/// <summary>What an OTLP <c>AnyValue</c> holds.</summary>
public enum OtlpValueKind
{
    /// <summary>No value set (an empty <c>AnyValue</c>).</summary>
    Empty,

    /// <summary>A string.</summary>
    String,

    /// <summary>A boolean.</summary>
    Bool,

    /// <summary>A 64-bit integer.</summary>
    Int,

    /// <summary>A double.</summary>
    Double,

    /// <summary>Bytes.</summary>
    Bytes,

    /// <summary>An array of values.</summary>
    Array,

    /// <summary>A list of key-value pairs (a nested object).</summary>
    KeyValueList,
}

/// <summary>An OTLP attribute: a key and its value.</summary>
/// <param name="Key">The key, as sent.</param>
/// <param name="Value">The value.</param>
public readonly record struct OtlpAttribute(string Key, OtlpValue Value);

/// <summary>
/// An OTLP <c>AnyValue</c>, decoded: one of a string, boolean, integer, double, bytes, array or key-value list. Claude
/// Code's attributes are of mixed types (a duration may come as a number or a string), so readers coerce rather than
/// assume one type per key.
/// </summary>
public sealed class OtlpValue
{
    private static readonly OtlpValue EmptyValue = new(OtlpValueKind.Empty);
    private static readonly OtlpValue True = new(OtlpValueKind.Bool) { Bool = true };
    private static readonly OtlpValue False = new(OtlpValueKind.Bool) { Bool = false };

    private OtlpValue(OtlpValueKind kind) => Kind = kind;

    /// <summary>What it holds.</summary>
    public OtlpValueKind Kind { get; }

    /// <summary>The string, for <see cref="OtlpValueKind.String"/>.</summary>
    public string? String { get; private init; }

    /// <summary>The boolean, for <see cref="OtlpValueKind.Bool"/>.</summary>
    public bool Bool { get; private init; }

    /// <summary>The integer, for <see cref="OtlpValueKind.Int"/>.</summary>
    public long Int { get; private init; }

    /// <summary>The double, for <see cref="OtlpValueKind.Double"/>.</summary>
    public double Double { get; private init; }

    /// <summary>The bytes, for <see cref="OtlpValueKind.Bytes"/>.</summary>
    public ReadOnlyMemory<byte> Bytes { get; private init; }

    /// <summary>The items, for <see cref="OtlpValueKind.Array"/>.</summary>
    public IReadOnlyList<OtlpValue> Items { get; private init; } = [];

    /// <summary>The entries, for <see cref="OtlpValueKind.KeyValueList"/>.</summary>
    public IReadOnlyList<OtlpAttribute> Entries { get; private init; } = [];

    /// <summary>An empty value.</summary>
    public static OtlpValue Empty => EmptyValue;

    /// <summary>A string value.</summary>
    public static OtlpValue Of(string value) => new(OtlpValueKind.String) { String = value ?? throw new ArgumentNullException(nameof(value)) };

    /// <summary>A boolean value.</summary>
    public static OtlpValue Of(bool value) => value ? True : False;

    /// <summary>An integer value.</summary>
    public static OtlpValue Of(long value) => new(OtlpValueKind.Int) { Int = value };

    /// <summary>A double value.</summary>
    public static OtlpValue Of(double value) => new(OtlpValueKind.Double) { Double = value };

    /// <summary>A bytes value.</summary>
    public static OtlpValue OfBytes(ReadOnlyMemory<byte> value) => new(OtlpValueKind.Bytes) { Bytes = value };

    /// <summary>An array value.</summary>
    public static OtlpValue OfArray(IReadOnlyList<OtlpValue> items) => new(OtlpValueKind.Array) { Items = items ?? throw new ArgumentNullException(nameof(items)) };

    /// <summary>A key-value list value.</summary>
    public static OtlpValue OfEntries(IReadOnlyList<OtlpAttribute> entries) =>
        new(OtlpValueKind.KeyValueList) { Entries = entries ?? throw new ArgumentNullException(nameof(entries)) };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        OtlpValueKind.String => String!,
        OtlpValueKind.Bool => Bool ? "true" : "false",
        OtlpValueKind.Int => Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        OtlpValueKind.Double => Double.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        OtlpValueKind.Bytes => Convert.ToBase64String(Bytes.Span),
        OtlpValueKind.Array => "[" + string.Join(", ", Items) + "]",
        OtlpValueKind.KeyValueList => "{" + string.Join(", ", Entries.Select(e => e.Key + "=" + e.Value)) + "}",
        _ => string.Empty,
    };
}
