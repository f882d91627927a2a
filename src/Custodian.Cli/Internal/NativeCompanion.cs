using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Custodian.Cli.Internal;

/// <summary>Whether a command runs in this process or in the x86-64-v4 companion executable, and why (CUS-87).</summary>
/// <param name="Path">The companion to execute, or null to run here.</param>
/// <param name="Reason">Why, in a few words.</param>
internal sealed record CompanionChoice(string? Path, string Reason);

/// <summary>
/// The native executable's second build for x86-64-v4 (AVX-512) machines (CUS-87, docs/native.md). Native AOT's x64
/// baseline has no AVX and folds every AVX-family <c>IsSupported</c> check to false at compile time, so the shipped
/// executable runs redaction's 128-bit byte filter; the same program compiled for x86-64-v4 runs the AVX-512 window
/// filter at four times the speed. The baseline executable stays the one that is installed and started, and replaces
/// itself (<c>execv</c>: same process id, arguments, environment and open descriptors) with the companion beside it
/// for the commands that read data in bulk, when the CPU and the kernel have what the companion was compiled for.
/// The hook never switches: it reads kilobytes, and its 10 ms budget has no room for a second start.
/// </summary>
internal static partial class NativeCompanion
{
    /// <summary>The companion's file name, beside the executable.</summary>
    public const string FileName = "custodian-x86-64-v4";

    /// <summary>Set to <c>baseline</c> to stay in the baseline executable (comparisons, or a CPU reported wrongly).</summary>
    public const string IsaVariable = "CUSTODIAN_NATIVE_ISA";

    /// <summary>The commands whose time is bulk byte work (redaction, JSON) rather than start-up.</summary>
    private static readonly string[] BulkCommands = ["redact", "scrub", "serve"];

    /// <summary>
    /// The <c>/proc/cpuinfo</c> flags x86-64-v4 needs (its v3 part and AVX-512 F, BW, CD, DQ, VL). The kernel lists an
    /// AVX-512 flag only when it saves that register state, so the list also says the operating system supports it.
    /// </summary>
    private static readonly string[] RequiredFlags =
        ["avx2", "bmi1", "bmi2", "fma", "movbe", "abm", "f16c", "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];

    /// <summary>The decision, from everything it depends on.</summary>
    /// <param name="args">The command line (without the program).</param>
    /// <param name="processPath">This executable's path.</param>
    /// <param name="thisBuildHasAvx512">Whether this build already runs AVX-512 (the companion itself, or the JIT).</param>
    /// <param name="fileExists">Whether a file exists.</param>
    /// <param name="cpuFlags">The <c>flags</c> line of <c>/proc/cpuinfo</c>, or null when it cannot be read.</param>
    /// <param name="isaOverride">The value of <see cref="IsaVariable"/>.</param>
    /// <returns>The companion to execute, or null with the reason to stay.</returns>
    public static CompanionChoice Choose(
        IReadOnlyList<string> args, string? processPath, bool thisBuildHasAvx512, Func<string, bool> fileExists, string? cpuFlags, string? isaOverride)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(fileExists);
        if (thisBuildHasAvx512) return new(null, "this build runs AVX-512");
        if (string.Equals(isaOverride, "baseline", StringComparison.Ordinal)) return new(null, $"{IsaVariable}=baseline");
        if (args.Count == 0 || Array.IndexOf(BulkCommands, args[0]) < 0) return new(null, "not a bulk command");
        if (string.IsNullOrEmpty(processPath)) return new(null, "no executable path");
        string? directory = System.IO.Path.GetDirectoryName(processPath);
        if (directory is null) return new(null, "no executable path");
        string companion = System.IO.Path.Combine(directory, FileName);
        if (string.Equals(System.IO.Path.GetFileName(processPath), FileName, StringComparison.Ordinal)) return new(null, "this is the companion");
        if (!fileExists(companion)) return new(null, "no companion beside the executable");
        if (cpuFlags is null) return new(null, "no CPU flags");
        foreach (string flag in RequiredFlags)
        {
            if (!HasFlag(cpuFlags, flag)) return new(null, $"the CPU lacks {flag}");
        }

        return new(companion, "x86-64-v4 CPU");
    }

    /// <summary>
    /// Executes the companion in place of this process when <see cref="Choose"/> says so; returns only when it does
    /// not apply or the exec failed, and the command then runs here, the same command, only slower.
    /// </summary>
    /// <param name="args">The command line (without the program).</param>
    public static void ExecIfBetter(string[] args)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        // Only a native (ahead-of-time) build has a companion; the JIT compiles for the CPU it runs on anyway.
        if (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) return;
        var choice = Choose(args, Environment.ProcessPath, Avx512BW.IsSupported, File.Exists, ReadCpuFlags(),
            Environment.GetEnvironmentVariable(IsaVariable));
        if (choice.Path is null) return;
        Exec(choice.Path, args);
    }

    private static bool HasFlag(string flags, string flag)
    {
        foreach (var range in flags.AsSpan().Split(' '))
        {
            if (flags.AsSpan()[range].SequenceEqual(flag)) return true;
        }

        return false;
    }

    /// <summary>The first <c>flags</c> line of <c>/proc/cpuinfo</c> (every core has the same features).</summary>
    private static string? ReadCpuFlags()
    {
        try
        {
            using var reader = new StreamReader("/proc/cpuinfo");
            // Bounded: a core's entry is a few kilobytes; the first flags line comes within the first one.
            for (int lines = 0; lines < 64 && reader.ReadLine() is { } line; lines++)
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : line[(colon + 1)..].Trim();
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static void Exec(string path, string[] args)
    {
        // Nothing has been written yet (this runs first), so no buffered output is lost with the process image.
        var argv = new IntPtr[args.Length + 2];
        try
        {
            argv[0] = Marshal.StringToCoTaskMemUTF8(path);
            for (int i = 0; i < args.Length; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
            _ = ExecV(path, argv); // returns only on failure: then run here
        }
        finally
        {
            foreach (var p in argv)
            {
                if (p != IntPtr.Zero) Marshal.FreeCoTaskMem(p);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ExecV(string path, [In] IntPtr[] argv);
}
