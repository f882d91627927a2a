using System.Text;

namespace Custodian.Redaction.Throughput;

/// <summary>
/// Independent generators of realistic fake secrets, written from the providers' published formats (not from
/// Custodian's rules), each as a line the way it appears in a transcript. Used for the labelled recall set
/// and to sprinkle secrets into the generated transcript.
/// </summary>
internal static class SecretFormats
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Digits = "0123456789";
    private const string Alnum = Upper + Lower + Digits;
    private const string B64Url = Alnum + "-_";
    private const string B64 = Alnum + "+/";
    private const string Hex = "0123456789abcdef";

    /// <summary>Format name, and a generator of (line, secret) where the line contains the secret.</summary>
    public static readonly (string Name, Func<Random, (string Line, string Secret)> Make)[] All =
    [
        ("anthropic-api-key", r => Token(r, "ANTHROPIC_API_KEY=", "sk-ant-api03-" + R(r, B64Url, 93) + "AA")),
        ("anthropic-admin-key", r => Token(r, "admin key: ", "sk-ant-admin01-" + R(r, B64Url, 93) + "AA")),
        ("claude-oauth-access", r => Token(r, "\"accessToken\": \"", "sk-ant-oat01-" + R(r, B64Url, 93) + "AA", "\"")),
        ("claude-oauth-refresh", r => Token(r, "\"refreshToken\": \"", "sk-ant-ort01-" + R(r, B64Url, 93) + "AA", "\"")),
        ("openai-project", r => Token(r, "OPENAI_API_KEY=", "sk-proj-" + R(r, B64Url, 74) + "T3BlbkFJ" + R(r, B64Url, 74))),
        ("openai-svcacct", r => Token(r, "key = ", "sk-svcacct-" + R(r, B64Url, 74) + "T3BlbkFJ" + R(r, B64Url, 74))),
        ("openai-admin", r => Token(r, "key = ", "sk-admin-" + R(r, B64Url, 74) + "T3BlbkFJ" + R(r, B64Url, 74))),
        ("openai-legacy", r => Token(r, "openai.api_key = '", "sk-" + R(r, Alnum, 20) + "T3BlbkFJ" + R(r, Alnum, 20), "'")),
        ("github-classic", r => Token(r, "GITHUB_TOKEN=", "ghp_" + R(r, Alnum, 36))),
        ("github-oauth", r => Token(r, "token ", "gho_" + R(r, Alnum, 36))),
        ("github-app", r => Token(r, "installation token ", "ghs_" + R(r, Alnum, 36))),
        ("github-user", r => Token(r, "user token ", "ghu_" + R(r, Alnum, 36))),
        ("github-refresh", r => Token(r, "refresh ", "ghr_" + R(r, Alnum, 36))),
        ("github-fine-grained", r => Token(r, "GH_PAT=", "github_pat_11" + R(r, Upper + Digits, 20) + "_" + R(r, Alnum, 59))),
        ("gitlab-pat", r => Token(r, "private_token=", "glpat-" + R(r, Alnum, 20))),
        ("gitlab-runner", r => Token(r, "token = \"", "glrt-" + R(r, Alnum, 20), "\"")),
        ("aws-access-key-id", r => Token(r, "aws_access_key_id = ", "AKIA" + R(r, Upper + Digits, 16))),
        ("aws-secret-access-key", r => Token(r, "aws_secret_access_key = ", R(r, B64, 40))),
        ("google-api-key", r => Token(r, "key=", "AIza" + R(r, B64Url, 35))),
        ("gcp-service-account", r => Token(r, "\"private_key\": \"", "-----BEGIN PRIVATE KEY-----\\n" + R(r, B64, 64) + "\\n" + R(r, B64, 64) + "\\n-----END PRIVATE KEY-----", "\\n\"")),
        ("pem-rsa", r => Token(r, "", "-----BEGIN RSA PRIVATE KEY-----\\n" + R(r, B64, 64) + "\\n" + R(r, B64, 32) + "\\n-----END RSA PRIVATE KEY-----")),
        ("azure-storage-connection", r => Token(r, "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=", R(r, B64, 86) + "==", ";EndpointSuffix=core.windows.net")),
        ("slack-bot", r => Token(r, "SLACK_BOT_TOKEN=", "xoxb-" + R(r, Digits, 12) + "-" + R(r, Digits, 13) + "-" + R(r, Alnum, 24))),
        ("slack-user", r => Token(r, "token: ", "xoxp-" + R(r, Digits, 12) + "-" + R(r, Digits, 12) + "-" + R(r, Digits, 13) + "-" + R(r, Hex, 32))),
        ("slack-webhook", r => Token(r, "https://hooks.slack.com/", "services/T" + R(r, Upper + Digits, 10) + "/B" + R(r, Upper + Digits, 10) + "/" + R(r, Alnum, 24))),
        ("stripe-secret", r => Token(r, "Stripe.api_key = \"", "sk_live_" + R(r, Alnum, 99), "\"")),
        ("stripe-restricted", r => Token(r, "key ", "rk_live_" + R(r, Alnum, 99))),
        ("stripe-webhook-secret", r => Token(r, "STRIPE_WEBHOOK_SECRET=", "whsec_" + R(r, Alnum, 32))),
        ("twilio-auth-token", r => Token(r, "TWILIO_AUTH_TOKEN=", R(r, Hex, 32))),
        ("sendgrid", r => Token(r, "SENDGRID_API_KEY=", "SG." + R(r, B64Url, 22) + "." + R(r, B64Url, 43))),
        ("npm", r => Token(r, "//registry.npmjs.org/:_authToken=", "npm_" + R(r, Alnum, 36))),
        ("pypi", r => Token(r, "password = ", "pypi-AgEIcHlwaS5vcmc" + R(r, B64Url, 150))),
        ("nuget", r => Token(r, "dotnet nuget push -k ", "oy2" + R(r, Lower + Digits, 43))),
        ("huggingface", r => Token(r, "HF_TOKEN=", "hf_" + R(r, Upper + Lower, 34))),
        ("dockerhub", r => Token(r, "docker login -p ", "dckr_pat_" + R(r, B64Url, 27))),
        ("databricks", r => Token(r, "DATABRICKS_TOKEN=", "dapi" + R(r, Hex, 32))),
        ("jwt", r => Token(r, "id_token=", "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + R(r, B64Url, 120) + "." + R(r, B64Url, 86))),
        ("bearer", r => Token(r, "Authorization: Bearer ", R(r, Alnum, 20) + R(r, Digits, 4) + R(r, Alnum, 16))),
        ("basic-auth-header", r => Token(r, "Authorization: Basic ", Convert.ToBase64String(Encoding.ASCII.GetBytes("deploy:" + R(r, Alnum, 16))))),
        ("url-password", r => Token(r, "https://admin:", R(r, Alnum, 14), "@example.com/path")),
        ("db-connection-url", r => Token(r, "mongodb://app:", R(r, Alnum, 16), "@db.example.net:27017/app")),
        ("connection-string-password", r => Token(r, "Server=db;Database=app;User Id=sa;Password=", R(r, Alnum, 14) + "!", ";")),
        ("shopify", r => Token(r, "X-Shopify-Access-Token: ", "shpat_" + R(r, Hex, 32))),
        ("linear", r => Token(r, "LINEAR_API_KEY=", "lin_api_" + R(r, Alnum, 40))),
        ("1password-service-account", r => Token(r, "OP_SERVICE_ACCOUNT_TOKEN=", "ops_eyJ" + R(r, B64, 250))),
        ("groq", r => Token(r, "GROQ_API_KEY=", "gsk_" + R(r, Alnum, 52))),
        ("openrouter", r => Token(r, "OPENROUTER_API_KEY=", "sk-or-v1-" + R(r, Hex, 64))),
        ("digitalocean", r => Token(r, "DIGITALOCEAN_TOKEN=", "dop_v1_" + R(r, Hex, 64))),
        ("age", r => Token(r, "", "AGE-SECRET-KEY-1" + R(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58))),
        ("azure-ad-client-secret", r => Token(r, "AZURE_CLIENT_SECRET=", R(r, Alnum, 3) + "8Q~" + R(r, Alnum + "_-", 34))),
    ];

    private static (string, string) Token(Random r, string before, string secret, string after = "") =>
        (before + secret + after, secret);

    public static string R(Random random, string alphabet, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        // Like real keys, bodies start and end with an alphanumeric.
        if (length > 1 && !char.IsAsciiLetterOrDigit(chars[0]))
        {
            chars[0] = 'Q';
        }

        if (length > 1 && !char.IsAsciiLetterOrDigit(chars[^1]))
        {
            chars[^1] = '7';
        }

        return new string(chars);
    }
}
