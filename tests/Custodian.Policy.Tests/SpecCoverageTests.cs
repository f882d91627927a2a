using System.Reflection;
using Custodian.Policy.Tests.Support;

namespace Custodian.Policy.Tests;

/// <summary>Every statement the policy decides is named by at least one test of this project.</summary>
public sealed class SpecCoverageTests
{
    /// <summary>The statements the policy (settings, engine, context reader, account) decides or carries.</summary>
    private static readonly string[] Decided =
    [
        "SET-1", "SET-2", "SET-3", "SET-4", "SET-5", "SET-6", "SET-7",
        "TRN-1", "TRN-2", "TRN-3", "TRN-4", "DPP-1", "DPP-2", "DPP-3",
        "RET-1", "RET-2", "RET-3", "RET-4", "RET-5", "RET-6", "RET-8",
        "FBK-1", "FBK-2", "FBK-3", "FBK-5",
        "SRV-1", "SRV-2", "SRV-3", "SRV-4", "SRV-5", "SRV-6",
        "SHR-1", "SHR-2", "SHR-3", "SHR-4",
        "FLW-1", "FLW-2", "FLW-3", "LOC-3", "LOC-6",
        "CUS-1", "CUS-2", "CUS-3", "CUS-4", "CUS-5", "CUS-6", "CUS-7", "CUS-8", "CUS-9",
    ];

    private static IEnumerable<string> NamedIds() =>
        typeof(SpecCoverageTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetCustomAttributesData())
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "spec")
            .Select(a => (string)a.ConstructorArguments[1].Value!);

    [Fact]
    [Trait("spec", "SET-7")]
    public void Every_decided_statement_is_named_by_a_test()
    {
        var named = NamedIds().ToHashSet(StringComparer.Ordinal);
        var missing = Decided.Where(id => !named.Contains(id)).ToArray();
        Assert.True(missing.Length == 0, "not named by any test: " + string.Join(", ", missing));
    }

    [Fact]
    [Trait("spec", "SET-7")]
    public void Every_named_statement_exists_in_the_spec_or_the_documented_extensions()
    {
        var unknown = NamedIds().Distinct(StringComparer.Ordinal).Where(id => !SpecIds.All.Contains(id)).ToArray();
        Assert.True(unknown.Length == 0, "not in SPEC.md or docs/spec-extensions.md: " + string.Join(", ", unknown));
    }

    [Fact]
    [Trait("spec", "CUS-1")]
    [Trait("spec", "CUS-2")]
    public void The_extensions_the_engine_emits_are_documented_for_what_they_do()
    {
        Assert.Contains("credentials", SpecIds.Extensions["CUS-1"], StringComparison.Ordinal);
        Assert.Contains("DISABLE_AUTOUPDATER", SpecIds.Extensions["CUS-2"], StringComparison.Ordinal);
        Assert.Contains("anthropic-aws", SpecIds.Extensions["CUS-3"], StringComparison.Ordinal);
    }
}
