using System.Text.RegularExpressions;

namespace Custodian.Policy.Tests.Support;

/// <summary>The statement IDs of SPEC.md, and the project's own documented extensions (CUS-n).</summary>
internal static partial class SpecIds
{
    /// <summary>Every ID in SPEC.md (sections 1–9), with its count of statements.</summary>
    private static readonly (string Prefix, int Count)[] Sections =
    [
        ("SET", 7), ("TRN", 4), ("DPP", 3), ("RET", 8), ("FBK", 5), ("SRV", 6), ("SHR", 6),
        ("LOC", 8), ("DEL", 2), ("ACC", 2), ("FLW", 5), ("RED", 5),
    ];

    /// <summary>
    /// The project's extensions the policy engine uses. CUS-1: without server credentials the transcript-share
    /// follow-up writes a local archive (like FBK-3 does for /feedback). CUS-2: <c>DISABLE_AUTOUPDATER</c> turns
    /// off auto-update only. They are to be written down in docs/ with these IDs.
    /// </summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.Ordinal) { "CUS-1", "CUS-2" };

    public static readonly IReadOnlySet<string> All = Sections
        .SelectMany(s => Enumerable.Range(1, s.Count).Select(i => $"{s.Prefix}-{i}"))
        .Concat(Extensions)
        .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("^(SET|TRN|DPP|RET|FBK|SRV|SHR|LOC|DEL|ACC|FLW|RED|CUS)-[1-9][0-9]*$")]
    private static partial Regex WellFormedRegex();

    public static Regex WellFormed => WellFormedRegex();
}
