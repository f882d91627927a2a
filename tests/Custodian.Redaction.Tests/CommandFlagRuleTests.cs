using Custodian.Redaction.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Custodian.Redaction.Tests.Support;

namespace Custodian.Redaction.Tests;

/// <summary>
/// The table of programs that take a secret in a flag (CUS-89): which flag's value is read, on whose command line, and
/// what stays. The generic rule tests run every row's examples in every form; these pin the decisions between them.
/// </summary>
[Trait("spec", "CUS-89")]
[Trait("spec", "RED-6")]
[Trait("spec", "RED-7")]
public sealed class CommandFlagRuleTests
{
    [Theory]
    [InlineData("mysql -u root -pK7v2Qx9LmT4w shop", "mysql -u root -p{m} shop", "mysql-password-flag")]
    [InlineData("/usr/bin/mysql -u root -p'K7v2Qx9LmT4w' shop", "/usr/bin/mysql -u root -p'{m}' shop", "mysql-password-flag")]
    [InlineData("sudo mysqldump -pK7v2Qx9LmT4w shop > s.sql", "sudo mysqldump -p{m} shop > s.sql", "mysql-password-flag")]
    [InlineData("keytool -list -keystore app.jks -storepass 'Pw8rKq2Zt6yVx'", "keytool -list -keystore app.jks -storepass '{m}'", "keytool-password-flag")]
    [InlineData("sqlcmd -S db -U sa -P 'ember07*rhAhl1F9J'", "sqlcmd -S db -U sa -P '{m}'", "sqlcmd-password-flag")]
    [InlineData("docker login -u ci -p Kp4r8Wq2Zt6yQm registry.acme.dev", "docker login -u ci -p {m} registry.acme.dev", "docker-login-password-flag")]
    [InlineData("codecov -t f57edf52-6309-4a7a-969f-cc0494d8a32c.", "codecov -t {m}.", "codecov-token-flag")]
    [InlineData("snyk auth 512adc2c-eba3-460b-ba24-2548639d6d19", "snyk auth {m}", "snyk-auth-token")]
    [InlineData("./gradlew sonar -Dsonar.login=ade3f2f2010769a3624560d21ada119cedaa8be6 --info", "./gradlew sonar -Dsonar.login={m} --info", "sonar-login-property")]
    public void The_value_of_the_programs_flag_is_replaced_and_the_command_kept(string input, string expected, string rule) =>
        Assert.Equal(expected.Replace("{m}", Marker(rule), StringComparison.Ordinal), Subject.Redact(input));

    [Fact]
    public void A_backslash_continuation_keeps_the_command_going_raw_and_json_escaped()
    {
        const string command = "mysql -h db.acme.dev \\\n  -u root \\\n  -pK7v2Qx9LmT4w shop";
        string expected = command.Replace("K7v2Qx9LmT4w", Marker("mysql-password-flag"), StringComparison.Ordinal);
        AssertRedactsRawAndJsonEscaped(command, expected);
    }

    [Theory]
    // Another program's flag: the same letters mean something else there.
    [InlineData("docker run -p 8080:80 -e A=1 nginx")]
    [InlineData("ssh -p 2222 deploy@web1")]
    [InlineData("docker build -t f57edf52-6309-4a7a-969f-cc0494d8a32c .")]
    [InlineData("gh auth 512adc2c-eba3-460b-ba24-2548639d6d19")]
    [InlineData("mysqlx -pK7v2Qx9LmT4w")]
    // The program's command line ended before the flag.
    [InlineData("mysql -u root shop\nother -pK7v2Qx9LmT4w")]
    [InlineData("mysql -u root shop | grep -pK7v2Qx9LmT4w")]
    [InlineData("docker login ghcr.io && tool -p Pw8rKq2Zt6yVx")]
    [InlineData("sqlcmd -S db ; other -P ember07rhAhl1F9J")]
    // A word between the program and its flag that another rule could read (the scan resumes after a match) leaves
    // the command alone.
    [InlineData("sqlcmd -Q 'SELECT 1' -P ember07rhAhl1F9J")]
    [InlineData("mysql --host=db.acme.dev -pK7v2Qx9LmT4w shop")]
    [InlineData("mysql -h db:3306 -pK7v2Qx9LmT4w shop")]
    [InlineData("docker login --token abc -p Kp4r8Wq2Zt6yQm")]
    // Values that are no secret: variables, placeholders, paths, the next flag, plain words, nothing (a prompt).
    [InlineData("mysql -u root -p shop")]
    [InlineData("mysql -u root -p\"$MYSQL_PWD\" shop")]
    [InlineData("sqlcmd -S db -P '<password>'")]
    [InlineData("az login --service-principal -u app -p /etc/certs/sp.pem --tenant t")]
    [InlineData("docker login -u ci -p --password-stdin registry")]
    [InlineData("docker login -u app -p secretword")]
    public void Another_command_and_values_that_are_no_secret_are_left_alone(string input) =>
        Assert.Equal(input, Subject.Redact(input));

    [Fact]
    public void A_token_of_a_known_format_between_the_program_and_the_flag_is_redacted_with_it_or_alone()
    {
        // The scanner starts the region at the token, labelled by its rule: nothing is left for a second pass.
        const string input = "mysql -h ghp_vAp3rJDMsLpuXyU3jVqVb7kuDdwDm8tvwZzr -pK7v2Qx9LmT4w shop";
        string once = Subject.Redact(input);
        Assert.DoesNotContain("ghp_vAp3r", once, StringComparison.Ordinal);
        Assert.DoesNotContain("K7v2Qx9LmT4w", once, StringComparison.Ordinal);
        Assert.EndsWith(" shop", once, StringComparison.Ordinal);
        Assert.Equal(once, Subject.Redact(once));

        // One region across the quote before a quoted value would break a JSON line: the token is redacted alone.
        const string quoted = "docker login -u 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 -p \"Kp4r8Wq2Zt6yQm\"";
        string line = Subject.Redact(JsonLine(quoted));
        Assert.True(IsValidJson(line), line);
        Assert.DoesNotContain("hf_cdX", line, StringComparison.Ordinal);
        Assert.Equal(line, Subject.Redact(line));
    }

    [Fact]
    public void A_token_rows_value_ends_where_its_alphabet_does_not_inside_a_word()
    {
        Assert.Equal("snyk auth " + Marker("snyk-auth-token") + ".", Subject.Redact("snyk auth 512adc2c-eba3-460b-ba24-2548639d6d19."));
        const string glued = "snyk auth 512adc2c-eba3-460b-ba24-2548639d6d19x";
        Assert.Equal(glued, Subject.Redact(glued));
    }

    [Fact]
    public void The_flag_counts_only_within_its_programs_command_span()
    {
        string near = "mysql -h db.acme.dev" + string.Concat(Enumerable.Repeat(" --opt", 20)) + " -pK7v2Qx9LmT4w";
        Assert.Equal(near.Replace("K7v2Qx9LmT4w", Marker("mysql-password-flag"), StringComparison.Ordinal), Subject.Redact(near));

        string far = "mysql -h db.acme.dev" + string.Concat(Enumerable.Repeat(" --option-name", 14)) + " -pK7v2Qx9LmT4w";
        Assert.True(far.IndexOf(" -p", StringComparison.Ordinal) - "mysql".Length > Custodian.Redaction.Internal.CommandFlagRule.MaxCommandSpan);
        Assert.Equal(far, Subject.Redact(far));
    }

    [Fact]
    public void A_marker_between_the_program_and_the_flag_leaves_the_command_alone()
    {
        // The first pass read the secret the marker replaced, which may have held a line end.
        string input = "mysql -h " + Marker("pem-private-key") + " -pK7v2Qx9LmT4w";
        Assert.Equal(input, Subject.Redact(input));
    }

    [Fact]
    public void Every_row_has_examples_of_both_kinds_and_distinct_flags()
    {
        foreach (var row in CommandFlagRules.Rows)
        {
            Assert.NotEmpty(row.TruePositives);
            Assert.NotEmpty(row.FalsePositives);
            Assert.Equal(row.Flags.Length, row.Flags.Distinct(StringComparer.Ordinal).Count());
        }
    }

    private static readonly string[] CommandParts =
    [
        "mysql ", "mysqldump -u root ", "keytool ", "docker login ", "sqlcmd -S db ", "snyk ", "codecov ", "az login ", "-p", " -p",
        " -p ", " -storepass ", " -P ", " -t ", "auth ", " --token ", " -Dsonar.login=", "K7v2Qx9LmT4w", "ghp_vAp3rJDMsLpuXyU3jVqVb7kuDdwDm8tvwZzr", "'Quartz40!46AMwF0'", "\"Tz6yKp4r8Wq2\"",
        "\\\"Tz6yKp4r8Wq2\\\"", "512adc2c-eba3-460b-ba24-2548639d6d19", "ade3f2f2010769a3624560d21ada119cedaa8be6", "$PW", " shop",
        "\n", "\\n", "\\\n", " | ", " ; ", " && ", " ", "\t", "[REDACTED:jwt]", "]", "x", "_", "-", ".", "'", "\"", "\\",
    ];

    [Property(MaxTest = 3000)]
    [Trait("spec", "RED-1")]
    public Property Command_lines_redact_the_same_once_as_twice() => Prop.ForAll(CommandLines(CommandParts).ToArbitrary(), RedactsOnceAsTwice);

    [Property(MaxTest = 1000)]
    [Trait("spec", "RED-1")]
    public Property Command_lines_in_json_stay_valid_json() => Prop.ForAll(CommandLines(CommandParts).ToArbitrary(), StaysValidJsonOnceAsTwice);
}
