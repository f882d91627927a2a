namespace Custodian.Policy.Tests.Support;

/// <summary>Small helpers to build contexts and evaluate them in tests.</summary>
internal static class TestPolicy
{
    /// <summary>Evaluates a context that must be valid.</summary>
    public static PolicyDecisions Decide(PolicyContext context)
    {
        var outcome = PolicyEngine.Evaluate(context);
        Assert.True(outcome.Succeeded, $"expected decisions, got error {outcome.Error}");
        Assert.Null(outcome.Error);
        return outcome.Decisions!;
    }

    /// <summary>An environment from <c>NAME=value</c> pairs.</summary>
    public static ClientEnvironment Env(params (string Name, string Value)[] variables) =>
        ClientEnvironment.FromVariables(variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    /// <summary>An environment from a compact spec: <c>A=1;B=0</c> (empty for none).</summary>
    public static ClientEnvironment Env(string spec) => ClientEnvironment.FromVariables(ParseEnv(spec));

    /// <summary>Parses <c>A=1;B=0</c> into a dictionary.</summary>
    public static Dictionary<string, string> ParseEnv(string spec)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            result[part[..eq]] = part[(eq + 1)..];
        }

        return result;
    }

    /// <summary>The provider variable that selects <paramref name="provider"/>, or null for the first-party API.</summary>
    public static string? ProviderVariable(Provider provider) =>
        ClientEnvironment.ProviderVariables.Where(p => p.Provider == provider).Select(p => p.Variable).FirstOrDefault();

    /// <summary>The trace as a map from decision name to entry.</summary>
    public static Dictionary<string, TraceEntry> TraceMap(PolicyDecisions decisions) =>
        decisions.Trace().ToDictionary(e => e.Decision, StringComparer.Ordinal);

    /// <summary>A trace value as text: <c>true</c>, <c>P30D</c>, <c>0.005</c>, <c>null</c>.</summary>
    public static string Text(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    /// <summary>Asserts expectations written as <c>decision=value@RULE</c> against the trace.</summary>
    public static void AssertTrace(PolicyDecisions decisions, IEnumerable<string> expectations)
    {
        var trace = TraceMap(decisions);
        foreach (var expectation in expectations)
        {
            var (name, value, rule) = ParseExpectation(expectation);
            Assert.True(trace.TryGetValue(name, out var entry), $"no trace entry for {name}");
            Assert.True(
                Text(entry!.Value) == value && entry.Rule == rule,
                $"{name}: expected {value}@{rule}, got {Text(entry.Value)}@{entry.Rule} (because {entry.Because})");
        }
    }

    /// <summary>Splits <c>decision=value@RULE</c>.</summary>
    public static (string Name, string Value, string Rule) ParseExpectation(string expectation)
    {
        var eq = expectation.IndexOf('=', StringComparison.Ordinal);
        var at = expectation.LastIndexOf('@');
        return (expectation[..eq], expectation[(eq + 1)..at], expectation[(at + 1)..]);
    }
}
