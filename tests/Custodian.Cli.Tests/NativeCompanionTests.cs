using Custodian.Cli.Internal;

namespace Custodian.Cli.Tests;

/// <summary>
/// When the native executable hands a command to its x86-64-v4 build (CUS-87). The exec itself only happens in a native
/// build, which <c>eng/publish.sh</c>'s smoke check runs (the process image of <c>redact</c>, with and without the override).
/// </summary>
[Trait("spec", "CUS-87")]
public sealed class NativeCompanionTests
{
    private const string Executable = "/opt/custodian/custodian";
    private const string Companion = "/opt/custodian/custodian-x86-64-v4";

    // A Zen 4's flags line, as the kernel writes it (abridged to what matters and some neighbours).
    private const string V4Flags = "fpu sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c abm bmi1 avx2 bmi2 "
        + "avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512vbmi";

    private static CompanionChoice Choose(string[] args, string? flags = V4Flags, bool exists = true, bool hasAvx512 = false,
        string? isaOverride = null, string? processPath = Executable) =>
        NativeCompanion.Choose(args, processPath, hasAvx512, path => exists && path == Companion, flags, isaOverride);

    [Theory]
    [InlineData("redact")]
    [InlineData("scrub")]
    [InlineData("serve")]
    public void Bulk_commands_run_in_the_companion_on_an_x86_64_v4_cpu(string command)
    {
        var choice = Choose([command, "--some", "arguments"]);

        Assert.Equal(Companion, choice.Path);
        Assert.Equal("x86-64-v4 CPU", choice.Reason);
    }

    [Theory]
    [InlineData("hook")]
    [InlineData("install")]
    [InlineData("policy")]
    [InlineData("--help")]
    public void Other_commands_start_nothing_else(string command) =>
        Assert.Equal(new CompanionChoice(null, "not a bulk command"), Choose([command]));

    [Fact]
    public void No_arguments_stay() => Assert.Null(Choose([]).Path);

    [Theory]
    [InlineData("avx512vl")]
    [InlineData("avx512bw")]
    [InlineData("avx512f")]
    [InlineData("movbe")]
    public void A_cpu_without_one_of_the_v4_features_stays_in_the_baseline(string missing)
    {
        string flags = string.Join(' ', V4Flags.Split(' ').Where(f => f != missing));

        var choice = Choose(["redact"], flags);

        Assert.Null(choice.Path);
        Assert.Equal($"the CPU lacks {missing}", choice.Reason);
    }

    [Fact]
    public void A_flag_counts_only_as_a_whole_word()
    {
        // avx512vbmi and avx512vl are present, avx512f is not: "avx512f" must not match inside "avx512fp16".
        string flags = V4Flags.Replace("avx512f ", "avx512fp16 ", StringComparison.Ordinal);

        Assert.Equal("the CPU lacks avx512f", Choose(["redact"], flags).Reason);
    }

    [Fact]
    public void Without_a_companion_file_or_cpu_flags_nothing_changes()
    {
        Assert.Equal("no companion beside the executable", Choose(["redact"], exists: false).Reason);
        Assert.Equal("no CPU flags", Choose(["redact"], flags: null).Reason);
        Assert.Equal("no executable path", Choose(["redact"], processPath: null).Reason);
    }

    [Fact]
    public void The_companion_and_builds_that_already_run_avx512_never_exec_again()
    {
        Assert.Equal("this build runs AVX-512", Choose(["redact"], hasAvx512: true).Reason);
        Assert.Equal("this is the companion", Choose(["redact"], processPath: Companion).Reason);
    }

    [Fact]
    public void The_override_keeps_the_baseline()
    {
        Assert.Equal("CUSTODIAN_NATIVE_ISA=baseline", Choose(["redact"], isaOverride: "baseline").Reason);
        Assert.Equal(Companion, Choose(["redact"], isaOverride: "").Path);
    }
}
