using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Azure storage account key in a connection string: <c>AccountKey=</c> + 86 base64 + <c>==</c>.</summary>
internal sealed class AzureStorageAccountKeyRule : KeywordValueRule
{
    private const string Key = "zwZWdfRLgxL+Z1bvxbT7WrKL8ozFiA2auK7Z7GtQbU4WWEOCV81K2LSnAwqRzZHb4gzQt8HQT0PMPSlWW0Sao/==";

    public override string Id => "azure-storage-account-key";

    public override string Description => "Azure storage account key in a connection string (AccountKey=)";

    protected override IReadOnlyList<string> Keywords { get; } = ["accountkey="];

    public override IReadOnlyList<string> Signatures { get; } = ["AccountKey="];

    protected override AsciiSet Value => AsciiSet.Base64Padded;

    protected override int MinValue => 86;

    protected override int MaxValue => 88;

    protected override bool ValueFollowsDirectly => true;

    protected override bool IsValidValue(ReadOnlySpan<char> value) => value.Length == 88 && value[86..].SequenceEqual("==") && !value[..86].Contains('=');

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + Key + ";EndpointSuffix=core.windows.net", Key),
        new("AccountKey=" + Key, Key),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "AccountKey=<your-account-key>",
        "AccountKey=YOUR_ACCOUNT_KEY;",
        "UseDevelopmentStorage=true",
    ];
}
