using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The curl rule's own reading of a command line (CUS-83): which flag's value is the password, where the command ends,
/// and what stays. The generic rule tests run its examples in every form; these pin the decisions between them.
/// </summary>
[Trait("spec", "CUS-83")]
[Trait("spec", "RED-7")]
public sealed class CurlUserRuleTests
{
    private static readonly string Marker = Support.Marker("curl-user-password");

    [Theory]
    [InlineData("curl -u ci:Qm7vTz2LpW9x https://ci.acme.dev", "curl -u ci:{m} https://ci.acme.dev")]
    [InlineData("curl --user ci:Qm7vTz2LpW9x https://ci.acme.dev", "curl --user ci:{m} https://ci.acme.dev")]
    [InlineData("curl --user=ci:Qm7vTz2LpW9x https://ci.acme.dev", "curl --user=ci:{m} https://ci.acme.dev")]
    [InlineData("curl -u 'ci:Qm7vTz2LpW9x' https://ci.acme.dev", "curl -u 'ci:{m}' https://ci.acme.dev")]
    [InlineData("curl -sSL -X POST -H 'Accept: */*' -u ci:Qm7vTz2LpW9x https://ci.acme.dev", "curl -sSL -X POST -H 'Accept: */*' -u ci:{m} https://ci.acme.dev")]
    // curl splits at the first colon: the rest, colons included, is the password.
    [InlineData("curl -u ci:Qm7v:Tz2LpW9x https://ci.acme.dev", "curl -u ci:{m} https://ci.acme.dev")]
    // The password may end the text (a prompt's last words).
    [InlineData("curl https://ci.acme.dev -u ci:Qm7vTz2LpW9x", "curl https://ci.acme.dev -u ci:{m}")]
    public void The_password_after_the_first_colon_is_replaced_and_the_user_kept(string input, string expected) =>
        Assert.Equal(expected.Replace("{m}", Marker, StringComparison.Ordinal), Subject.Redact(input));

    [Fact]
    public void A_backslash_continuation_keeps_the_command_going_raw_and_json_escaped()
    {
        const string command = "curl -X GET \\\n  -u deploy:Kp4r8Wq2Zt6y \\\n  https://registry.acme.dev/v2/_catalog";
        string expected = command.Replace("Kp4r8Wq2Zt6y", Marker, StringComparison.Ordinal);
        AssertRedactsRawAndJsonEscaped(command, expected);
    }

    [Theory]
    // A line without a continuation ends the command: the next line's -u is another program's.
    [InlineData("curl https://ci.acme.dev\nssh -u deploy:Kp4r8Wq2Zt6y host")]
    [InlineData("curl https://ci.acme.dev | sort -u ci:Kp4r8Wq2Zt6y")]
    [InlineData("curl https://ci.acme.dev ; other -u ci:Kp4r8Wq2Zt6y")]
    [InlineData("curl https://ci.acme.dev && other -u ci:Kp4r8Wq2Zt6y")]
    // Not the curl command.
    [InlineData("libcurl -u ci:Kp4r8Wq2Zt6y")]
    [InlineData("my-curl -u ci:Kp4r8Wq2Zt6y")]
    [InlineData("curl --user-agent 'ci:Kp4r8Wq2Zt6y' https://ci.acme.dev")]
    public void Another_command_or_flag_is_left_alone(string input) => Assert.Equal(input, Subject.Redact(input));

    [Fact]
    public void The_next_json_escaped_line_is_another_command()
    {
        string input = JsonLine("curl https://ci.acme.dev\nssh -u deploy:Kp4r8Wq2Zt6y host");
        Assert.Equal(input, Subject.Redact(input));
    }

    [Theory]
    [InlineData("curl -u \"$CI_USER:$CI_TOKEN\" https://ci.acme.dev")]
    [InlineData("curl -u ci:${CI_TOKEN} https://ci.acme.dev")]
    [InlineData("curl -u username:password https://ci.acme.dev")]
    [InlineData("curl -u user:<password> https://ci.acme.dev")]
    [InlineData("curl -u ci https://ci.acme.dev")]
    [InlineData("curl -u ci: https://ci.acme.dev")]
    [InlineData("curl -u ci:abc https://ci.acme.dev")]
    [InlineData("curl -u admin:admin http://localhost:8080/")]
    public void Variables_placeholders_prompts_and_default_credentials_stay(string input) =>
        Assert.Equal(input, Subject.Redact(input));

    [Fact]
    public void A_header_before_the_flag_is_redacted_in_the_same_pass()
    {
        // The scan resumes after each match: a match far from its anchor would skip the header until a second pass.
        const string input = "curl -H 'Authorization: Bearer 9f8e7d6c5b4a3928170ZZ' -u ci:Qm7vTz2LpW9x https://ci.acme.dev";
        string once = Subject.Redact(input);
        Assert.Equal(
            "curl -H 'Authorization: Bearer " + Support.Marker("authorization-bearer") + "' -u ci:" + Marker + " https://ci.acme.dev",
            once);
        Assert.Equal(once, Subject.Redact(once));

        const string two = "curl -H 'Authorization: Bearer ya_live.Q2x8Zr1mK7bN3vC0pL4sW9eD6fJ2h~A5=' https://api.example.com\u0003x-Qucurl -sS --user 'deploy:Nimbus52.9KxYZKJesL' -X POST https://n.example.dev";
        string first = Subject.Redact(two);
        Assert.DoesNotContain("ya_live", first, StringComparison.Ordinal);
        Assert.Equal(first, Subject.Redact(first));
    }

    [Fact]
    public void The_flag_counts_only_within_the_scanners_look_behind_of_curl()
    {
        string near = "curl -sS -X POST https://api.acme.dev/v1/" + new string('a', 150) + " -u ci:Qm7vTz2LpW9x";
        Assert.Equal(near.Replace("Qm7vTz2LpW9x", Marker, StringComparison.Ordinal), Subject.Redact(near));

        string far = "curl -H 'X-Trace: " + new string('a', Custodian.Redaction.Internal.Scanner.LookBehind) + "' -u ci:Qm7vTz2LpW9x https://ci.acme.dev";
        Assert.Equal(far, Subject.Redact(far));
    }

    [Fact]
    public void The_first_user_flag_decides_so_a_second_pass_changes_nothing()
    {
        const string input = "curl -u \"$CI_USER:$CI_TOKEN\" --user ci:Kp4r8Wq2Zt6y https://ci.acme.dev";
        string once = Subject.Redact(input);
        Assert.Equal(input, once);

        const string secretFirst = "curl -u ci:Kp4r8Wq2Zt6y --user ci:Zt6yKp4r8Wq2 https://ci.acme.dev";
        string redacted = Subject.Redact(secretFirst);
        Assert.DoesNotContain("Kp4r8Wq2Zt6y", redacted, StringComparison.Ordinal);
        Assert.Equal(redacted, Subject.Redact(redacted));
    }

    [Theory]
    // A secret glued to curl: the first pass sees its last letter before curl (not curl's command), the second a
    // marker's ']' (CI found the second pass redacting what the first had left).
    [InlineData("ghp_vAp3rJDMsLpuXyU3jVqVb7kuDdwDm8tvwZzrcurl -u ci:Qm7vTz2LpW9x https://ci.acme.dev")]
    // A match between curl and the flag, holding what decides the reading (a line end inside a private key).
    [InlineData("curl -d '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----' -u ci:Qm7vTz2LpW9x")]
    // Tokens as the user name, the password a token too or not.
    [InlineData("curl -u ghp_vAp3rJDMsLpuXyU3jVqVb7kuDdwDm8tvwZzr:x-oauth-basic https://api.github.com")]
    [InlineData("curl --user=glptt-f5RZ5ZrGqK2FPeI38zci:dapi1ff9f2d1878572b1848fc904eb42a31c")]
    [InlineData("curl -u ghs_tcdIsRaEIH1a6gUiZPn8pvAIrN50I2JyJcci:-----BEGIN PRIVATE KEY-----\nQEFAASCBKcwggSjAgEAAoIBAQC7ENDPRIVATEKEY")]
    // An assignment as the value.
    [InlineData("curl --user=NETLIFY_AUTH_TOKEN=dyK26CijxV6zXnU8BSQ-Ngw6rJ8NgthdN_ULVwqdAiqci:Qm7vTz2LpW9x")]
    public void An_earlier_match_on_the_line_reads_the_same_in_a_second_pass(string input)
    {
        string once = Subject.Redact(input);

        Assert.Equal(once, Subject.Redact(once, out RedactionReport again));
        Assert.True(again.IsEmpty, again.ToJson());
    }

    [Fact]
    public void A_marker_before_the_flag_or_in_the_value_is_no_curl_command_to_read()
    {
        string[] inputs =
        [
            "curl -H 'Authorization: Bearer [REDACTED:authorization-bearer]' -u ci:Qm7vTz2LpW9x",
            "[REDACTED:github-token]curl -u ci:Qm7vTz2LpW9x",
            "curl -u [REDACTED:github-token]:Qm7vTz2LpW9x",
            "curl -u ci:" + Marker,
        ];
        foreach (string input in inputs) Assert.Equal(input, Subject.Redact(input));
    }

    [Theory]
    [InlineData("curl -u jane.doe@acme-corp.dev:Qm7vTz2LpW9x https://ci.acme.dev", "curl -u jane.doe@acme-corp.dev:{m} https://ci.acme.dev")]
    [InlineData("curl -u svc_build-2:Qm7vTz2LpW9x https://ci.acme.dev", "curl -u svc_build-2:{m} https://ci.acme.dev")]
    [InlineData("curl -u :Qm7vTz2LpW9xKp4r8Wq2Zt6y https://dev.azure.com/acme/_apis/projects", "curl -u :{m} https://dev.azure.com/acme/_apis/projects")]
    [InlineData("curl -u ACf8b4c0bf8e704eb5a6162ac20172de3d:b6c4d68027551e61289bb9328189a30c https://api.twilio.com", "curl -u ACf8b4c0bf8e704eb5a6162ac20172de3d:{m} https://api.twilio.com")]
    public void A_user_name_or_an_email_address_keeps_the_reading(string input, string expected) =>
        Assert.Equal(expected.Replace("{m}", Marker, StringComparison.Ordinal), Subject.Redact(input));

    [Theory]
    // What is not a user name is left to the rules of what it is.
    [InlineData("curl -u a-service-account-name-too-long:Qm7vTz2LpW9x https://ci.acme.dev")]
    [InlineData("curl -u user=ci:Qm7vTz2LpW9x https://ci.acme.dev")]
    // A double quote inside a single-quoted password: replacing it could break a JSON line (found by the property).
    [InlineData("curl -u 'ci:Qm7vTz2L\"pW9x' https://ci.acme.dev")]
    public void A_value_whose_user_part_is_no_user_name_is_not_read(string input) => Assert.Equal(input, Subject.Redact(input));

    private static readonly string[] CommandParts =
    [
        "curl ", "curl -sS ", "/usr/bin/curl ", " -u ", " --user ", " --user=", "-u ", "ci:Qm7vTz2LpW9x", "'deploy:Nimbus52.9KxYZKJesL'",
        "\"svc:Kp4r8Wq2Zt6y\"", "\\\"svc:Kp4r8Wq2Zt6y\\\"", "ci:", "$CI_TOKEN", " https://ci.acme.dev", " -H 'Authorization: Bearer 9f8e7d6c5b4a3928170ZZ'",
        "\n", "\\n", "\\\n", " | ", " ; ", " && ", " ", "\t", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----",
        "[REDACTED:jwt]", "]", "lib", "x", "_", "'", "\"", "\\",
    ];

    [Property(MaxTest = 3000)]
    [Trait("spec", "RED-1")]
    public Property Curl_command_lines_redact_the_same_once_as_twice() => Prop.ForAll(CommandLines(CommandParts).ToArbitrary(), RedactsOnceAsTwice);

    [Property(MaxTest = 1000)]
    [Trait("spec", "RED-1")]
    public Property Curl_command_lines_in_json_stay_valid_json() => Prop.ForAll(CommandLines(CommandParts).ToArbitrary(), StaysValidJsonOnceAsTwice);
}
