namespace Custodian.Feedback.Bundles;

/// <summary>What a bundle is for: it decides the server's retention and whether it can ever be training data.</summary>
public enum BundleKind
{
    /// <summary>A <c>/feedback</c> report (FBK-1): kept 5 years, training-eligible under TRN-1/TRN-2 (FBK-5).</summary>
    Feedback,

    /// <summary>A transcript shared from the survey follow-up (SHR-3): kept 6 months, never training data (TRN-4).</summary>
    TranscriptShare,
}

/// <summary>How long back a bundle reaches into the same project's sessions (FBK-1).</summary>
public enum BundleScope
{
    /// <summary>The current session only (the default).</summary>
    Session,

    /// <summary>The current session and the same project's sessions active within the last 24 hours.</summary>
    Last24Hours,

    /// <summary>The current session and the same project's sessions active within the last 7 days.</summary>
    Last7Days,
}

/// <summary>Wire names of the bundle enums, as INTERFACES.md spells them.</summary>
public static class BundleNames
{
    /// <summary><c>feedback</c> or <c>transcript-share</c>: the value of the <c>Custodian-Bundle-Kind</c> header and the manifest's <c>kind</c>.</summary>
    public static string ToWireName(this BundleKind kind) => kind switch
    {
        BundleKind.Feedback => "feedback",
        BundleKind.TranscriptShare => "transcript-share",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary><c>session</c>, <c>24h</c> or <c>7d</c>.</summary>
    public static string ToWireName(this BundleScope scope) => scope switch
    {
        BundleScope.Session => "session",
        BundleScope.Last24Hours => "24h",
        BundleScope.Last7Days => "7d",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    /// <summary>Parses <c>feedback</c> or <c>transcript-share</c>.</summary>
    public static bool TryParseKind(string? text, out BundleKind kind)
    {
        switch (text)
        {
            case "feedback": kind = BundleKind.Feedback; return true;
            case "transcript-share": kind = BundleKind.TranscriptShare; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>Parses <c>session</c>, <c>24h</c> or <c>7d</c>.</summary>
    public static bool TryParseScope(string? text, out BundleScope scope)
    {
        switch (text)
        {
            case "session": scope = BundleScope.Session; return true;
            case "24h": scope = BundleScope.Last24Hours; return true;
            case "7d": scope = BundleScope.Last7Days; return true;
            default: scope = default; return false;
        }
    }

    /// <summary>How far back a scope reaches; zero for <see cref="BundleScope.Session"/>.</summary>
    public static TimeSpan Window(this BundleScope scope) => scope switch
    {
        BundleScope.Last24Hours => TimeSpan.FromHours(24),
        BundleScope.Last7Days => TimeSpan.FromDays(7),
        _ => TimeSpan.Zero,
    };
}
