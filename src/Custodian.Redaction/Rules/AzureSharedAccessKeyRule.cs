using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>Azure Service Bus / Event Hubs / IoT Hub shared access key in a connection string.</summary>
internal sealed class AzureSharedAccessKeyRule : KeywordValueRule
{
    private const string Key = "Qm3xN8vB2cZ7lK1jH4gF6dS9aP0oI5uY8tR3eW2q1A0=";

    public override string Id => "azure-shared-access-key";

    public override string Description => "Azure Service Bus, Event Hubs or IoT Hub shared access key (SharedAccessKey=)";

    protected override IReadOnlyList<string> Keywords { get; } = ["sharedaccesskey="];

    public override IReadOnlyList<string> Signatures { get; } = ["SharedAccessKey="];

    protected override AsciiSet Value => AsciiSet.Base64Padded;

    protected override int MinValue => 32;

    protected override int MaxValue => 100;

    protected override bool ValueFollowsDirectly => true;

    protected override bool KeywordMayFollowWord => true;

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + Key, Key),
        new("HostName=hub.azure-devices.net;DeviceId=d1;SharedAccessKey=" + Key + ";", Key),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "SharedAccessKeyName=RootManageSharedAccessKey",
        "SharedAccessKey=<key>",
    ];
}
