namespace Custodian.RealClient.Tests;

/// <summary>
/// Tests that read the client's screen run alone: its survey counts a key only a moment after it is drawn, and a
/// loaded machine stretches that moment.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TerminalCollection
{
    public const string Name = "real client on a terminal";
}
