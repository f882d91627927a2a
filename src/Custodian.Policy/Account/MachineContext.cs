using Custodian.Policy.Settings;

namespace Custodian.Policy.Account;

/// <summary>Builds the <see cref="PolicyContext"/> of the real machine: its settings files, environment and account.</summary>
public static class MachineContext
{
    /// <summary>The context from resolved settings and the local account.</summary>
    public static PolicyContext Build(ResolvedSettings settings, LocalAccount account)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(account);
        return new PolicyContext
        {
            Plan = account.Plan,
            Gateway = account.Gateway,
            User = account.User,
            Org = account.Org,
            ServerCredentials = account.ServerCredentials,
            Environment = settings.ToClientEnvironment(),
            Settings = settings.ToPolicySettings(),
            PublishedSurveyRate = account.PublishedSurveyRate,
        };
    }
}
