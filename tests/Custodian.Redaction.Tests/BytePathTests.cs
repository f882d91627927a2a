using System.Text;
using Custodian.Redaction.Internal;
using Custodian.Redaction.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The byte path (<see cref="Redactor.Redact(Stream, Stream)"/>: anchors searched in the bytes, characters widened only
/// around hits) against the string path: for UTF-8 input the output is the UTF-8 encoding of <c>Redact(string)</c> and the
/// counts are the same, whatever the buffer size and however the reads are cut (CUS-58).
/// </summary>
[Trait("spec", "CUS-58")]
public sealed class BytePathTests
{
    private static readonly string Filler = StreamBoundaryTests.BuildFiller(1 << 14);

    public static TheoryData<string> CorpusTranscripts() =>
        [.. Directory.GetFiles(Path.GetDirectoryName(CorpusTests.CorpusDirectory)!, "*.jsonl", SearchOption.AllDirectories).Order()
            .Select(f => Path.GetRelativePath(Path.GetDirectoryName(CorpusTests.CorpusDirectory)!, f))];

    public static TheoryData<string> RuleIds() => [.. BuiltInRules.All.Select(r => r.Id)];

    [Theory]
    [MemberData(nameof(CorpusTranscripts))]
    [Trait("spec", "RED-1")]
    [Trait("spec", "RED-5")]
    public void Every_corpus_transcript_redacts_as_its_string(string file)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(CorpusTests.CorpusDirectory)!, file));
        string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(input);
        AssertSame(text, input, "corpus " + file);

        // With a secret planted into every line's last string: the corpus around real secrets, not only clean text.
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            RuleExample example = BuiltInRules.All[i % BuiltInRules.All.Count].TruePositives[0];
            int quote = lines[i].LastIndexOf('"', Math.Max(0, lines[i].Length - 2));
            if (quote > 0)
            {
                lines[i] = lines[i][..quote] + " " + Json(example.Text)[1..^1] + " " + lines[i][quote..];
            }
        }

        string planted = string.Join('\n', lines);
        AssertSame(planted, Encoding.UTF8.GetBytes(planted), "planted " + file);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    [Trait("spec", "RED-3")]
    public void Every_rule_example_at_every_offset_around_a_buffer_boundary_redacts_as_its_string(string ruleId)
    {
        const int buffer = 4096;
        Redactor redactor = new RedactorBuilder().WithBufferSize(buffer).Build();
        foreach (RuleExample example in BuiltInRules.All.Single(r => r.Id == ruleId).TruePositives)
        {
            foreach (string form in new[] { example.Text, Json(example.Text)[1..^1] })
            {
                // The example's bytes start anywhere from fully before the boundary to just after it; the filler has
                // non-ASCII text, so char and byte offsets differ before it.
                int length = Encoding.UTF8.GetByteCount(form);
                for (int offset = buffer - length - 2; offset <= buffer + 2; offset++)
                {
                    string before = Prefix(offset - 1) + " ";
                    string text = before + form + " é\\n" + Filler[..200];
                    AssertSame(text, Encoding.UTF8.GetBytes(text), $"{ruleId} at byte {offset}", redactor);
                }
            }
        }
    }

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 300)]
    [Trait("spec", "RED-3")]
    public void Generated_documents_redact_as_their_string_for_any_buffer_and_read_size(Document document, PositiveInt bufferSize, PositiveInt readSize)
    {
        string text = document.Text.Replace("\uD83D\uDE00", "é", StringComparison.Ordinal);
        if (text.Any(char.IsSurrogate))
        {
            return; // a lone surrogate has no UTF-8 encoding
        }

        Redactor redactor = new RedactorBuilder().WithBufferSize(1 + (bufferSize.Get % 300)).Build();
        AssertSame(text, Encoding.UTF8.GetBytes(text), "generated", redactor, 1 + (readSize.Get % 500));
    }

    [Theory]
    [MemberData(nameof(CorpusTranscripts))]
    [Trait("spec", "CUS-72")]
    public void Every_search_path_finds_the_same_anchors_in_every_corpus_transcript(string file)
    {
        // The default index (its triggers, fingerprints and bounds) on real transcripts: the byte paths of every
        // machine kind (the window filter of AVX-512 VBMI, AVX2, 128-bit, scalar) and the char path give the same hits.
        byte[] bytes = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(CorpusTests.CorpusDirectory)!, file));
        string chars = Encoding.Latin1.GetString(bytes);
        AnchorIndex index = Redactor.Default.Scanner.Anchors;
        int[] state = new int[index.ByteStateLength], portable = new int[index.ByteStateLength], vector128 = new int[index.ByteStateLength];
        int[] scratch = new int[index.ByteStateLength];
        Array.Fill(state, -1);
        Array.Fill(portable, -1);
        Array.Fill(vector128, -1);
        int charCursor = -1;
        bool has128 = System.Runtime.Intrinsics.X86.Ssse3.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;
        for (int from = 0; ;)
        {
            int expected = index.Next(chars.AsSpan(), from, ref charCursor);
            Assert.Equal(expected, index.Next(bytes, from, state));
            Assert.Equal(expected, index.NextPortable(bytes, from, portable));
            Assert.Equal(expected, has128 ? index.NextVector128(bytes, from, vector128) : expected);
            Assert.Equal(expected, System.Runtime.Intrinsics.X86.Avx2.IsSupported ? index.NextAvx2(bytes, from, scratch) : expected);
            Assert.Equal(expected, AnchorIndex.HasWindowFilter ? index.NextWindows(bytes, from, scratch) : expected);
            if (expected < 0)
            {
                break;
            }

            from = expected + 1;
        }
    }

    [Property(MaxTest = 200)]
    public void Byte_anchor_search_finds_what_the_char_search_finds(NonEmptyString[] anchorSeeds, NonEmptyString textSeed)
    {
        // Anchors of 3 to 6 ASCII characters, common and rare ones; text of the same letters plus non-ASCII bytes.
        const string alphabet = "ghlpst_-:/.=KBxe";
        var anchors = anchorSeeds.Select(s => new string([.. s.Get.Select(c => alphabet[c % alphabet.Length])]).PadRight(3, 'l'))
            .Select(a => a[..Math.Min(a.Length, 6)]).Distinct(StringComparer.Ordinal).ToArray();
        if (anchors.Length == 0)
        {
            return;
        }

        // Bounds on some anchors, so that every path drops the same occurrences.
        var bounds = new Dictionary<string, AnchorBounds>(StringComparer.Ordinal);
        for (int k = 0; k < anchors.Length; k++)
        {
            bounds[anchors[k]] = (AnchorBounds)(k % 4);
        }

        var index = new AnchorIndex(anchors, bounds);
        string seed = textSeed.Get;
        byte[] bytes = [.. Enumerable.Range(0, 40 + (seed.Length * 7)).Select(i => (byte)(seed[i % seed.Length] % 11 == 0 ? 0xC3 : alphabet[(seed[i % seed.Length] + i) % alphabet.Length]))];
        string chars = Encoding.Latin1.GetString(bytes);
        int[] cursors = new int[index.ByteStateLength];
        Array.Fill(cursors, -1);
        int[] portableCursors = (int[])cursors.Clone();
        int[] vector128State = (int[])cursors.Clone();
        int[] scratch = (int[])cursors.Clone();
        int charCursor = -1;
        for (int from = 0; from <= bytes.Length; from++)
        {
            int expected = index.Next(chars.AsSpan(), from, ref charCursor);
            Assert.Equal(expected, index.Next(bytes, from, cursors));
            Assert.Equal(expected, index.NextPortable(bytes, from, portableCursors));
            if (System.Runtime.Intrinsics.X86.Ssse3.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported)
            {
                Assert.Equal(expected, index.NextVector128(bytes, from, vector128State));
            }

            if (AnchorIndex.HasWindowFilter)
            {
                Assert.Equal(expected, index.NextWindows(bytes, from, scratch));
            }

            if (from < bytes.Length)
            {
                Assert.Equal(index.StartsAt(chars.AsSpan(), from), index.StartsAt(bytes, from));
            }
        }
    }

    [Fact]
    [Trait("spec", "CUS-57")]
    public void Bytes_that_are_not_utf8_pass_through_and_secrets_beside_them_are_still_found()
    {
        byte[] invalid = [0xFF, 0xC3, (byte)' ', 0xE2, 0x82, (byte)'"', 0xED, 0xA0, 0x80, (byte)' '];
        string token = "ghp_R8nT2kWq9ZbX4vLm7YcP1sJd6HfG3aQeN5uK";
        byte[] input = [.. invalid, .. Encoding.ASCII.GetBytes(token), .. invalid, .. Encoding.ASCII.GetBytes(" " + token)];
        using var output = new MemoryStream();
        RedactionReport report = Subject.Redact(new MemoryStream(input), output);
        byte[] marker = Encoding.ASCII.GetBytes(Marker("github-pat-classic"));
        Assert.Equal([.. invalid, .. marker, .. invalid, (byte)' ', .. marker], output.ToArray());
        Assert.Equal(2, report.Counts["github-pat-classic"]);
    }

    private static string Prefix(int length)
    {
        // Filler cut at a character count whose UTF-8 length is exactly `length` bytes (padded with ASCII when a
        // multi-byte character would overshoot), so that the secret lands at the byte offset the test means.
        var builder = new StringBuilder(length);
        int bytes = 0;
        for (int i = 0; bytes < length; i++)
        {
            char c = Filler[i % Filler.Length];
            int n = Encoding.UTF8.GetByteCount([c]);
            if (bytes + n > length)
            {
                c = 'x';
                n = 1;
            }

            builder.Append(c);
            bytes += n;
        }

        return builder.ToString();
    }

    private static void AssertSame(string text, byte[] input, string what, Redactor? redactor = null, int? readSize = null)
    {
        redactor ??= Subject;
        string expected = redactor.Redact(text, out RedactionReport expectedReport);
        using var output = new MemoryStream();
        using Stream source = readSize is int r ? new TrickleStream(input, r) : new MemoryStream(input);
        RedactionReport report = redactor.Redact(source, output);
        byte[] actual = output.ToArray();
        byte[] wanted = Encoding.UTF8.GetBytes(expected);
        if (!actual.AsSpan().SequenceEqual(wanted))
        {
            int at = actual.AsSpan().CommonPrefixLength(wanted);
            Assert.Fail($"{what}: byte path differs from the string path at byte {at}: " +
                $"'{Encoding.UTF8.GetString(actual, Math.Max(0, at - 40), Math.Min(120, actual.Length - Math.Max(0, at - 40)))}' vs " +
                $"'{Encoding.UTF8.GetString(wanted, Math.Max(0, at - 40), Math.Min(120, wanted.Length - Math.Max(0, at - 40)))}'");
        }

        Assert.Equal(expectedReport, report);
    }
}
