using Custodian.Redaction.Internal;

namespace Custodian.Redaction.Rules;

/// <summary>
/// The password of a connection string or key/value setting: <c>Password=...;</c>, <c>Pwd=...</c>,
/// <c>password=...</c> in libpq and JDBC strings and command lines. Values that are code
/// (<c>f(password=pw)</c>) or references (<c>${PW}</c>, <c>%PW%</c>) survive.
/// </summary>
internal sealed class ConnectionStringPasswordRule : Rule
{
    private const int MaxValue = 256;

    public override string Id => "connection-string-password";

    public override string Description => "Password in a connection string or key=value setting (Password=, Pwd=)";

    private static readonly string[] Names = ["password=", "pwd=", "passwd="];

    public override IReadOnlyList<string> Signatures { get; } = ["Password=", "password=", "PASSWORD=", "Pwd=", "pwd=", "PWD=", "passwd="];

    public override int MaxReach => 7 + MaxValue + 2;

    public override bool IsContextual => true;

    public override bool TryMatch(in Window window, out int start, out int end)
    {
        start = end = 0;
        ReadOnlySpan<char> text = window.Text;
        int hit = window.Hit;
        int i = -1;
        foreach (string name in Names)
        {
            if (Chars.StartsWithIgnoreCase(text, hit, name))
            {
                i = hit + name.Length;
                break;
            }
        }

        if (i < 0 || !window.IsTokenStart(hit) || i >= text.Length)
        {
            return false;
        }

        char first = text[i];
        if (first is '\'' or '{')
        {
            // 'quoted' or {braced} (ODBC): the value is what is inside.
            char close = first == '\'' ? '\'' : '}';
            int limit = Math.Min(text.Length, i + 1 + MaxValue);
            int j = i + 1;
            while (j < limit && text[j] != close && text[j] is not ('"' or '\\' or '\n' or '\r'))
            {
                j++;
            }

            if (j >= limit || text[j] != close || j == i + 1 || Placeholders.IsReference(text[(i + 1)..j]))
            {
                return false; // Password={{ db_password }} is a template
            }

            start = i + 1;
            end = j;
            return true;
        }

        int k = i;
        int max = Math.Min(text.Length, i + MaxValue + 1);
        while (k < max && !IsTerminator(text[k]))
        {
            k++;
        }

        bool terminated = k < text.Length && k < i + MaxValue + 1 ? IsTerminator(text[k]) : k == text.Length;
        if (k == i || !terminated || k - i > MaxValue || first is '$' or '%' or '[' or '<' or '*' ||
            (k < text.Length && text[k] is ')' or ','))
        {
            return false;
        }

        if (IsPlaceholder(text[i..k]) || Placeholders.IsPlaceholderValue(text[i..k]) || Placeholders.IsPathLike(text[i..k]))
        {
            return false;
        }

        start = i;
        end = k;
        return true;
    }

    /// <summary>Flag values, not passwords: <c>reset_password=true</c>.</summary>
    private static bool IsPlaceholder(ReadOnlySpan<char> value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase) ||
        value.Equals("null", StringComparison.OrdinalIgnoreCase) || value.Equals("none", StringComparison.OrdinalIgnoreCase);

    private static bool IsTerminator(char c) =>
        c < 0x20 || c is ';' or '&' or ' ' or '"' or '\'' or '\\' or ',' or ')' or '<' or '>' or '}' or '`' or '\u007F';

    public override IReadOnlyList<RuleExample> TruePositives { get; } =
    [
        new("Server=db;Database=app;User Id=sa;Password=P@ssw0rd!;TrustServerCertificate=true", "P@ssw0rd!"),
        new("Driver={ODBC Driver 18};Server=x;Uid=sa;Pwd={p;w0rd};", "p;w0rd"),
        new("host=localhost user=app password=s3cr3t dbname=app", "s3cr3t"),
        new("jdbc:mysql://db:3306/app?user=root&password=r00tpw&useSSL=true", "r00tpw"),
        new("Data Source=x;Password='it is 42';", "it is 42"),
        new("mysql --user=root --password=hunter2 app", "hunter2"),
        new("spring.datasource.password=Spr1ngPw", "Spr1ngPw"),
    ];

    public override IReadOnlyList<string> FalsePositives { get; } =
    [
        "connect(user=u, password=pw)",
        "connect(password=pw, host=h)",
        "Password=${DB_PASSWORD};",
        "Password=aaaaa;",
        "Password=%DB_PASSWORD%;",
        "password=;",
        "reset_password=true",
        "ChangePassword=",
        "Password=changeme;",
        "Server=db;User Id=sa;Password=<password>;",
        "password=xxxxxxxx",
        "Password=your_password_here;",
        "Password={{ db_password }};",
    ];
}
