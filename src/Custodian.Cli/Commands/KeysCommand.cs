using System.CommandLine;
using System.Security.Cryptography;
using Custodian.Policy;
using Custodian.Server;
using Custodian.Storage;

namespace Custodian.Cli.Commands;

/// <summary><c>custodian keys create</c>: provisions an account (and org) if new and prints a new API key once.</summary>
internal static class KeysCommand
{
    public static Command Create(CustodianCli cli)
    {
        var store = StoreOption.Create();
        var role = new Option<string>("--role") { Description = "user, org-admin or operator", Required = true, HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("user", "org-admin", "operator");
        var subject = new Option<string>("--subject") { Description = "The account's name", Required = true, HelpName = "NAME" };
        var org = new Option<string?>("--org") { Description = "The organization's id (created if new)", HelpName = "ORG" };
        var plan = new Option<string?>("--plan") { Description = "The plan of a new account or org: " + PlanNames.AllPlanNames, HelpName = "PLAN" };
        var create = new Command("create", "Provision an account if new and print a new API key (only its hash is stored)");
        foreach (var option in new Option[] { store, role, subject, org, plan }) create.Options.Add(option);
        create.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(subject)!;
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z0-9._@+-]{1,128}$"))
                throw new UsageException("--subject: 1-128 letters, digits or . _ @ + -");
            Plan? chosenPlan = null;
            if (parse.GetValue(plan) is { } planName)
            {
                if (!PlanNames.TryParsePlan(planName, out var p)) throw new UsageException($"--plan: unknown plan '{planName}' (expected one of {PlanNames.AllPlanNames})");
                chosenPlan = p;
            }

            var wantedRole = parse.GetValue(role) switch { "org-admin" => Role.OrgAdmin, "operator" => Role.Operator, _ => Role.User };
            var orgId = parse.GetValue(org);
            if (wantedRole == Role.OrgAdmin && orgId is null) throw new UsageException("--org: an org-admin needs an organization");
            if (orgId is not null && !System.Text.RegularExpressions.Regex.IsMatch(orgId, "^[A-Za-z0-9._-]{1,128}$"))
                throw new UsageException("--org: 1-128 letters, digits or . _ -");

            await using var opened = await StoreOption.OpenInitializedAsync(parse.GetValue(store), cli.Host, cancellationToken);
            var now = cli.Host.TimeProvider.GetUtcNow();
            Organization? organization = null;
            if (orgId is not null)
            {
                organization = await opened.EnsureOrganizationAsync(new Organization(orgId, chosenPlan ?? Plan.Team, false, false, false), cancellationToken);
            }

            var account = await opened.EnsureAccountAsync(new Account(name, wantedRole, orgId, chosenPlan ?? organization?.Plan ?? Plan.Pro, now), cancellationToken);
            if (account.Role != wantedRole || account.OrgId != orgId)
                throw new UsageException($"--subject: account '{name}' exists as {RoleName(account.Role)}{(account.OrgId is null ? string.Empty : " of " + account.OrgId)}; keys are added to accounts as they are");

            var (key, hash) = ApiKeys.Create(RandomNumberGenerator.Create());
            await opened.AddApiKeyAsync(account.Id, hash, now, cancellationToken);
            await opened.AppendAuditAsync("cli", "key.create", account.Id, $"role={RoleName(account.Role)}", now, cancellationToken);
            cli.Host.Stdout.WriteLine(key);
            return ExitCodes.Success;
        });

        var command = new Command("keys", "Manage API keys");
        command.Subcommands.Add(create);
        return command;
    }

    private static string RoleName(Role role) => role switch { Role.OrgAdmin => "org-admin", Role.Operator => "operator", _ => "user" };
}
