using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>A Discord webhook URL: <c>discord.com/api/webhooks/&lt;id&gt;/&lt;token&gt;</c>; the id and token are the secret.</summary>
internal sealed class DiscordWebhookUrlRule : Rule
{
    private const string Path = "/api/webhooks/";
    private const int MaxSecret = 20 + 1 + 100;

    public override string Id => "discord-webhook-url";

    public override string Description => "Discord webhook URL (discord.com/api/webhooks/<id>/<token>)";

    public override IReadOnlyList<string> Signatures { get; } = ["discord.com" + Path, "discordapp.com" + Path];

    public override int MaxReach => "discordapp.com".Length + Path.Length + MaxSecret + 1;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        int i = Chars.StartsWith(text, hit, Signatures[0]) ? hit + Signatures[0].Length
            : Chars.StartsWith(text, hit, Signatures[1]) ? hit + Signatures[1].Length : -1;
        if (i < 0)
        {
            return false;
        }

        int id = AsciiSet.Digits.Run(text, i, 21);
        int slash = i + id;
        if (id < 17 || id > 20 || slash >= text.Length || text[slash] != '/')
        {
            return false;
        }

        int token = AsciiSet.Base64Url.Run(text, slash + 1, 101);
        if (token < 60 || token > 100)
        {
            return false;
        }

        start = i;
        end = slash + 1 + token;
        return true;
    }

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("https://discord.com/api/webhooks/123456789012345678/q8Vt1nL0cG4yB2pR7sK9dW3eH6jM5aX1uQ0fTzZq8Vt1nL0cG4yB2pR7sK9dW3eH6jM5a",
            "123456789012345678/q8Vt1nL0cG4yB2pR7sK9dW3eH6jM5aX1uQ0fTzZq8Vt1nL0cG4yB2pR7sK9dW3eH6jM5a"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "https://discord.com/api/webhooks/",
        "https://discord.com/api/webhooks/123/abc",
        "https://discord.com/developers/docs/resources/webhook",
    ];
}
