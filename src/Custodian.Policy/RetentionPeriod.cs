namespace Custodian.Policy;

/// <summary>
/// A retention period as an ISO 8601 duration of whole years, months and days (<c>P5Y</c>, <c>P6M</c>, <c>P30D</c>, <c>P0D</c>).
/// Calendar units are kept as such so that "5 years" ends on the same calendar day, leap years included.
/// </summary>
public readonly record struct RetentionPeriod(int Years, int Months, int Days)
{
    /// <summary>Nothing is kept (<c>P0D</c>), as under zero data retention.</summary>
    public static readonly RetentionPeriod None = new(0, 0, 0);

    /// <summary>30 days (<c>P30D</c>).</summary>
    public static readonly RetentionPeriod ThirtyDays = new(0, 0, 30);

    /// <summary>6 months (<c>P6M</c>).</summary>
    public static readonly RetentionPeriod SixMonths = new(0, 6, 0);

    /// <summary>5 years (<c>P5Y</c>).</summary>
    public static readonly RetentionPeriod FiveYears = new(5, 0, 0);

    /// <summary>True for <c>P0D</c>: nothing may be persisted.</summary>
    public bool IsZero => Years == 0 && Months == 0 && Days == 0;

    /// <summary>The instant at which a record captured at <paramref name="capturedAt"/> expires.</summary>
    public DateTimeOffset ExpiryFor(DateTimeOffset capturedAt) =>
        capturedAt.AddYears(Years).AddMonths(Months).AddDays(Days);

    /// <summary>The ISO 8601 form, for example <c>P30D</c>.</summary>
    public override string ToString()
    {
        if (this == ThirtyDays) return "P30D";
        if (this == FiveYears) return "P5Y";
        if (this == SixMonths) return "P6M";
        if (IsZero) return "P0D";
        return "P"
            + (Years != 0 ? $"{Years}Y" : string.Empty)
            + (Months != 0 ? $"{Months}M" : string.Empty)
            + (Days != 0 ? $"{Days}D" : string.Empty);
    }

    /// <summary>Parses <c>PnYnMnD</c> (any part optional, at least one present; no time part).</summary>
    public static bool TryParse(string? text, out RetentionPeriod period)
    {
        period = default;
        if (text is null || text.Length < 3 || text[0] != 'P') return false;
        int years = 0, months = 0, days = 0, value = 0, lastUnit = 0;
        var digits = false;
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '0' and <= '9')
            {
                if (value > 100_000) return false;
                value = (value * 10) + (c - '0');
                digits = true;
                continue;
            }

            var unit = c switch { 'Y' => 1, 'M' => 2, 'D' => 3, _ => 0 };
            if (unit == 0 || !digits || unit <= lastUnit) return false;
            switch (unit)
            {
                case 1: years = value; break;
                case 2: months = value; break;
                default: days = value; break;
            }

            lastUnit = unit;
            value = 0;
            digits = false;
        }

        if (digits || lastUnit == 0) return false;
        period = new RetentionPeriod(years, months, days);
        return true;
    }
}
