using System.Text;
using BenchmarkDotNet.Attributes;
using Custodian.Redaction;

namespace Custodian.Benchmarks;

/// <summary>
/// The redaction hot path on 1 MiB of transcript-like JSON Lines (the shared corpus repeated): with no
/// secret, with a few, and with many. Throughput = 1 MiB / Mean.
/// </summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private const int Size = 1 << 20;

    private static readonly string[] GitHubBodies =
    [
        "CAT9AG498DYt5BL5gHCQRgI0QX020VORWniV", "vAp3rJDMsLpuXyU3jVqVb7kuDdwDm8tvwZzr", "kUtE0ewOTNg3zOvSBzzxVaawZeQwbCa6Yt1k",
        "3zA9SrCK4BmTWk5YdukI0DQROz8BbEPiRW0T", "NsuLv1AK6WmHUxUUnsNHhPl0A5wtbomotPGI", "z7nJFGmuSc1NHVcidnB76XXp8mCQtXlzBQvc",
    ];
    private readonly Redactor redactor = Redactor.Default;
    private string clean = "";
    private string few = "";
    private string many = "";
    private byte[] cleanBytes = [];
    private byte[] fewBytes = [];
    private byte[] manyBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        string corpus = FindCorpus();
        string[] lines = [.. Directory.GetFiles(corpus, "*.jsonl").Order().SelectMany(File.ReadAllLines)];
        clean = Build(lines, secretEvery: 0);
        few = Build(lines, secretEvery: 200);
        many = Build(lines, secretEvery: 2);
        cleanBytes = Encoding.UTF8.GetBytes(clean);
        fewBytes = Encoding.UTF8.GetBytes(few);
        manyBytes = Encoding.UTF8.GetBytes(many);
    }

    [Benchmark(Baseline = true)]
    public string StringNoSecrets() => redactor.Redact(clean);

    [Benchmark]
    public string StringFewSecrets() => redactor.Redact(few);

    [Benchmark]
    public string StringManySecrets() => redactor.Redact(many);

    [Benchmark]
    public RedactionReport StreamNoSecrets() => redactor.Redact(new MemoryStream(cleanBytes), Stream.Null);

    /// <summary>The byte path as <c>custodian redact</c> and <c>scrub</c> use it: anchors found in the bytes, chars only around hits.</summary>
    [Benchmark]
    public RedactionReport StreamFewSecrets() => redactor.Redact(new MemoryStream(fewBytes), Stream.Null);

    [Benchmark]
    public RedactionReport StreamManySecrets() => redactor.Redact(new MemoryStream(manyBytes), Stream.Null);

    private static string Build(string[] lines, int secretEvery)
    {
        var builder = new StringBuilder(Size + 4096);
        for (int i = 0; builder.Length < Size; i++)
        {
            string line = lines[i % lines.Length];
            if (secretEvery > 0 && i % secretEvery == 0 && line.Length > 2)
            {
                // Into the last JSON string of the line: a token as it appears in tool output.
                int at = line.LastIndexOf('"', line.Length - 2);
                // Random-looking bodies: one repeated character would be a placeholder, which is left alone (RED-7).
                line = at > 0 ? line[..at] + " ghp_" + GitHubBodies[i % GitHubBodies.Length] + " sk-ant-api03-UTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa_2o76umfXfKm_r5kJP1VrT-1FJors_6ILi8IHn5kxsC7tVO_HbkQfZAA" + line[at..] : line;
            }

            builder.Append(line).Append('\n');
        }

        return builder.ToString(0, Size);
    }

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "corpus", "claude-code-log");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("../shared/corpus/claude-code-log");
    }
}
