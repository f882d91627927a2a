namespace Custodian.Policy.Tests;

/// <summary>ISO 8601 retention periods (RET-1..5) and the expiry they give (RET-6).</summary>
public sealed class RetentionPeriodTests
{
    [Theory]
    [InlineData("P0D", 0, 0, 0)]
    [InlineData("P30D", 0, 0, 30)]
    [InlineData("P6M", 0, 6, 0)]
    [InlineData("P5Y", 5, 0, 0)]
    [InlineData("P1Y2M3D", 1, 2, 3)]
    [InlineData("P7D", 0, 0, 7)]
    [Trait("spec", "RET-1")]
    [Trait("spec", "RET-4")]
    [Trait("spec", "RET-5")]
    public void Periods_print_and_parse_as_ISO_8601(string text, int years, int months, int days)
    {
        var period = new RetentionPeriod(years, months, days);
        Assert.Equal(text, period.ToString());
        Assert.True(RetentionPeriod.TryParse(text, out var parsed));
        Assert.Equal(period, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("30D")]
    [InlineData("PD")]
    [InlineData("P30")]
    [InlineData("P1D2M")]
    [InlineData("P1Y1Y")]
    [InlineData("PT1H")]
    [InlineData("P1W")]
    [InlineData("P-1D")]
    [InlineData("P99999999999D")]
    [Trait("spec", "RET-2")]
    public void Malformed_periods_do_not_parse(string? text) => Assert.False(RetentionPeriod.TryParse(text, out _));

    [Fact]
    [Trait("spec", "RET-3")]
    public void The_named_periods_are_the_spec_values()
    {
        Assert.Equal("P0D", RetentionPeriod.None.ToString());
        Assert.True(RetentionPeriod.None.IsZero);
        Assert.False(RetentionPeriod.ThirtyDays.IsZero);
        Assert.Equal("P30D", RetentionPeriod.ThirtyDays.ToString());
        Assert.Equal("P6M", RetentionPeriod.SixMonths.ToString());
        Assert.Equal("P5Y", RetentionPeriod.FiveYears.ToString());
    }

    [Fact]
    [Trait("spec", "RET-6")]
    public void Expiry_counts_calendar_units_from_the_capture_time()
    {
        var leapDay = new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2029, 2, 28, 12, 0, 0, TimeSpan.Zero), RetentionPeriod.FiveYears.ExpiryFor(leapDay));
        var august = new DateTimeOffset(2025, 8, 31, 0, 0, 0, TimeSpan.FromHours(2));
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 0, 0, 0, TimeSpan.FromHours(2)), RetentionPeriod.SixMonths.ExpiryFor(august));
        Assert.Equal(august.AddDays(30), RetentionPeriod.ThirtyDays.ExpiryFor(august));
        Assert.Equal(august, RetentionPeriod.None.ExpiryFor(august));
    }
}
