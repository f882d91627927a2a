using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>A Slack incoming webhook, workflow or trigger URL: the path after the host is the secret.</summary>
internal sealed class SlackWebhookUrlRule : Rule
{
    private const string Host = "hooks.slack.com";
    private const int MaxPath = 300;
    private static readonly AsciiSet SegmentChars = new(Chars.Letters + Chars.DigitChars + "_-");

    public override string Id => "slack-webhook-url";

    public override string Description => "Slack webhook URL (hooks.slack.com/services/..., /workflows/, /triggers/)";

    // The second anchor reads URLs whose slashes are JSON-escaped (PHP's json_encode writes https:\/\/hooks...).
    public override IReadOnlyList<string> Signatures { get; } = [Host + "/", Host + "\\"];

    public override int MaxReach => Host.Length + 8 + MaxPath + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        if (!Chars.StartsWith(text, window.Hit, Host))
        {
            return false;
        }

        int i = Chars.PathEnd(text, window.Hit + Host.Length, "/");
        if (i < 0 || (Chars.PathEnd(text, i, "services/") < 0 && Chars.PathEnd(text, i, "workflows/") < 0 && Chars.PathEnd(text, i, "triggers/") < 0))
        {
            return false;
        }

        // Segments and slashes; a trailing slash is not the secret's. Lengths count the URL's characters, not escapes.
        int p = i;
        int counted = 0;
        int length = 0;
        int pathEnd = i;
        while (p < text.Length && counted <= MaxPath)
        {
            int slash = SegmentChars.Contains(text[p]) ? 0 : Chars.SlashLength(text, p);
            if (slash == 0 && !SegmentChars.Contains(text[p]))
            {
                break;
            }

            p += Math.Max(slash, 1);
            counted++;
            if (slash == 0)
            {
                pathEnd = p;
                length = counted;
            }
        }

        return counted <= MaxPath && length >= 40 && TrimmedEnd(text, i, pathEnd, out start, out end);
    }

    private static bool TrimmedEnd(ReadOnlySpan<char> text, int from, int pathEnd, out int start, out int end)
    {
        // The secret is the last segment; Slack's documentation writes T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX.
        int segment = pathEnd;
        while (segment > from && text[segment - 1] is not ('/' or '\\'))
        {
            segment--;
        }

        start = end = 0;
        if (Placeholders.IsPlaceholderToken(text[segment..pathEnd]))
        {
            return false;
        }

        start = from;
        end = pathEnd;
        return true;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("https://hooks.slack.com/services/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", "services/T0A1B2C3D4E/B0F5G6H7I8J/q8Vt1nL0cG4yB2pR7sK9dW3e"),
        new("https://hooks.slack.com/workflows/T0A1B2C3D4E/A0F5G6H7I8J/123456789012345678/q8Vt1nL0cG4yB2pR7sK9dW3e", "workflows/T0A1B2C3D4E/A0F5G6H7I8J/123456789012345678/q8Vt1nL0cG4yB2pR7sK9dW3e"),
        new("{\"webhook\":\"https:\\/\\/hooks.slack.com\\/services\\/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\"}", "services\\/T0A1B2C3D4E\\/B0F5G6H7I8J\\/q8Vt1nL0cG4yB2pR7sK9dW3e"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "https://hooks.slack.com/",
        "https://hooks.slack.com/services/",
        "https://api.slack.com/messaging/webhooks",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "https:\\/\\/hooks.slack.com\\/services\\/T00000000\\/B00000000\\/XXXXXXXXXXXXXXXXXXXXXXXX",
        "https:\\/\\/hooks.slack.com\\/",
    ];
}
