using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>A Slack incoming webhook, workflow or trigger URL: the path after the host is the secret.</summary>
internal sealed class SlackWebhookUrlRule : Rule
{
    private const string Host = "hooks.slack.com/";
    private const int MaxPath = 300;
    private static readonly AsciiSet PathChars = new(Chars.Letters + Chars.DigitChars + "/_-");

    public override string Id => "slack-webhook-url";

    public override string Description => "Slack webhook URL (hooks.slack.com/services/..., /workflows/, /triggers/)";

    public override IReadOnlyList<string> Signatures { get; } = [Host];

    public override int MaxReach => Host.Length + MaxPath + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int i = window.Hit + Host.Length;
        if (!Chars.StartsWith(text, window.Hit, Host) ||
            !(Chars.StartsWith(text, i, "services/") || Chars.StartsWith(text, i, "workflows/") || Chars.StartsWith(text, i, "triggers/")))
        {
            return false;
        }

        int run = PathChars.Run(text, i, MaxPath + 1);
        int length = run;
        while (length > 0 && text[i + length - 1] == '/')
        {
            length--;
        }

        if (length < 40 || run > MaxPath)
        {
            return false;
        }

        // The secret is the last segment; Slack's documentation writes T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX.
        ReadOnlySpan<char> path = text.Slice(i, length);
        if (Placeholders.IsPlaceholderToken(path[(path.LastIndexOf('/') + 1)..]))
        {
            return false;
        }

        start = i;
        end = i + length;
        return true;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("https://hooks.slack.com/services/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", "services/T0A1B2C3D4E/B0F5G6H7I8J/q8Vt1nL0cG4yB2pR7sK9dW3e"),
        new("https://hooks.slack.com/workflows/T0A1B2C3D4E/A0F5G6H7I8J/123456789012345678/q8Vt1nL0cG4yB2pR7sK9dW3e", "workflows/T0A1B2C3D4E/A0F5G6H7I8J/123456789012345678/q8Vt1nL0cG4yB2pR7sK9dW3e"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "https://hooks.slack.com/",
        "https://hooks.slack.com/services/",
        "https://api.slack.com/messaging/webhooks",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ];
}
