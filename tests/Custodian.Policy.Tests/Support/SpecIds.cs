using System.Text.RegularExpressions;

namespace Custodian.Policy.Tests.Support;

/// <summary>The statement IDs of SPEC.md, and the project's own documented extensions (CUS-n).</summary>
internal static partial class SpecIds
{
    /// <summary>Every ID in SPEC.md (sections 1–9 and 11), with its count of statements.</summary>
    private static readonly (string Prefix, int Count)[] Sections =
    [
        ("SET", 7), ("TRN", 4), ("DPP", 3), ("RET", 8), ("FBK", 5), ("SRV", 6), ("SHR", 6),
        ("LOC", 8), ("DEL", 2), ("ACC", 2), ("FLW", 5), ("RED", 5), ("OTL", 7),
    ];

    /// <summary>The project's own rules (CUS-n), as documented in docs/spec-extensions.md of this repository.</summary>
    public static readonly IReadOnlyDictionary<string, string> Extensions = ReadExtensions();

    public static readonly IReadOnlySet<string> All = Sections
        .SelectMany(s => Enumerable.Range(1, s.Count).Select(i => $"{s.Prefix}-{i}"))
        .Concat(Extensions.Keys)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The repository's root: the nearest directory above the test binaries holding Custodian.slnx.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Custodian.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("Custodian.slnx not found above " + AppContext.BaseDirectory);
    }

    private static Dictionary<string, string> ReadExtensions()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(RepositoryRoot(), "docs", "spec-extensions.md")))
        {
            var m = ExtensionRowRegex().Match(line);
            if (m.Success) result[m.Groups[1].Value] = m.Groups[2].Value;
        }

        return result;
    }

    [GeneratedRegex(@"^\|\s*(CUS-[1-9][0-9]*)\s*\|(.*)\|\s*$")]
    private static partial Regex ExtensionRowRegex();

    [GeneratedRegex("^(SET|TRN|DPP|RET|FBK|SRV|SHR|LOC|DEL|ACC|FLW|RED|CUS)-[1-9][0-9]*$")]
    private static partial Regex WellFormedRegex();

    public static Regex WellFormed => WellFormedRegex();
}
