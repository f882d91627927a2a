using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// Programs that take a password or a token in a command-line flag (RED-6): one row each, with the flags, the value's
/// shape and the row's own examples. A flag's value counts only on the program's own command line (a pipe, <c>;</c>,
/// <c>&amp;&amp;</c> or a line end without a continuation ends it): <c>docker run -p 8080:80</c> is no login. Variables,
/// placeholders, paths and values too plain to be generated stay (<see cref="Placeholders"/>). The programs are the
/// scan's anchors: a row whose programs hold none of the scan's rare characters (<c>redis-cli</c>, <c>sshpass</c>)
/// would put its anchors in the prefilter's fingerprint filter, which measured 35–90% slower with them (bench/README.md).
/// </summary>
internal static class CommandFlagRules
{
    // Shorter passwords are rare, and a blank-separated flag whose value is optional (a prompt for it) would
    // otherwise take the next word.
    private const int MinPassword = 6;

    /// <summary>One rule per row.</summary>
    public static IEnumerable<Rule> Rules
    {
        get
        {
            // Every rule reads the other programs' first words (a word between a program and its flag may be one).
            string[] programWords = [.. Rows.SelectMany(row => row.Programs).Select(program => program.Split(' ')[0]).Distinct()];
            return Rows.Select(row => new CommandFlagRule(row, programWords));
        }
    }

    /// <summary>The programs, in matching order.</summary>
    public static IReadOnlyList<CommandFlag> Rows { get; } =
    [
        new("mysql-password-flag", "Password glued to mysql's -p",
            ["mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlpump", "mysqlsh"],
            ["-p"], null, MinPassword, CommandLine.MaxValue,
            [
                new("mysql -h mysql.acme-internal.dev -u root -p'Nimbus47-IqDI2B1' shop < dump.sql", "Nimbus47-IqDI2B1"),
                new("mysqldump -u backup -pK7v2Qx9LmT4w --single-transaction shop > shop.sql", "K7v2Qx9LmT4w"),
                new("mysqladmin -u app -p\"Tz6yKp4r8Wq2\" status", "Tz6yKp4r8Wq2"),
            ],
            [
                "mysql -u root -p shop",
                "mysql -u root -p\"$MYSQL_ROOT_PASSWORD\" shop",
                "mysql -u root -p${MYSQL_PASSWORD} shop",
                "mysql -u root -ppassword shop",
                "mysql -u root -p'<password>' shop",
                "docker run -p 3306:3306 -e MYSQL_ROOT_PASSWORD=\"$PW\" mysql:8",
                "find . -name '*.sql' -print0 | xargs -0 mysql -pipe",
                "gcc -pthread -o mysql main.c",
            ]),
        new("sqlcmd-password-flag", "Password after sqlcmd's -P",
            ["sqlcmd"],
            ["-P "], null, MinPassword, CommandLine.MaxValue,
            [
                new("sqlcmd -S sql.acme-internal.dev -d Billing -U sa -P \"ember07*rhAhl1F9J\" -Q \"SELECT 1\"", "ember07*rhAhl1F9J"),
                new("sqlcmd -S sql.acme.dev -U loader -P Lr9vQ2xT7kMw -i seed.sql", "Lr9vQ2xT7kMw"),
            ],
            ["sqlcmd -S localhost -U sa -P \"$SA_PASSWORD\" -Q \"SELECT 1\"", "sqlcmd -S localhost -U sa -P '<YourStrong@Passw0rd>'", "grep -P '\\d+' log.txt | sqlcmd -S db"]),
        new("docker-login-password-flag", "Password after -p of docker login",
            ["docker login"],
            ["-p "], null, MinPassword, CommandLine.MaxValue,
            [
                new("docker login registry.acme-internal.dev -u ci-bot -p 'Harbor31!nQ7xWzK'", "Harbor31!nQ7xWzK"),
                new("docker login -u ci -p Kp4r8Wq2Zt6yQm ghcr.io", "Kp4r8Wq2Zt6yQm"),
            ],
            ["docker login -u ci -p \"$REGISTRY_PASSWORD\" registry.acme.dev", "docker run -p 8080:80 nginx", "docker login -u ci --password-stdin registry.acme.dev", "docker login -u ci -p password registry.acme.dev"]),
        new("az-login-password-flag", "Password or client secret after az login's -p",
            ["az login"],
            ["-p "], null, MinPassword, CommandLine.MaxValue,
            [
                new("az login --service-principal -u 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f -p 'Vx7.Lm2~Qp9-Rt4_Kz8' --tenant acme.onmicrosoft.com", "Vx7.Lm2~Qp9-Rt4_Kz8"),
                new("az login -u ops@acme.dev -p Tz6yKp4r8Wq2Lm", "Tz6yKp4r8Wq2Lm"),
            ],
            ["az login --service-principal -u $APP_ID -p $CLIENT_SECRET --tenant $TENANT", "az login --service-principal -u 6f1c2d3e -p ~/certs/sp.pem --tenant acme", "az login --service-principal -u app -p cert.pem --tenant t", "az group create -n rg -l westeurope"]),
        new("keytool-password-flag", "Keystore or key password after keytool's -storepass / -keypass",
            ["keytool"],
            ["-storepass ", "-keypass "], null, MinPassword, CommandLine.MaxValue,
            [
                new("keytool -importcert -alias ca -file ca.crt -keystore truststore.jks -storepass Kp4r8Wq2Zt6y -noprompt", "Kp4r8Wq2Zt6y"),
                new("keytool -genkeypair -alias release -keystore release.jks -storepass 'Qm7vTz2LpW9x' -keyalg RSA", "Qm7vTz2LpW9x"),
            ],
            ["keytool -list -keystore cacerts -storepass changeit", "keytool -list -keystore app.jks -storepass \"$KEYSTORE_PASSWORD\"", "keytool -list -keystore app.jks -storepass:env KS_PASS"]),
        new("codecov-token-flag", "Codecov upload token (UUID) after codecov's -t",
            ["codecov", "codecovcli"],
            ["-t ", "-t="], ServiceKeywordRules.HexDash, 36, 36,
            [
                new("./codecov -t f57edf52-6309-4a7a-969f-cc0494d8a32c -f coverage.xml", "f57edf52-6309-4a7a-969f-cc0494d8a32c"),
                new("codecovcli upload-process -t 9b1d6f3e-2c4a-4e8b-a7d5-3f6e0c9b2a14 -f coverage.xml", "9b1d6f3e-2c4a-4e8b-a7d5-3f6e0c9b2a14"),
            ],
            ["./codecov -t ${CODECOV_TOKEN} -f coverage.xml", "./codecov -t 00000000-0000-0000-0000-000000000000", "docker build -t f57edf52-6309-4a7a-969f-cc0494d8a32c ."],
            ServiceKeywordRules.Uuid),
        new("snyk-auth-token", "Snyk API token (UUID) after snyk auth",
            ["snyk"],
            ["auth "], ServiceKeywordRules.HexDash, 36, 36,
            [
                new("snyk auth 512adc2c-eba3-460b-ba24-2548639d6d19 && snyk test --all-projects", "512adc2c-eba3-460b-ba24-2548639d6d19"),
            ],
            ["snyk auth $SNYK_TOKEN", "snyk auth", "oauth 512adc2c-eba3-460b-ba24-2548639d6d19", "gh auth 512adc2c-eba3-460b-ba24-2548639d6d19"],
            ServiceKeywordRules.Uuid),
        new("sonar-login-property", "SonarQube / SonarCloud legacy token (40 hex) in -Dsonar.login= / -Dsonar.token=",
            [],
            ["-Dsonar.login=", "-Dsonar.token="], AsciiSet.HexLower, 40, 40,
            [
                new("sonar-scanner -Dsonar.organization=acme -Dsonar.login=ade3f2f2010769a3624560d21ada119cedaa8be6", "ade3f2f2010769a3624560d21ada119cedaa8be6"),
                new("mvn verify sonar:sonar -Dsonar.token=b33cce9ba084996e02eacd8d60cf7c37768272e1", "b33cce9ba084996e02eacd8d60cf7c37768272e1"),
            ],
            ["mvn sonar:sonar -Dsonar.login=$SONAR_TOKEN", "mvn sonar:sonar -Dsonar.login=admin -Dsonar.password=admin", "mvn sonar:sonar -Dsonar.projectKey=ade3f2f2010769a3624560d21ada119cedaa8be6"],
            ServiceKeywordRules.HasDigitAndLetter),
    ];
}
