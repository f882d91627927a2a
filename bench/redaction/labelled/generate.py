#!/usr/bin/env python3
"""Generates the team's labelled redaction set (issue 14) into this folder, one JSON Lines file per family.

Every secret is synthetic: random characters from a seeded generator, shaped by the provider's published token
format (prefix, length, alphabet, and the checksum where one is documented). Nothing here is copied from a scanner's
rules or tests. Each family has its own random stream (seeded from the family name), so adding a family or a format
elsewhere leaves the others unchanged.

    generate.py           rewrite the files
    generate.py --check   exit 1 when the files differ from what the generator makes (run by recall.sh)

A row: id, family, group (red2 | other | none), kind (tp | fp), format, form (how the text holds it), shape (the
transcript line it goes into: prompt, bash-call, bash-result, read-result, write-call, assistant-text), path (for
read/write), text, span ([start, end) of the secret in text, code points; null for fp), note (fp: why it is not a
secret).
"""
import base64
import binascii
import json
import os
import random
import sys
import zlib

SEED = 14
HERE = os.path.dirname(os.path.abspath(__file__))
M = "@@S@@"  # where the secret goes in a template; JSON-safe, so it survives json.dumps in nested forms

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
B62 = DIGITS + UPPER + LOWER
B64URL = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
B32 = UPPER + "234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def R(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def uuid4(r):
    h = "%032x" % r.getrandbits(128)
    h = h[:12] + "4" + h[13:16] + r.choice("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def b62(n, width):
    s = ""
    while n:
        n, d = divmod(n, 62)
        s = B62[d] + s
    return s.rjust(width, "0")


def b36(n, width):
    a = DIGITS + LOWER
    s = ""
    while n:
        n, d = divmod(n, 36)
        s = a[d] + s
    return s.rjust(width, "0")


def crc_token(r, prefix, random_len=30):
    """GitHub's (and npm's) published format: prefix, 30 base62 characters, their CRC32 as 6 base62 digits."""
    body = R(r, B62, random_len)
    return prefix + body + b62(zlib.crc32(body.encode()), 6)


def b64u(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64(data):
    return base64.b64encode(data).decode()


def jwt(r, claims, alg="HS256"):
    head = b64u(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64u(json.dumps(claims, separators=(",", ":")).encode())
    sig = b64u(r.randbytes(32 if alg == "HS256" else 256))
    return f"{head}.{body}.{sig}"


def user_jwt(r):
    now = 1767000000 + r.randrange(10**6)
    return jwt(r, {"sub": uuid4(r), "iss": "https://auth.acme-internal.dev/", "aud": "api", "iat": now, "exp": now + 3600,
                   "scope": "read write"}, r.choice(["HS256", "RS256"]))


def pem_body(r, nbytes, lead=b""):
    der = lead + r.randbytes(nbytes - len(lead))
    s = b64(der)
    return "\n".join(s[i:i + 64] for i in range(0, len(s), 64))


def password(r):
    # A person's password: words, digits and a symbol that needs no URL escaping.
    words = ["Harbor", "violet", "Quartz", "maple", "Falcon", "ember", "Nimbus", "cobalt", "Juniper", "sable"]
    return r.choice(words) + R(r, DIGITS, 2) + r.choice("-_.!*") + R(r, ALNUM, r.randrange(6, 11))


def b64_json_token(r, prefix, obj):
    return prefix + b64(json.dumps(obj, separators=(",", ":")).encode()).rstrip("=")


class F:
    """One token format of a family: how to make a secret and the words a session uses around it."""

    def __init__(self, name, gen, var, label="API key", prefix=None, header=None, flag=None, query=None, extras=(),
                 lite=False, title=None, wrap=None, only_extras=False):
        self.name, self.gen, self.var, self.label, self.prefix = name, gen, var, label, prefix
        self.header, self.flag, self.query, self.extras, self.lite = header, flag, query, list(extras), lite
        # wrap: the value a generic form assigns, around the secret (a URL around its password); only_extras: the
        # secret means nothing outside the format's own forms (a webhook path, a cookie, a password in `curl -u`).
        self.title, self.wrap, self.only_extras = title, wrap, only_extras


def camel(var):
    parts = var.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def pascal(var):
    return "".join(p.title() for p in var.lower().split("_"))


def slug(s):
    return s.lower().replace(" ", "-").replace(".", "")


# ---------------------------------------------------------------------------------------------------------------
# Families. (family, group, title, cli, host, formats). Formats follow each provider's documentation of its keys.
# ---------------------------------------------------------------------------------------------------------------

def gitlab_routable(r, prefix):
    payload = r.randbytes(16) + f"\nc:1\no:{b36(r.randrange(1, 10**6), 1)}\nu:{b36(r.randrange(1, 10**8), 1)}".encode()
    body = b64u(payload)
    return f"{prefix}{body}.01.{b36(len(body), 2)}{b36(zlib.crc32(body.encode()), 7)}"


def atlassian(r, prefix):
    body = R(r, B64URL, 170)
    return f"{prefix}{body}={'%08X' % zlib.crc32(body.encode())}"


def bedrock_short(r):
    akid = "ASIA" + R(r, B32, 16)
    url = ("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
           f"&X-Amz-Credential={akid}%2F20260115%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=20260115T101500Z"
           f"&X-Amz-Expires=43200&X-Amz-Security-Token=IQoJb3JpZ2luX2Vj{R(r, B64URL, 120)}"
           f"&X-Amz-Signature={R(r, HEX, 64)}&Version=1")
    return "bedrock-api-key-" + b64(url.encode())


def bedrock_long(r):
    return "ABSK" + b64(f"BedrockAPIKey-{R(r, LOWER + DIGITS, 4)}-at-{R(r, DIGITS, 12)}:{R(r, B64, 40)}".encode())


def discord_bot(r):
    uid = str(r.randrange(10**17, 13 * 10**17))
    return b64u(uid.encode()) + "." + R(r, B64URL, 6) + "." + R(r, B64URL, 38)


def azure_key(r, signature=None):
    if signature:
        return R(r, B64, 76) + signature + R(r, B64, 6) + "=="
    return b64(r.randbytes(64))


def k8s_secret_data(r):
    return b64(password(r).encode())


def flyio(r):
    return "FlyV1 fm2_" + R(r, B64, 300) + ",fm2_" + R(r, B64, 160)


def op_service_account(r):
    return b64_json_token(r, "ops_", {"signInAddress": "acme.1password.com", "userAuth": {"method": "SRPg-4096",
                          "alg": "PBES2g-HS256", "iterations": 650000, "salt": R(r, B64URL, 22)},
                          "email": f"{R(r, LOWER, 13)}@1passwordserviceaccounts.com", "srpX": R(r, HEX, 64),
                          "muk": {"alg": "A256GCM", "ext": True, "k": R(r, B64URL, 43), "key_ops": ["encrypt",
                          "decrypt"], "kty": "oct", "kid": "mp"}, "secretKey": op_secret_key(r),
                          "throttleSecret": {"seed": R(r, HEX, 64), "uuid": R(r, UPPER + DIGITS, 26)},
                          "deviceUuid": R(r, LOWER + DIGITS, 26)})


def op_secret_key(r):
    a = UPPER + DIGITS
    return f"A3-{R(r, a, 6)}-{R(r, a, 6)}-{R(r, a, 5)}-{R(r, a, 5)}-{R(r, a, 5)}-{R(r, a, 5)}"


def sentry_org(r):
    claims = {"iat": 1767000000 + r.randrange(10**6), "url": "https://sentry.io", "region_url": "https://us.sentry.io",
              "org": R(r, LOWER, 8)}
    return "sntrys_" + b64(json.dumps(claims, separators=(",", ":")).encode()).rstrip("=") + "_" + R(r, B64URL, 43)


def grafana_cloud(r):
    return "glc_" + b64(json.dumps({"o": str(r.randrange(10**5, 10**6)), "n": "stack-" + R(r, DIGITS, 6) + "-hm-read",
                                    "k": R(r, ALNUM, 24), "m": {"r": "prod-eu-west-0"}}, separators=(",", ":")).encode())


def grafana_legacy(r):
    return b64(json.dumps({"k": R(r, ALNUM, 32), "n": "ci", "id": r.randrange(1, 99)}, separators=(",", ":")).encode())


def supabase_service_jwt(r):
    return jwt(r, {"iss": "supabase", "ref": R(r, LOWER, 20), "role": "service_role",
                   "iat": 1767000000, "exp": 2082000000})


def k8s_sa_token(r):
    return jwt(r, {"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "prod",
                   "kubernetes.io/serviceaccount/secret.name": "deployer-token-" + R(r, LOWER + DIGITS, 5),
                   "kubernetes.io/serviceaccount/service-account.name": "deployer",
                   "sub": "system:serviceaccount:prod:deployer"}, "RS256")


def ado_new(r):
    return R(r, ALNUM, 76) + "AZDO" + R(r, ALNUM, 4)


def teams_webhook(r):
    return f"{R(r, HEX, 32)}/{uuid4(r)}/V2{R(r, B64URL, 43)}"


def pypi(r, test=False):
    lead = "pypi-AgENdGVzdC5weXBpLm9yZw" if test else "pypi-AgEIcHlwaS5vcmc"
    return lead + "CJ" + R(r, B64URL, 160)


def ey(r, n):
    return "eyJ" + R(r, B64URL, n)


CURL = "curl -sS"


def fams():
    H = lambda n, p="": (n, p)  # header name and value prefix
    bearer = H("Authorization", "Bearer ")
    return [
        # ---------------------------------------------------------------- RED-2
        ("anthropic", "red2", "Anthropic", "claude", "api.anthropic.com", [
            F("api-key", lambda r: "sk-ant-api03-" + R(r, B64URL, 93) + "AA", "ANTHROPIC_API_KEY", prefix="sk-ant-api03-",
              header=H("x-api-key"), flag="api-key"),
            F("admin-key", lambda r: "sk-ant-admin01-" + R(r, B64URL, 93) + "AA", "ANTHROPIC_ADMIN_KEY", "admin key",
              prefix="sk-ant-admin01-", header=H("x-api-key"), lite=True),
            F("oauth-access", lambda r: "sk-ant-oat01-" + R(r, B64URL, 93) + "AA", "CLAUDE_CODE_OAUTH_TOKEN", "OAuth token",
              prefix="sk-ant-oat01-", header=bearer, lite=True),
            F("oauth-refresh", lambda r: "sk-ant-ort01-" + R(r, B64URL, 93) + "AA", "ANTHROPIC_REFRESH_TOKEN",
              "refresh token", prefix="sk-ant-ort01-", lite=True),
        ]),
        ("openai", "red2", "OpenAI", "openai", "api.openai.com", [
            F("project-key", lambda r: "sk-proj-" + R(r, B64URL, 74) + "T3BlbkFJ" + R(r, B64URL, 74), "OPENAI_API_KEY",
              prefix="sk-proj-", header=bearer, flag="api-key"),
            F("service-account-key", lambda r: "sk-svcacct-" + R(r, B64URL, 74) + "T3BlbkFJ" + R(r, B64URL, 74),
              "OPENAI_API_KEY", prefix="sk-svcacct-", header=bearer, lite=True),
            F("admin-key", lambda r: "sk-admin-" + R(r, B64URL, 74) + "T3BlbkFJ" + R(r, B64URL, 74), "OPENAI_ADMIN_KEY",
              "admin key", prefix="sk-admin-", header=bearer, lite=True),
            F("legacy-key", lambda r: "sk-" + R(r, ALNUM, 20) + "T3BlbkFJ" + R(r, ALNUM, 20), "OPENAI_API_KEY",
              prefix="sk-", header=bearer, lite=True),
        ]),
        ("github", "red2", "GitHub", "gh", "api.github.com", [
            F("classic-pat", lambda r: crc_token(r, "ghp_"), "GITHUB_TOKEN", "personal access token", prefix="ghp_",
              header=H("Authorization", "token "), flag="token", extras=[
                  ("url-userinfo", "bash-call", None, f"git remote set-url origin https://x-access-token:{M}@github.com/acme/billing-api.git"),
                  ("url-userinfo-user", "bash-result", None, f"origin\thttps://{M}@github.com/acme/billing-api.git (fetch)\norigin\thttps://{M}@github.com/acme/billing-api.git (push)"),
                  ("stdin", "bash-call", None, f"echo {M} | gh auth login --with-token"),
              ]),
            F("fine-grained-pat", lambda r: "github_pat_11" + R(r, UPPER + DIGITS, 20) + "_" + R(r, ALNUM, 59), "GH_TOKEN",
              "fine-grained token", prefix="github_pat_", header=bearer, flag="token"),
            F("oauth", lambda r: crc_token(r, "gho_"), "GITHUB_OAUTH_TOKEN", "OAuth token", prefix="gho_", header=bearer, lite=True),
            F("user-to-server", lambda r: crc_token(r, "ghu_"), "GITHUB_USER_TOKEN", "app user token", prefix="ghu_", header=bearer, lite=True),
            F("installation", lambda r: crc_token(r, "ghs_"), "GITHUB_APP_TOKEN", "installation token", prefix="ghs_", header=bearer, lite=True),
            F("refresh", lambda r: crc_token(r, "ghr_", 30) + R(r, B62, 40), "GITHUB_REFRESH_TOKEN", "refresh token", prefix="ghr_", lite=True),
        ]),
        ("gitlab", "red2", "GitLab", "glab", "gitlab.com", [
            F("pat", lambda r: "glpat-" + R(r, B64URL, 20), "GITLAB_TOKEN", "personal access token", prefix="glpat-",
              header=H("PRIVATE-TOKEN"), query="private_token", extras=[
                  ("url-userinfo", "bash-call", None, f"git clone https://oauth2:{M}@gitlab.com/acme/infra.git"),
              ]),
            F("pat-routable", lambda r: gitlab_routable(r, "glpat-"), "GITLAB_TOKEN", "personal access token",
              prefix="glpat-", header=H("PRIVATE-TOKEN"), flag="token"),
            F("runner", lambda r: "glrt-t" + r.choice("123") + "_" + R(r, B64URL, 20), "CI_RUNNER_TOKEN", "runner token", prefix="glrt-",
              extras=[("toml-runner", "read-result", "/etc/gitlab-runner/config.toml",
                       f'concurrent = 4\n\n[[runners]]\n  name = "build-01"\n  url = "https://gitlab.com"\n  token = "{M}"\n  executor = "docker"\n')]),
            F("deploy", lambda r: "gldt-" + R(r, B64URL, 20), "GITLAB_DEPLOY_TOKEN", "deploy token", prefix="gldt-", lite=True),
            F("ci-job", lambda r: "glcbt-" + R(r, HEX, 2) + "_" + R(r, B64URL, 20), "CI_JOB_TOKEN", "job token", prefix="glcbt-", lite=True),
            F("trigger", lambda r: "glptt-" + R(r, HEX, 40), "GITLAB_TRIGGER_TOKEN", "trigger token", prefix="glptt-", lite=True),
            F("feed", lambda r: "glft-" + R(r, B64URL, 20), "GITLAB_FEED_TOKEN", "feed token", prefix="glft-", query="feed_token", lite=True),
            F("incoming-mail", lambda r: "glimt-" + R(r, LOWER + DIGITS, 25), "GITLAB_INCOMING_EMAIL_TOKEN", "incoming mail token", prefix="glimt-", lite=True),
            F("agent", lambda r: "glagent-" + R(r, B64URL, 50), "GITLAB_AGENT_TOKEN", "agent token", prefix="glagent-", lite=True),
            F("oauth-secret", lambda r: "gloas-" + R(r, HEX, 64), "GITLAB_OAUTH_SECRET", "OAuth application secret", prefix="gloas-", lite=True),
            F("scim", lambda r: "glsoat-" + R(r, B64URL, 20), "GITLAB_SCIM_TOKEN", "SCIM token", prefix="glsoat-", lite=True),
            F("feature-flags", lambda r: "glffct-" + R(r, B64URL, 20), "UNLEASH_INSTANCE_ID", "feature flag client token", prefix="glffct-", lite=True),
            F("runner-registration", lambda r: "GR1348941" + R(r, B64URL, 20), "REGISTRATION_TOKEN", "runner registration token",
              prefix="GR1348941", lite=True),
            F("session-cookie", lambda r: R(r, HEX, 32), "GITLAB_SESSION", "session cookie", only_extras=True, extras=[
                ("cookie", "bash-call", None, f'{CURL} -b "_gitlab_session={M}" https://gitlab.example.com/api/v4/user'),
                ("cookie-header", "bash-call", None, f'{CURL} -H "Cookie: event_filter=all; _gitlab_session={M}" https://gitlab.example.com/-/profile'),
            ]),
        ]),
        ("aws", "red2", "AWS", "aws", "sts.amazonaws.com", [
            F("access-key-id", lambda r: "AKIA" + R(r, B32, 16), "AWS_ACCESS_KEY_ID", "access key id", prefix="AKIA",
              extras=[("ini-credentials", "read-result", "/home/dev/.aws/credentials",
                       f"[default]\naws_access_key_id = {M}\nregion = eu-west-1\n")]),
            F("temporary-key-id", lambda r: "ASIA" + R(r, B32, 16), "AWS_ACCESS_KEY_ID", "access key id", prefix="ASIA", lite=True),
            F("secret-access-key", lambda r: R(r, B64, 40), "AWS_SECRET_ACCESS_KEY", "secret access key", extras=[
                ("ini-credentials", "read-result", "/home/dev/.aws/credentials",
                 f"[default]\naws_access_key_id = AKIAXY7Z3KQ4MWN5RT2B\naws_secret_access_key = {M}\n"),
                ("aws-configure", "bash-call", None, f"aws configure set aws_secret_access_key {M} --profile deploy"),
                ("json-credentials", "bash-result", None,
                 f'{{\n    "Credentials": {{\n        "AccessKeyId": "ASIAZK3QW7XN4M2P5R6T",\n        "SecretAccessKey": "{M}",\n        "Expiration": "2026-01-15T12:00:00Z"\n    }}\n}}'),
            ]),
            F("session-token", lambda r: "IQoJb3JpZ2luX2Vj" + R(r, B64, 340), "AWS_SESSION_TOKEN", "session token", lite=True),
        ]),
        ("google", "red2", "Google", "gcloud", "maps.googleapis.com", [
            F("api-key", lambda r: "AIza" + R(r, B64URL, 35), "GOOGLE_API_KEY", prefix="AIza", query="key", header=H("X-Goog-Api-Key")),
            F("service-account-key", lambda r: pem_body(r, 1216, bytes.fromhex("308204bc020100300d06092a864886f70d0101010500048204a6")),
              "GOOGLE_PRIVATE_KEY", "service account private key", extras=[]),  # forms are special: see pem_forms
            F("oauth-client-secret", lambda r: "GOCSPX-" + R(r, B64URL, 28), "GOOGLE_CLIENT_SECRET", "OAuth client secret", prefix="GOCSPX-",
              extras=[("json-client-secret", "read-result", "/home/dev/acme-api/client_secret.json",
                       f'{{"installed":{{"client_id":"{R(random.Random(1), DIGITS, 12)}-abc.apps.googleusercontent.com","project_id":"acme-api","client_secret":"{M}","redirect_uris":["http://localhost"]}}}}\n')]),
            F("oauth-access-token", lambda r: "ya29." + R(r, B64URL, 150), "GOOGLE_ACCESS_TOKEN", "access token", prefix="ya29.", header=bearer, lite=True),
            F("oauth-refresh-token", lambda r: "1//0" + R(r, B64URL, 99), "GOOGLE_REFRESH_TOKEN", "refresh token", lite=True),
        ]),
        ("azure-storage", "red2", "Azure Storage", "az", "acmeprod.blob.core.windows.net", [
            F("account-key", lambda r: azure_key(r), "AZURE_STORAGE_KEY", "account key", flag="account-key", extras=[
                ("connection-string", "read-result", "/home/dev/acme-api/local.settings.json",
                 f'{{\n  "IsEncrypted": false,\n  "Values": {{\n    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={M};EndpointSuffix=core.windows.net"\n  }}\n}}\n'),
                ("connection-string-env", "bash-call", None,
                 f'export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={M};EndpointSuffix=core.windows.net"'),
            ]),
            F("identifiable-account-key", lambda r: azure_key(r, "+ASt"), "AZURE_STORAGE_KEY", "account key", lite=True),
            F("sas-signature", lambda r: R(r, B64URL.replace("-", "").replace("_", ""), 43) + "%3D", "AZURE_SAS_SIG", "SAS signature", wrap=lambda s: f"https://acmeprod.blob.core.windows.net/web?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-02-01&spr=https&sig={s}", extras=[
                ("sas-url", "bash-call", None, f'azcopy copy ./dist "https://acmeprod.blob.core.windows.net/web?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2026-02-01T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig={M}" --recursive'),
                ("sas-url-prompt", "prompt", None, f"the upload fails with 403, this is the URL I use: https://acmeprod.blob.core.windows.net/backups/db.bak?sv=2022-11-02&sr=b&sp=r&se=2026-02-01&sig={M}"),
                ("sas-connection", "read-result", "/home/dev/acme-api/.env", f"AZURE_STORAGE_CONNECTION_STRING=BlobEndpoint=https://acmeprod.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-03-01&sig={M}\n"),
            ], lite=True),
        ]),
        ("slack", "red2", "Slack", "slack", "slack.com", [
            F("bot-token", lambda r: f"xoxb-{R(r, DIGITS, 12)}-{R(r, DIGITS, 13)}-{R(r, ALNUM, 24)}", "SLACK_BOT_TOKEN", "bot token", prefix="xoxb-", header=bearer),
            F("user-token", lambda r: f"xoxp-{R(r, DIGITS, 12)}-{R(r, DIGITS, 12)}-{R(r, DIGITS, 13)}-{R(r, HEX, 32)}", "SLACK_USER_TOKEN", "user token", prefix="xoxp-", header=bearer, lite=True),
            F("app-token", lambda r: f"xapp-1-A{R(r, UPPER + DIGITS, 10)}-{R(r, DIGITS, 13)}-{R(r, HEX, 64)}", "SLACK_APP_TOKEN", "app-level token", prefix="xapp-", lite=True),
            F("config-token", lambda r: f"xoxe.xoxp-1-{R(r, ALNUM, 160)}", "SLACK_CONFIG_TOKEN", "configuration token", prefix="xoxe.xoxp-", lite=True),
            F("refresh-token", lambda r: f"xoxe-1-{R(r, ALNUM, 140)}", "SLACK_REFRESH_TOKEN", "refresh token", prefix="xoxe-", lite=True),
            F("webhook", lambda r: R(r, ALNUM, 24), "SLACK_WEBHOOK_URL", "webhook", wrap=lambda s: f"https://hooks.slack.com/services/T04K7QX2M9/B06A1ZR8PQ3/{s}", extras=[
                ("webhook-url", "bash-call", None, f"{CURL} -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy done\"}}' https://hooks.slack.com/services/T{R(random.Random(2), UPPER + DIGITS, 8)}/B{R(random.Random(3), UPPER + DIGITS, 10)}/{M}"),
                ("webhook-env", "read-result", "/home/dev/acme-api/.env", f"SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0{R(random.Random(4), UPPER + DIGITS, 8)}/B0{R(random.Random(5), UPPER + DIGITS, 9)}/{M}\n"),
                ("webhook-json-slash", "bash-result", None, f'{{"webhook":"https:\\/\\/hooks.slack.com\\/services\\/T0{R(random.Random(6), UPPER + DIGITS, 8)}\\/B0{R(random.Random(7), UPPER + DIGITS, 9)}\\/{M}","channel":"#deploys"}}'),
                ("webhook-yaml", "read-result", "/home/dev/acme-api/alertmanager.yml", f"receivers:\n  - name: slack\n    slack_configs:\n      - api_url: https://hooks.slack.com/services/T0{R(random.Random(8), UPPER + DIGITS, 8)}/B0{R(random.Random(9), UPPER + DIGITS, 9)}/{M}\n        channel: '#alerts'\n"),
            ], lite=True),
            F("workflow-webhook", lambda r: R(r, HEX, 32), "SLACK_WORKFLOW_URL", "workflow webhook", lite=True, wrap=lambda s: f"https://hooks.slack.com/triggers/T04K7QX2M9/7412093658812/{s}", extras=[
                ("webhook-url", "bash-call", None, f"{CURL} -X POST https://hooks.slack.com/triggers/T0{R(random.Random(10), UPPER + DIGITS, 8)}/{R(random.Random(11), DIGITS, 13)}/{M} -d '{{\"status\":\"ok\"}}'"),
            ]),
        ]),
        ("stripe", "red2", "Stripe", "stripe", "api.stripe.com", [
            F("secret-live", lambda r: "sk_live_51" + R(r, ALNUM, 97), "STRIPE_SECRET_KEY", "secret key", prefix="sk_live_", header=bearer, flag="api-key",
              extras=[("curl-user", "bash-call", None, f"{CURL} https://api.stripe.com/v1/charges -u {M}: -d limit=3")]),
            F("secret-test", lambda r: "sk_test_51" + R(r, ALNUM, 97), "STRIPE_SECRET_KEY", "test secret key", prefix="sk_test_", header=bearer,
              extras=[("curl-user", "bash-call", None, f"{CURL} https://api.stripe.com/v1/customers -u {M}:")]),
            F("restricted-live", lambda r: "rk_live_51" + R(r, ALNUM, 97), "STRIPE_RESTRICTED_KEY", "restricted key", prefix="rk_live_", lite=True),
            F("restricted-test", lambda r: "rk_test_51" + R(r, ALNUM, 97), "STRIPE_RESTRICTED_KEY", "restricted key", prefix="rk_test_", lite=True),
            F("secret-legacy", lambda r: "sk_live_" + R(r, ALNUM, 24), "STRIPE_API_KEY", "secret key", prefix="sk_live_", lite=True),
            F("webhook-secret", lambda r: "whsec_" + R(r, ALNUM, 32), "STRIPE_WEBHOOK_SECRET", "webhook signing secret", prefix="whsec_", lite=True),
        ]),
        ("twilio", "red2", "Twilio", "twilio", "api.twilio.com", [
            F("auth-token", lambda r: R(r, HEX, 32), "TWILIO_AUTH_TOKEN", "auth token", flag="auth-token", extras=[
                ("curl-user", "bash-call", None, f"{CURL} -X POST https://api.twilio.com/2010-04-01/Accounts/AC{R(random.Random(12), HEX, 32)}/Messages.json -u AC{R(random.Random(12), HEX, 32)}:{M} --data-urlencode 'To=+15555550100'"),
            ]),
            F("api-key-sid", lambda r: "SK" + R(r, HEX, 32), "TWILIO_API_KEY", "API key", prefix="SK"),
            F("api-key-secret", lambda r: R(r, ALNUM, 32), "TWILIO_API_SECRET", "API key secret", lite=True),
        ]),
        ("sendgrid", "red2", "SendGrid", "sendgrid", "api.sendgrid.com", [
            F("api-key", lambda r: "SG." + R(r, B64URL, 22) + "." + R(r, B64URL, 43), "SENDGRID_API_KEY", prefix="SG.", header=bearer),
        ]),
        ("npm", "red2", "npm", "npm", "registry.npmjs.org", [
            F("access-token", lambda r: crc_token(r, "npm_"), "NPM_TOKEN", "access token", prefix="npm_", header=bearer, extras=[
                ("npmrc", "read-result", "/home/dev/.npmrc", f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={M}\nsave-exact=true\n"),
                ("npm-config", "bash-call", None, f"npm config set //registry.npmjs.org/:_authToken {M}"),
            ]),
            F("npmrc-legacy-token", lambda r: uuid4(r), "NPM_TOKEN", "auth token", lite=True, extras=[
                ("npmrc", "read-result", "/home/dev/acme-web/.npmrc", f"@acme:registry=https://npm.acme-internal.dev/\n//npm.acme-internal.dev/:_authToken={M}\nalways-auth=true\n"),
            ]),
            F("npmrc-auth", lambda r: b64(f"deploy:{password(r)}".encode()), "NPM_AUTH", "auth", only_extras=True, extras=[
                ("npmrc", "read-result", "/home/dev/acme-web/.npmrc", f"registry=https://npm.acme-internal.dev/\n_auth={M}\nemail=ci@acme.dev\n"),
            ]),
        ]),
        ("pypi", "red2", "PyPI", "twine", "upload.pypi.org", [
            F("api-token", lambda r: pypi(r), "PYPI_TOKEN", "API token", prefix="pypi-", flag="password", extras=[
                ("pypirc", "read-result", "/home/dev/.pypirc", f"[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {M}\n"),
                ("twine", "bash-call", None, f"twine upload -u __token__ -p {M} dist/*"),
            ]),
            F("test-api-token", lambda r: pypi(r, True), "TEST_PYPI_TOKEN", "API token", prefix="pypi-", lite=True),
        ]),
        ("nuget", "red2", "NuGet", "dotnet nuget", "api.nuget.org", [
            F("api-key", lambda r: "oy2" + R(r, LOWER + DIGITS, 43), "NUGET_API_KEY", prefix="oy2", header=H("X-NuGet-ApiKey"), extras=[
                ("push-k", "bash-call", None, f"dotnet nuget push bin/Release/Acme.Core.1.4.0.nupkg -k {M} -s https://api.nuget.org/v3/index.json"),
                ("push-api-key", "bash-call", None, f"dotnet nuget push artifacts/*.nupkg --api-key {M} --source nuget.org --skip-duplicate"),
            ]),
            F("config-password", lambda r: password(r), "NUGET_PASSWORD", "feed password", extras=[
                ("nuget-config", "read-result", "/home/dev/acme-api/nuget.config",
                 f'<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSourceCredentials>\n    <acme>\n      <add key="Username" value="ci" />\n      <add key="ClearTextPassword" value="{M}" />\n    </acme>\n  </packageSourceCredentials>\n</configuration>\n'),
                ("add-source", "bash-call", None, f"dotnet nuget add source https://pkgs.acme-internal.dev/v3/index.json -n acme -u ci -p {M} --store-password-in-clear-text"),
            ]),
            F("config-pat", lambda r: R(r, LOWER + "234567", 52), "NUGET_FEED_PAT", "feed token", lite=True, extras=[
                ("nuget-config", "read-result", "/home/dev/acme-api/NuGet.Config",
                 f'<configuration>\n  <packageSourceCredentials>\n    <AzureArtifacts>\n      <add key="Username" value="az" />\n      <add key="ClearTextPassword" value="{M}" />\n    </AzureArtifacts>\n  </packageSourceCredentials>\n</configuration>\n'),
            ]),
        ]),
        ("huggingface", "red2", "Hugging Face", "huggingface-cli", "huggingface.co", [
            F("user-token", lambda r: "hf_" + R(r, UPPER + LOWER, 34), "HF_TOKEN", "access token", prefix="hf_", header=bearer, flag="token"),
            F("org-token", lambda r: "api_org_" + R(r, UPPER + LOWER, 34), "HUGGINGFACE_ORG_TOKEN", "org token", prefix="api_org_", lite=True),
        ]),
        ("dockerhub", "red2", "Docker Hub", "docker", "hub.docker.com", [
            F("pat", lambda r: "dckr_pat_" + R(r, B64URL, 27), "DOCKERHUB_TOKEN", "access token", prefix="dckr_pat_", flag="password", extras=[
                ("docker-login", "bash-call", None, f"docker login -u acmeci -p {M}"),
                ("docker-login-stdin", "bash-call", None, f"echo '{M}' | docker login --username acmeci --password-stdin"),
            ]),
            F("org-token", lambda r: "dckr_oat_" + R(r, B64URL, 32), "DOCKER_ORG_TOKEN", "organization token", prefix="dckr_oat_", lite=True),
            F("config-auth", lambda r: b64(f"acmeci:dckr_pat_{R(r, B64URL, 27)}".encode()), "DOCKER_AUTH", "registry auth", only_extras=True, extras=[
                ("docker-config", "read-result", "/home/dev/.docker/config.json", f'{{\n\t"auths": {{\n\t\t"https://index.docker.io/v1/": {{\n\t\t\t"auth": "{M}"\n\t\t}}\n\t}}\n}}\n'),
            ]),
        ]),
        ("databricks", "red2", "Databricks", "databricks", "acme.cloud.databricks.com", [
            F("pat", lambda r: "dapi" + R(r, HEX, 32) + r.choice(["", "-2", "-3"]), "DATABRICKS_TOKEN", "access token", prefix="dapi", header=bearer, extras=[
                ("databrickscfg", "read-result", "/home/dev/.databrickscfg", f"[DEFAULT]\nhost  = https://acme.cloud.databricks.com\ntoken = {M}\n"),
            ]),
            F("oauth-secret", lambda r: "dose" + R(r, HEX, 32), "DATABRICKS_CLIENT_SECRET", "OAuth secret", prefix="dose", lite=True),
        ]),
        ("jwt", "red2", "JWT", "api", "api.acme-internal.dev", [
            F("jwt", user_jwt, "ACCESS_TOKEN", "access token", prefix="eyJ", header=bearer, query="access_token", extras=[
                ("cookie", "bash-call", None, f'{CURL} -H "Cookie: theme=dark; access_token={M}" https://app.acme-internal.dev/api/me'),
                ("cookie-jar", "bash-result", None, f"# Netscape HTTP Cookie File\napp.acme-internal.dev\tFALSE\t/\tTRUE\t1767600000\tsession\t{M}"),
                ("set-cookie", "bash-result", None, f"HTTP/2 200\ncontent-type: application/json\nset-cookie: id_token={M}; Path=/; HttpOnly; Secure\n"),
            ]),
            F("base64-wrapped", lambda r: b64(k8s_sa_token(r).encode()), "SA_TOKEN", "service account token", only_extras=True, extras=[
                ("k8s-secret", "bash-result", None, "apiVersion: v1\ndata:\n  ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=\n  namespace: cHJvZA==\n  token: " + M + "\nkind: Secret\nmetadata:\n  name: deployer-token\n  namespace: prod\ntype: kubernetes.io/service-account-token\n"),
                ("json-data", "bash-result", None, '{"apiVersion":"v1","kind":"Secret","data":{"token":"' + M + '"},"type":"kubernetes.io/service-account-token"}'),
            ], lite=True),
        ]),
        ("pem", "red2", "PEM private key", "openssl", "", [
            F("rsa", lambda r: pem_body(r, 1190, bytes.fromhex("308204a40201000282010100")), "RSA PRIVATE KEY", "private key"),
            F("pkcs8", lambda r: pem_body(r, 1216, bytes.fromhex("308204bc020100300d06092a864886f70d0101010500048204a6")), "PRIVATE KEY", "private key"),
            F("ec", lambda r: pem_body(r, 121, bytes.fromhex("30770201010420")), "EC PRIVATE KEY", "private key", lite=True),
            F("openssh", lambda r: pem_body(r, 399, b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none"), "OPENSSH PRIVATE KEY", "private key"),
            F("encrypted", lambda r: pem_body(r, 1298, bytes.fromhex("308205163040")), "ENCRYPTED PRIVATE KEY", "private key", lite=True),
            F("pgp", lambda r: pem_body(r, 900, b"\x95\x03\xc6\x04"), "PGP PRIVATE KEY BLOCK", "private key", lite=True),
        ]),
        ("authorization", "red2", "Authorization header", "curl", "api.acme-internal.dev", [
            F("bearer-opaque", lambda r: R(r, B64URL, r.randrange(32, 64)), "API_TOKEN", "bearer token", header=bearer, extras=[
                ("curl-verbose", "bash-result", None, f"> GET /v2/orders HTTP/2\n> Host: api.acme-internal.dev\n> user-agent: curl/8.5.0\n> accept: */*\n> authorization: Bearer {M}\n>\n< HTTP/2 200"),
                ("python-headers", "write-call", "/home/dev/acme-api/scripts/sync.py", f'import requests\n\nHEADERS = {{"Authorization": "Bearer {M}", "Accept": "application/json"}}\nresp = requests.get("https://api.acme-internal.dev/v2/orders", headers=HEADERS)\n'),
                ("js-fetch", "write-call", "/home/dev/acme-web/src/api.ts", f"export async function orders() {{\n  return fetch('https://api.acme-internal.dev/v2/orders', {{\n    headers: {{ Authorization: 'Bearer {M}' }},\n  }});\n}}\n"),
                ("http-file", "read-result", "/home/dev/acme-api/requests.http", f"GET https://api.acme-internal.dev/v2/orders\nAuthorization: Bearer {M}\nAccept: application/json\n"),
                ("wget", "bash-call", None, f'wget -q -O- --header="Authorization: Bearer {M}" https://api.acme-internal.dev/v2/orders'),
                ("httpie", "bash-call", None, f"http GET api.acme-internal.dev/v2/orders 'Authorization:Bearer {M}'"),
                ("json-log", "bash-result", None, f'{{"level":"debug","msg":"outgoing request","headers":{{"Authorization":"Bearer {M}","User-Agent":"acme-sync/1.2"}}}}'),
            ]),
            F("basic", lambda r: b64(f"{r.choice(['deploy', 'admin', 'ci-bot', 'svc_report'])}:{password(r)}".encode()), "AUTHORIZATION", "basic credentials",
                 header=H("Authorization", "Basic "), wrap=lambda s: "Basic " + s, extras=[
                ("curl-verbose", "bash-result", None, f"> POST /api/v1/import HTTP/1.1\n> Host: jenkins.acme-internal.dev\n> Authorization: Basic {M}\n> Content-Length: 512\n>\n< HTTP/1.1 201 Created"),
                ("python-headers", "write-call", "/home/dev/acme-api/scripts/import.py", f'HEADERS = {{"Authorization": "Basic {M}"}}\n'),
                ("nginx", "read-result", "/etc/nginx/conf.d/upstream.conf", f'location /api/ {{\n    proxy_pass https://backend.acme-internal.dev;\n    proxy_set_header Authorization "Basic {M}";\n}}\n'),
            ]),
            F("curl-user", lambda r: password(r), "CURL_PASSWORD", "password", only_extras=True, extras=[
                ("curl-u", "bash-call", None, f"{CURL} -u admin:{M} https://jenkins.acme-internal.dev/api/json"),
                ("curl-user-long", "bash-call", None, f"{CURL} --user 'deploy:{M}' -X POST https://nexus.acme-internal.dev/service/rest/v1/components"),
                ("wget-password", "bash-call", None, f"wget --user=ci --password='{M}' https://artifacts.acme-internal.dev/builds/latest.tgz"),
            ]),
        ]),
        ("url-password", "red2", "URL and connection-string passwords", "psql", "db.acme-internal.dev", [
            F("postgres-url", lambda r: password(r), "DATABASE_URL", "database password", wrap=lambda s: f"postgres://app_user:{s}@db.acme-internal.dev:5432/billing", extras=[
                ("env-url", "read-result", "/home/dev/acme-api/.env", f"DATABASE_URL=postgres://app_user:{M}@db.acme-internal.dev:5432/billing?sslmode=require\nREDIS_URL=redis://localhost:6379/0\n"),
                ("psql", "bash-call", None, f'psql "postgresql://reporting:{M}@db.acme-internal.dev:5432/analytics" -c "select count(*) from orders"'),
                ("sqlalchemy", "write-call", "/home/dev/acme-api/app/db.py", f'from sqlalchemy import create_engine\n\nengine = create_engine("postgresql+psycopg2://app:{M}@db.acme-internal.dev/billing")\n'),
                ("yaml-url", "read-result", "/home/dev/acme-api/docker-compose.yml", f"services:\n  api:\n    image: acme/api:1.4\n    environment:\n      - DATABASE_URL=postgresql://api:{M}@postgres:5432/api\n"),
                ("json-url", "bash-result", None, f'{{"datasource":{{"url":"postgres://grafana:{M}@db.acme-internal.dev:5432/grafana"}}}}'),
                ("error-log", "bash-result", None, f"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed\n[SQL: select 1]\n(Background on this error at: postgresql://app:{M}@10.0.3.7:5432/billing)"),
                ("pgpassword", "bash-call", None, f"PGPASSWORD='{M}' pg_dump -h db.acme-internal.dev -U backup billing > billing.sql"),
            ]),
            F("mysql-url", lambda r: password(r), "MYSQL_URL", "database password", wrap=lambda s: f"mysql://shop:{s}@mysql.acme-internal.dev:3306/shop", lite=True, extras=[
                ("env-url", "read-result", "/home/dev/acme-shop/.env", f"DB_CONNECTION=mysql://shop:{M}@mysql.acme-internal.dev:3306/shop\n"),
                ("mysql-p", "bash-call", None, f"mysql -h mysql.acme-internal.dev -u root -p'{M}' shop < dump.sql"),
            ]),
            F("mongodb-url", lambda r: password(r), "MONGODB_URI", "database password", wrap=lambda s: f"mongodb+srv://app:{s}@cluster0.ab1cd.mongodb.net/prod", lite=True, extras=[
                ("srv-url", "read-result", "/home/dev/acme-api/.env", f"MONGODB_URI=mongodb+srv://app:{M}@cluster0.ab1cd.mongodb.net/prod?retryWrites=true&w=majority\n"),
                ("mongosh", "bash-call", None, f'mongosh "mongodb://admin:{M}@mongo-0.acme-internal.dev:27017/admin?authSource=admin"'),
            ]),
            F("redis-url", lambda r: password(r), "REDIS_URL", "redis password", wrap=lambda s: f"rediss://default:{s}@cache.acme-internal.dev:6380/0", lite=True, extras=[
                ("env-url", "read-result", "/home/dev/acme-api/.env", f"REDIS_URL=rediss://default:{M}@cache.acme-internal.dev:6380/0\n"),
                ("empty-user", "bash-call", None, f"redis-cli -u redis://:{M}@cache.acme-internal.dev:6379 ping"),
                ("redis-a", "bash-call", None, f"redis-cli -h cache.acme-internal.dev -a '{M}' info keyspace"),
            ]),
            F("amqp-url", lambda r: password(r), "AMQP_URL", "broker password", wrap=lambda s: f"amqp://worker:{s}@rabbitmq.acme-internal.dev:5672/prod", lite=True, extras=[
                ("env-url", "read-result", "/home/dev/acme-api/.env", f"CELERY_BROKER_URL=amqp://worker:{M}@rabbitmq.acme-internal.dev:5672/prod\n"),
            ]),
            F("https-userinfo", lambda r: password(r), "REPO_URL", "password", wrap=lambda s: f"https://ci:{s}@pypi.acme-internal.dev/simple", lite=True, extras=[
                ("pip-index", "bash-call", None, f"pip install --index-url https://ci:{M}@pypi.acme-internal.dev/simple acme-core==2.1.0"),
                ("git-remote", "bash-result", None, f"origin\thttps://jdoe:{M}@git.acme-internal.dev/platform/infra.git (fetch)"),
                ("pip-conf", "read-result", "/home/dev/.config/pip/pip.conf", f"[global]\nindex-url = https://ci:{M}@pypi.acme-internal.dev/simple\n"),
            ]),
            F("adonet", lambda r: password(r), "ConnectionStrings__Default", "database password", wrap=lambda s: f"Server=sql.acme-internal.dev;Database=Billing;User Id=app;Password={s};", lite=True, extras=[
                ("appsettings", "read-result", "/home/dev/acme-api/appsettings.Development.json", f'{{\n  "ConnectionStrings": {{\n    "Default": "Server=sql.acme-internal.dev;Database=Billing;User Id=billing_app;Password={M};TrustServerCertificate=True"\n  }}\n}}\n'),
                ("pwd", "bash-call", None, f'sqlcmd -S sql.acme-internal.dev -d Billing -U sa -P "{M}" -Q "SELECT 1"'),
                ("csharp", "write-call", "/home/dev/acme-api/src/Db.cs", f'var cs = "Data Source=sql.acme-internal.dev;Initial Catalog=Billing;User ID=app;Pwd={M};";\n'),
            ]),
            F("jdbc", lambda r: password(r), "SPRING_DATASOURCE_URL", "database password", wrap=lambda s: f"jdbc:postgresql://db.acme-internal.dev:5432/svc?user=svc&password={s}", lite=True, extras=[
                ("jdbc-query", "read-result", "/home/dev/acme-svc/src/main/resources/application.properties", f"spring.datasource.url=jdbc:postgresql://db.acme-internal.dev:5432/svc?user=svc&password={M}\nspring.jpa.hibernate.ddl-auto=validate\n"),
                ("jdbc-sqlserver", "bash-result", None, f"Caused by: java.sql.SQLException: Login failed for jdbc:sqlserver://sql.acme-internal.dev:1433;databaseName=svc;user=svc;password={M};encrypt=true"),
                ("properties", "read-result", "/home/dev/acme-svc/src/main/resources/application.properties", f"spring.datasource.username=svc\nspring.datasource.password={M}\n"),
            ]),
        ]),
        # ---------------------------------------------------------------- other common services
        ("atlassian", "other", "Atlassian", "acli", "acme.atlassian.net", [
            F("api-token", lambda r: atlassian(r, "ATATT3xFfGF0"), "JIRA_API_TOKEN", "API token", prefix="ATATT", extras=[
                ("curl-user", "bash-call", None, f"{CURL} -u jane.doe@acme.dev:{M} https://acme.atlassian.net/rest/api/3/myself"),
            ]),
            F("legacy-api-token", lambda r: R(r, ALNUM, 24), "CONFLUENCE_API_TOKEN", "API token", lite=True),
        ]),
        ("bitbucket", "other", "Bitbucket", "bb", "api.bitbucket.org", [
            F("app-password", lambda r: "ATBB" + R(r, ALNUM, 24) + R(r, HEX.upper(), 8), "BITBUCKET_APP_PASSWORD", "app password", prefix="ATBB", extras=[
                ("curl-user", "bash-call", None, f"{CURL} -u jdoe:{M} https://api.bitbucket.org/2.0/repositories/acme"),
                ("git-url", "bash-call", None, f"git clone https://jdoe:{M}@bitbucket.org/acme/payments.git"),
            ]),
            F("access-token", lambda r: atlassian(r, "ATCTT3xFfGN0"), "BITBUCKET_ACCESS_TOKEN", "access token", prefix="ATCTT", header=bearer, extras=[
                ("git-url", "bash-call", None, f"git clone https://x-token-auth:{M}@bitbucket.org/acme/payments.git"),
            ]),
        ]),
        ("cloudflare", "other", "Cloudflare", "wrangler", "api.cloudflare.com", [
            F("api-token", lambda r: R(r, B64URL, 40), "CLOUDFLARE_API_TOKEN", "API token", header=bearer),
            F("global-api-key", lambda r: R(r, HEX, 37), "CLOUDFLARE_API_KEY", "global API key", header=H("X-Auth-Key"), lite=True),
            F("origin-ca-key", lambda r: "v1.0-" + R(r, HEX, 24) + "-" + R(r, HEX, 146), "CLOUDFLARE_ORIGIN_CA_KEY", "Origin CA key", prefix="v1.0-", header=H("X-Auth-User-Service-Key"), lite=True),
        ]),
        ("datadog", "other", "Datadog", "datadog-ci", "api.datadoghq.com", [
            F("api-key", lambda r: R(r, HEX, 32), "DD_API_KEY", "API key", header=H("DD-API-KEY")),
            F("app-key", lambda r: R(r, HEX, 40), "DD_APP_KEY", "application key", header=H("DD-APPLICATION-KEY"), lite=True),
        ]),
        ("discord", "other", "Discord", "discord", "discord.com", [
            F("bot-token", discord_bot, "DISCORD_TOKEN", "bot token", header=H("Authorization", "Bot ")),
            F("webhook", lambda r: R(r, B64URL, 68), "DISCORD_WEBHOOK_URL", "webhook", lite=True, wrap=lambda s: f"https://discord.com/api/webhooks/1187349026518263808/{s}", extras=[
                ("webhook-url", "bash-call", None, f"{CURL} -H 'Content-Type: application/json' -d '{{\"content\":\"build ok\"}}' https://discord.com/api/webhooks/{R(random.Random(13), DIGITS, 19)}/{M}"),
                ("webhook-env", "read-result", "/home/dev/bot/.env", f"DISCORD_WEBHOOK_URL=https://discordapp.com/api/webhooks/{R(random.Random(14), DIGITS, 18)}/{M}\n"),
            ]),
            F("client-secret", lambda r: R(r, B64URL, 32), "DISCORD_CLIENT_SECRET", "client secret", lite=True),
        ]),
        ("flyio", "other", "Fly.io", "flyctl", "api.fly.io", [
            F("macaroon", lambda r: flyio(r)[6:], "FLY_API_TOKEN", "deploy token", prefix="fm2_", header=H("Authorization", "FlyV1 "), flag="access-token"),
            F("legacy", lambda r: "fo1_" + R(r, B64URL, 43), "FLY_ACCESS_TOKEN", "access token", prefix="fo1_", lite=True),
        ]),
        ("grafana", "other", "Grafana", "grafana-cli", "acme.grafana.net", [
            F("cloud-token", grafana_cloud, "GRAFANA_CLOUD_TOKEN", "access policy token", prefix="glc_", header=bearer),
            F("service-account", lambda r: "glsa_" + R(r, ALNUM, 32) + "_" + R(r, HEX, 8), "GRAFANA_SERVICE_ACCOUNT_TOKEN", "service account token", prefix="glsa_", header=bearer),
            F("legacy-api-key", grafana_legacy, "GRAFANA_API_KEY", "API key", prefix="eyJrIjoi", lite=True),
        ]),
        ("vault", "other", "HashiCorp Vault", "vault", "vault.acme-internal.dev", [
            F("service-token", lambda r: "hvs.CAESI" + R(r, B64URL, 85), "VAULT_TOKEN", "token", prefix="hvs.", header=H("X-Vault-Token")),
            F("batch-token", lambda r: "hvb.AAAAAQ" + R(r, B64URL, 130), "VAULT_TOKEN", "batch token", prefix="hvb.", lite=True),
            F("legacy-token", lambda r: "s." + R(r, ALNUM, 24), "VAULT_TOKEN", "token", lite=True, header=H("X-Vault-Token")),
        ]),
        ("terraform-cloud", "other", "Terraform Cloud", "terraform", "app.terraform.io", [
            F("api-token", lambda r: R(r, ALNUM, 14) + ".atlasv1." + R(r, ALNUM, 67), "TF_TOKEN_app_terraform_io", "API token", prefix=".atlasv1.", header=bearer, extras=[
                ("tfrc", "read-result", "/home/dev/.terraform.d/credentials.tfrc.json", f'{{\n  "credentials": {{\n    "app.terraform.io": {{\n      "token": "{M}"\n    }}\n  }}\n}}\n'),
                ("terraformrc", "read-result", "/home/dev/.terraformrc", f'credentials "app.terraform.io" {{\n  token = "{M}"\n}}\n'),
            ]),
        ]),
        ("heroku", "other", "Heroku", "heroku", "api.heroku.com", [
            F("api-key", uuid4, "HEROKU_API_KEY", "API key", header=bearer, extras=[
                ("netrc", "read-result", "/home/dev/.netrc", f"machine api.heroku.com\n  login jane@acme.dev\n  password {M}\nmachine git.heroku.com\n  login jane@acme.dev\n"),
            ]),
            F("platform-key", lambda r: "HRKU-AA" + R(r, B64URL, 58), "HEROKU_API_KEY", "API key", prefix="HRKU-", header=bearer),
        ]),
        ("jfrog", "other", "JFrog", "jf", "acme.jfrog.io", [
            F("api-key", lambda r: "AKCp" + R(r, ALNUM, 69), "ARTIFACTORY_API_KEY", "API key", prefix="AKCp", header=H("X-JFrog-Art-Api")),
            F("reference-token", lambda r: "cmVmdGtuOjAxOj" + R(r, ALNUM, 50), "JFROG_ACCESS_TOKEN", "reference token", prefix="cmVmdGtu", header=bearer, lite=True),
        ]),
        ("linear", "other", "Linear", "linear", "api.linear.app", [
            F("api-key", lambda r: "lin_api_" + R(r, ALNUM, 40), "LINEAR_API_KEY", prefix="lin_api_", header=H("Authorization")),
            F("oauth", lambda r: "lin_oauth_" + R(r, HEX, 64), "LINEAR_OAUTH_TOKEN", "OAuth token", prefix="lin_oauth_", header=bearer, lite=True),
        ]),
        ("mailchimp", "other", "Mailchimp", "mailchimp", "us21.api.mailchimp.com", [
            F("api-key", lambda r: R(r, HEX, 32) + "-us" + str(r.randrange(1, 22)), "MAILCHIMP_API_KEY", extras=[
                ("curl-user", "bash-call", None, f"{CURL} --user 'anystring:{M}' https://us21.api.mailchimp.com/3.0/lists"),
            ]),
        ]),
        ("mailgun", "other", "Mailgun", "mailgun", "api.mailgun.net", [
            F("private-key", lambda r: "key-" + R(r, LOWER + DIGITS, 32), "MAILGUN_API_KEY", "private API key", prefix="key-", extras=[
                ("curl-user", "bash-call", None, f"{CURL} --user 'api:{M}' https://api.mailgun.net/v3/mg.acme.dev/messages -F to=ops@acme.dev"),
            ]),
            F("api-key", lambda r: R(r, HEX, 32) + "-" + R(r, HEX, 8) + "-" + R(r, HEX, 8), "MAILGUN_API_KEY", lite=True, extras=[
                ("curl-user", "bash-call", None, f"{CURL} -s --user 'api:{M}' https://api.eu.mailgun.net/v3/domains"),
            ]),
        ]),
        ("newrelic", "other", "New Relic", "newrelic", "api.newrelic.com", [
            F("user-key", lambda r: "NRAK-" + R(r, UPPER + DIGITS, 27), "NEW_RELIC_API_KEY", "user key", prefix="NRAK-", header=H("Api-Key")),
            F("license-key", lambda r: R(r, HEX, 36) + "NRAL", "NEW_RELIC_LICENSE_KEY", "license key", prefix=None, extras=[
                ("newrelic-yml", "read-result", "/home/dev/acme-api/newrelic.yml", f"common: &default_settings\n  license_key: '{M}'\n  app_name: acme-api\n"),
            ]),
            F("browser-key", lambda r: "NRJS-" + R(r, HEX, 19), "NEW_RELIC_BROWSER_KEY", "browser key", prefix="NRJS-", lite=True),
            F("insert-key", lambda r: "NRII-" + R(r, B64URL, 32), "NEW_RELIC_INSERT_KEY", "insert key", prefix="NRII-", header=H("X-Insert-Key"), lite=True),
        ]),
        ("netlify", "other", "Netlify", "netlify", "api.netlify.com", [
            F("pat", lambda r: "nfp_" + R(r, ALNUM, 36), "NETLIFY_AUTH_TOKEN", "access token", prefix="nfp_", header=bearer, flag="auth"),
            F("legacy-token", lambda r: R(r, B64URL, 43), "NETLIFY_AUTH_TOKEN", "access token", lite=True, flag="auth"),
        ]),
        ("okta", "other", "Okta", "okta", "acme.okta.com", [
            F("api-token", lambda r: "00" + R(r, B64URL, 40), "OKTA_API_TOKEN", "API token", header=H("Authorization", "SSWS ")),
        ]),
        ("planetscale", "other", "PlanetScale", "pscale", "api.planetscale.com", [
            F("service-token", lambda r: "pscale_tkn_" + R(r, B64URL, 43), "PLANETSCALE_SERVICE_TOKEN", "service token", prefix="pscale_tkn_", flag="service-token"),
            F("password", lambda r: "pscale_pw_" + R(r, B64URL, 43), "DATABASE_PASSWORD", "database password", prefix="pscale_pw_", extras=[
                ("mysql-url", "read-result", "/home/dev/acme-shop/.env", f"DATABASE_URL=mysql://k2j4h5g6f7d8:{M}@aws.connect.psdb.cloud/shop?sslaccept=strict\n"),
            ]),
            F("oauth", lambda r: "pscale_oauth_" + R(r, B64URL, 43), "PLANETSCALE_OAUTH_TOKEN", "OAuth token", prefix="pscale_oauth_", lite=True),
        ]),
        ("postman", "other", "Postman", "postman", "api.getpostman.com", [
            F("api-key", lambda r: "PMAK-" + R(r, HEX, 24) + "-" + R(r, HEX, 34), "POSTMAN_API_KEY", prefix="PMAK-", header=H("X-Api-Key"), query="apikey"),
        ]),
        ("pulumi", "other", "Pulumi", "pulumi", "api.pulumi.com", [
            F("access-token", lambda r: "pul-" + R(r, HEX, 40), "PULUMI_ACCESS_TOKEN", "access token", prefix="pul-", header=H("Authorization", "token ")),
        ]),
        ("sentry", "other", "Sentry", "sentry-cli", "sentry.io", [
            F("user-token", lambda r: "sntryu_" + R(r, HEX, 64), "SENTRY_AUTH_TOKEN", "auth token", prefix="sntryu_", header=bearer, flag="auth-token"),
            F("org-token", sentry_org, "SENTRY_AUTH_TOKEN", "organization token", prefix="sntrys_", header=bearer, extras=[
                ("sentryclirc", "read-result", "/home/dev/acme-web/.sentryclirc", f"[defaults]\norg = acme\nproject = web\n\n[auth]\ntoken = {M}\n"),
            ]),
            F("legacy-token", lambda r: R(r, HEX, 64), "SENTRY_AUTH_TOKEN", "auth token", lite=True),
        ]),
        ("snyk", "other", "Snyk", "snyk", "api.snyk.io", [
            F("api-token", uuid4, "SNYK_TOKEN", "API token", header=H("Authorization", "token "), extras=[
                ("snyk-auth", "bash-call", None, f"snyk auth {M} && snyk test --all-projects"),
            ]),
        ]),
        ("sonar", "other", "SonarQube / SonarCloud", "sonar-scanner", "sonarcloud.io", [
            F("user-token", lambda r: "squ_" + R(r, HEX, 40), "SONAR_TOKEN", "user token", prefix="squ_", header=bearer, extras=[
                ("dsonar", "bash-call", None, f"mvn verify sonar:sonar -Dsonar.host.url=https://sonar.acme-internal.dev -Dsonar.token={M}"),
            ]),
            F("project-token", lambda r: "sqp_" + R(r, HEX, 40), "SONAR_TOKEN", "project token", prefix="sqp_", lite=True),
            F("global-token", lambda r: "sqa_" + R(r, HEX, 40), "SONAR_TOKEN", "analysis token", prefix="sqa_", lite=True),
            F("cloud-token", lambda r: R(r, HEX, 40), "SONAR_TOKEN", "token", extras=[
                ("dsonar-login", "bash-call", None, f"sonar-scanner -Dsonar.organization=acme -Dsonar.login={M}"),
            ]),
        ]),
        ("square", "other", "Square", "square", "connect.squareup.com", [
            F("access-token", lambda r: "EAAA" + R(r, B64URL, 60), "SQUARE_ACCESS_TOKEN", "access token", prefix="EAAA", header=bearer),
            F("legacy-access-token", lambda r: "sq0atp-" + R(r, B64URL, 22), "SQUARE_ACCESS_TOKEN", "access token", prefix="sq0atp-", lite=True),
            F("oauth-secret", lambda r: "sq0csp-" + R(r, B64URL, 43), "SQUARE_APPLICATION_SECRET", "application secret", prefix="sq0csp-", lite=True),
        ]),
        ("supabase", "other", "Supabase", "supabase", "api.supabase.com", [
            F("pat", lambda r: "sbp_" + R(r, HEX, 40), "SUPABASE_ACCESS_TOKEN", "access token", prefix="sbp_", header=bearer),
            F("secret-key", lambda r: "sb_secret_" + R(r, B64URL, 31), "SUPABASE_SECRET_KEY", "secret key", prefix="sb_secret_", header=H("apikey")),
            F("service-role", supabase_service_jwt, "SUPABASE_SERVICE_ROLE_KEY", "service role key", prefix="eyJ", lite=True),
        ]),
        ("telegram", "other", "Telegram", "telegram", "api.telegram.org", [
            F("bot-token", lambda r: str(r.randrange(10**8, 10**10)) + ":AA" + R(r, B64URL, 33), "TELEGRAM_BOT_TOKEN", "bot token", extras=[
                ("bot-url", "bash-call", None, f'{CURL} "https://api.telegram.org/bot{M}/sendMessage?chat_id=-1001234&text=deployed"'),
            ]),
        ]),
        ("vercel", "other", "Vercel", "vercel", "api.vercel.com", [
            F("token", lambda r: R(r, ALNUM, 24), "VERCEL_TOKEN", "access token", header=bearer, flag="token"),
        ]),
        ("azure-entra", "other", "Azure AD / Entra ID", "az", "login.microsoftonline.com", [
            F("client-secret", lambda r: R(r, ALNUM, 3) + "8Q~" + R(r, ALNUM + "_.-", 31) + R(r, ALNUM, 3), "AZURE_CLIENT_SECRET", "client secret", extras=[
                ("az-login", "bash-call", None, f"az login --service-principal -u 0b7e6c1a-52f4-4f87-9a31-2c8d5e6f7a90 -p {M} --tenant acme.onmicrosoft.com"),
                ("token-request", "bash-call", None, f"{CURL} -X POST https://login.microsoftonline.com/acme.onmicrosoft.com/oauth2/v2.0/token -d grant_type=client_credentials -d client_id=0b7e6c1a-52f4-4f87-9a31-2c8d5e6f7a90 -d client_secret={M} -d scope=https://graph.microsoft.com/.default"),
            ]),
            F("client-secret-7q", lambda r: R(r, ALNUM, 3) + "7Q~" + R(r, ALNUM + "_.-", 31) + R(r, ALNUM, 3), "AZURE_CLIENT_SECRET", "client secret", lite=True),
            F("legacy-client-secret", lambda r: R(r, ALNUM + "+/=_.-", 32), "AZURE_CLIENT_SECRET", "client secret", lite=True),
        ]),
        ("azure-devops", "other", "Azure DevOps", "az devops", "dev.azure.com", [
            F("pat", ado_new, "AZURE_DEVOPS_EXT_PAT", "personal access token", prefix=None, extras=[
                ("git-url", "bash-call", None, f"git clone https://acme:{M}@dev.azure.com/acme/Platform/_git/infra"),
                ("curl-user", "bash-call", None, f"{CURL} -u :{M} 'https://dev.azure.com/acme/_apis/projects?api-version=7.1'"),
            ]),
            F("legacy-pat", lambda r: R(r, LOWER + "234567", 52), "AZURE_DEVOPS_EXT_PAT", "personal access token", extras=[
                ("az-login", "bash-call", None, f"echo {M} | az devops login --organization https://dev.azure.com/acme"),
            ]),
        ]),
        ("aws-bedrock", "other", "Amazon Bedrock", "aws", "bedrock-runtime.us-east-1.amazonaws.com", [
            F("long-term-key", bedrock_long, "AWS_BEARER_TOKEN_BEDROCK", "API key", prefix="ABSK", header=bearer),
            F("short-term-key", bedrock_short, "AWS_BEARER_TOKEN_BEDROCK", "API key", prefix="bedrock-api-key-", header=bearer),
        ]),
        ("onepassword", "other", "1Password", "op", "my.1password.com", [
            F("service-account", op_service_account, "OP_SERVICE_ACCOUNT_TOKEN", "service account token", prefix="ops_"),
            F("secret-key", op_secret_key, "OP_SECRET_KEY", "Secret Key", prefix="A3-", lite=True),
        ]),
        ("codecov", "other", "Codecov", "codecov", "codecov.io", [
            F("upload-token", uuid4, "CODECOV_TOKEN", "upload token", flag="token", extras=[
                ("uploader-t", "bash-call", None, f"./codecov -t {M} -f coverage.xml"),
            ]),
        ]),
        ("cohere", "other", "Cohere", "co", "api.cohere.com", [
            F("api-key", lambda r: R(r, ALNUM, 40), "CO_API_KEY", header=bearer),
        ]),
        ("teams-webhook", "other", "Microsoft Teams webhook", "curl", "", [
            F("incoming-webhook", teams_webhook, "TEAMS_WEBHOOK_URL", "webhook", wrap=lambda s: f"https://acme.webhook.office.com/webhookb2/0f8e4c2a-6b1d-4e7f-9a3c-5d2b8e1f4a6c@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/{s}", extras=[
                ("webhook-url", "bash-call", None, f"{CURL} -H 'Content-Type: application/json' -d '{{\"text\":\"deploy ok\"}}' https://acme.webhook.office.com/webhookb2/{uuid4(random.Random(15))}@{uuid4(random.Random(16))}/IncomingWebhook/{M}"),
                ("webhook-env", "read-result", "/home/dev/acme-api/.env", f"TEAMS_WEBHOOK_URL=https://acme.webhook.office.com/webhookb2/{uuid4(random.Random(17))}@{uuid4(random.Random(18))}/IncomingWebhook/{M}\n"),
                ("webhook-json-slash", "bash-result", None, '{"teams":"https:\\/\\/acme.webhook.office.com\\/webhookb2\\/' + uuid4(random.Random(19)) + '@' + uuid4(random.Random(20)) + '\\/IncomingWebhook\\/' + M + '"}'),
            ]),
            F("workflow-sig", lambda r: R(r, B64URL, 43), "TEAMS_WORKFLOW_URL", "workflow URL", lite=True, wrap=lambda s: f"https://prod-27.westeurope.logic.azure.com:443/workflows/3c9a1e7f5b2d4086a1c3e5f7092b4d6e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={s}", extras=[
                ("workflow-url", "bash-call", None, f"{CURL} -X POST 'https://prod-27.westeurope.logic.azure.com:443/workflows/{R(random.Random(21), HEX, 32)}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={M}' -d @card.json"),
            ]),
        ]),
        ("kubernetes", "other", "Kubernetes", "kubectl", "", [
            F("secret-data", k8s_secret_data, "DB_PASSWORD", "secret", only_extras=True, extras=[
                ("secret-yaml", "bash-result", None, f"apiVersion: v1\ndata:\n  password: {M}\n  username: YmlsbGluZw==\nkind: Secret\nmetadata:\n  name: billing-db\n  namespace: prod\ntype: Opaque\n"),
                ("secret-manifest", "read-result", "/home/dev/acme-api/k8s/secret.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-keys\ntype: Opaque\ndata:\n  STRIPE_KEY: {M}\n"),
                ("secret-json", "bash-result", None, f'{{\n    "apiVersion": "v1",\n    "data": {{\n        "password": "{M}"\n    }},\n    "kind": "Secret"\n}}'),
            ]),
            F("string-data", password, "DB_PASSWORD", "secret", only_extras=True, extras=[
                ("string-data", "read-result", "/home/dev/acme-api/k8s/secret.yaml", f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing-db\nstringData:\n  password: {M}\n"),
                ("create-literal", "bash-call", None, f"kubectl create secret generic billing-db --from-literal=password='{M}' -n prod"),
            ]),
            F("kubeconfig-token", k8s_sa_token, "KUBE_TOKEN", "token", extras=[
                ("kubeconfig", "read-result", "/home/dev/.kube/config", f"apiVersion: v1\nkind: Config\nusers:\n- name: deployer\n  user:\n    token: {M}\n"),
                ("kubectl-token", "bash-call", None, f"kubectl --server https://k8s.acme-internal.dev:6443 --token {M} get pods -n prod"),
            ], lite=True),
            F("kubeconfig-client-key", lambda r: b64(("-----BEGIN RSA PRIVATE KEY-----\n" + pem_body(r, 1190, bytes.fromhex("308204a40201000282010100")) + "\n-----END RSA PRIVATE KEY-----\n").encode()),
              "KUBE_CLIENT_KEY", "client key", only_extras=True, extras=[
                ("kubeconfig", "read-result", "/home/dev/.kube/config", f"users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUREekNDQWZlZ0F3SUJBZ0lJ\n    client-key-data: {M}\n"),
            ]),
            F("bootstrap-token", lambda r: R(r, LOWER + DIGITS, 6) + "." + R(r, LOWER + DIGITS, 16), "KUBEADM_TOKEN", "bootstrap token", lite=True, extras=[
                ("kubeadm-join", "bash-call", None, f"kubeadm join 10.0.0.10:6443 --token {M} --discovery-token-ca-cert-hash sha256:{R(random.Random(22), HEX, 64)}"),
            ]),
        ]),
        # ... and more services developers use in coding sessions
        ("shopify", "other", "Shopify", "shopify", "acme.myshopify.com", [
            F("access-token", lambda r: "shpat_" + R(r, HEX, 32), "SHOPIFY_ACCESS_TOKEN", "access token", prefix="shpat_", header=H("X-Shopify-Access-Token")),
            F("shared-secret", lambda r: "shpss_" + R(r, HEX, 32), "SHOPIFY_API_SECRET", "shared secret", prefix="shpss_", lite=True),
            F("custom-app", lambda r: "shpca_" + R(r, HEX, 32), "SHOPIFY_ACCESS_TOKEN", "access token", prefix="shpca_", lite=True),
        ]),
        ("notion", "other", "Notion", "notion", "api.notion.com", [
            F("integration-token", lambda r: "ntn_" + R(r, DIGITS, 11) + R(r, ALNUM, 35), "NOTION_TOKEN", "integration token", prefix="ntn_", header=bearer),
            F("legacy-secret", lambda r: "secret_" + R(r, ALNUM, 43), "NOTION_API_KEY", "integration secret", prefix="secret_", header=bearer, lite=True),
        ]),
        ("doppler", "other", "Doppler", "doppler", "api.doppler.com", [
            F("personal-token", lambda r: "dp.pt." + R(r, ALNUM, 43), "DOPPLER_TOKEN", "personal token", prefix="dp.pt.", header=bearer),
            F("service-token", lambda r: "dp.st.prd." + R(r, ALNUM, 40), "DOPPLER_TOKEN", "service token", prefix="dp.st.", lite=True),
        ]),
        ("digitalocean", "other", "DigitalOcean", "doctl", "api.digitalocean.com", [
            F("pat", lambda r: "dop_v1_" + R(r, HEX, 64), "DIGITALOCEAN_TOKEN", "access token", prefix="dop_v1_", header=bearer, flag="access-token"),
            F("oauth", lambda r: "doo_v1_" + R(r, HEX, 64), "DIGITALOCEAN_OAUTH_TOKEN", "OAuth token", prefix="doo_v1_", lite=True),
            F("spaces-secret", lambda r: R(r, B64, 43), "SPACES_SECRET_ACCESS_KEY", "Spaces secret key", lite=True),
        ]),
        ("openrouter", "other", "OpenRouter", "openrouter", "openrouter.ai", [
            F("api-key", lambda r: "sk-or-v1-" + R(r, HEX, 64), "OPENROUTER_API_KEY", prefix="sk-or-v1-", header=bearer),
        ]),
        ("groq", "other", "Groq", "groq", "api.groq.com", [
            F("api-key", lambda r: "gsk_" + R(r, ALNUM, 52), "GROQ_API_KEY", prefix="gsk_", header=bearer),
        ]),
        ("xai", "other", "xAI", "xai", "api.x.ai", [
            F("api-key", lambda r: "xai-" + R(r, ALNUM, 80), "XAI_API_KEY", prefix="xai-", header=bearer),
        ]),
        ("mistral", "other", "Mistral", "mistral", "api.mistral.ai", [
            F("api-key", lambda r: R(r, ALNUM, 32), "MISTRAL_API_KEY", header=bearer),
        ]),
        ("perplexity", "other", "Perplexity", "pplx", "api.perplexity.ai", [
            F("api-key", lambda r: "pplx-" + R(r, ALNUM, 48), "PERPLEXITY_API_KEY", prefix="pplx-", header=bearer),
        ]),
        ("replicate", "other", "Replicate", "replicate", "api.replicate.com", [
            F("api-token", lambda r: "r8_" + R(r, ALNUM, 37), "REPLICATE_API_TOKEN", "API token", prefix="r8_", header=bearer),
        ]),
        ("rubygems", "other", "RubyGems", "gem", "rubygems.org", [
            F("api-key", lambda r: "rubygems_" + R(r, HEX, 48), "GEM_HOST_API_KEY", prefix="rubygems_", header=H("Authorization"), extras=[
                ("gem-credentials", "read-result", "/home/dev/.gem/credentials", f"---\n:rubygems_api_key: {M}\n"),
            ]),
        ]),
        ("age", "other", "age", "age", "", [
            F("secret-key", lambda r: "AGE-SECRET-KEY-1" + R(r, BECH32, 58), "SOPS_AGE_KEY", "secret key", prefix="AGE-SECRET-KEY-1", extras=[
                ("keys-txt", "read-result", "/home/dev/.config/sops/age/keys.txt", f"# created: 2026-01-10T09:12:44Z\n# public key: age1{R(random.Random(23), BECH32.lower(), 58)}\n{M}\n"),
            ]),
        ]),
        ("dropbox", "other", "Dropbox", "dbx", "api.dropboxapi.com", [
            F("short-lived", lambda r: "sl." + R(r, B64URL, 140), "DROPBOX_ACCESS_TOKEN", "access token", prefix="sl.", header=bearer),
        ]),
    ]


# ---------------------------------------------------------------------------------------------------------------
# Forms: how a session holds a value. Each returns (form, shape, path, template); the template has M once or more.
# ---------------------------------------------------------------------------------------------------------------

SECTIONS = {"red2": "credentials", "other": "integrations"}


def generic_forms(fam, f, r, cli, host):
    V, v, c, P = f.var, f.var.lower(), camel(f.var), pascal(f.var)
    svc = f.title or fam
    sect = slug(svc).replace("/", "").replace("--", "-").split("-")[0] or "service"
    flag = f.flag or "token"
    host = host or "api.acme-internal.dev"
    forms = [
        ("prose", "prompt", None, f"My {svc} {f.label} is {M} and every call returns 401 since this morning. Can you check what is wrong with the client setup?"),
        ("env", "read-result", "/home/dev/acme-api/.env", f"NODE_ENV=production\nLOG_LEVEL=info\n{V}={M}\nPORT=8080\n"),
        ("export", "bash-call", None, f"export {V}={M} && npm run deploy:staging"),
        ("env-quoted", "bash-result", None, f"$ cat .envrc\nexport {V}=\"{M}\"\nexport AWS_REGION=eu-west-1"),
        ("yaml", "read-result", "/home/dev/acme-api/config/production.yml", f"{sect}:\n  enabled: true\n  {v}: {M}\n  timeout_seconds: 30\n"),
        ("yaml-compose", "read-result", "/home/dev/acme-api/docker-compose.yml", f"services:\n  worker:\n    image: acme/worker:2.3\n    environment:\n      {V}: \"{M}\"\n      QUEUE: default\n"),
        ("toml", "read-result", "/home/dev/acme-api/config.toml", f"[{sect}]\n{v} = \"{M}\"\nretries = 3\n"),
        ("ini", "read-result", "/home/dev/acme-api/settings.ini", f"[{sect}]\n{v} = {M}\nregion = eu-west-1\n"),
        ("json", "read-result", "/home/dev/acme-api/appsettings.Production.json", f'{{\n  "{pascal(sect)}": {{\n    "{P}": "{M}",\n    "TimeoutSeconds": 30\n  }}\n}}\n'),
        ("json-escaped-slash", "bash-result", None, f'{{"ok":true,"endpoint":"https:\\/\\/{host}\\/v1\\/","{c}":"{M}"}}'),
        ("xml", "read-result", "/home/dev/acme-api/App.config", f'<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n    <add key="{P}" value="{M}" />\n  </appSettings>\n</configuration>\n'),
        ("xml-element", "read-result", "/home/dev/.m2/settings.xml", f"<settings>\n  <servers>\n    <server>\n      <id>{sect}</id>\n      <{c}>{M}</{c}>\n    </server>\n  </servers>\n</settings>\n"),
        ("flag", "bash-call", None, f"{cli} deploy --{flag} {M} --yes"),
        ("flag-equals", "bash-call", None, f"{cli} login --{flag}={M}"),
        ("code-python", "write-call", "/home/dev/acme-api/app/settings.py", f'import os\n\nDEBUG = False\n{V} = "{M}"\nTIMEOUT = 30\n'),
        ("code-js", "write-call", "/home/dev/acme-web/src/config.js", f"export const config = {{\n  {c}: '{M}',\n  retries: 3,\n}};\n"),
        ("code-csharp", "write-call", "/home/dev/acme-api/src/Settings.cs", f'internal static class Settings\n{{\n    public const string {P} = "{M}";\n}}\n'),
        ("code-go", "write-call", "/home/dev/acme-svc/config.go", f'package config\n\nconst {c} = "{M}"\n'),
        ("nested-transcript", "read-result", "/home/dev/.claude/projects/-home-dev-acme-api/5d0c7a2e-3b1f-4e8a-9c6d-2f4b8a1e7c3d.jsonl",
         json.dumps({"type": "user", "message": {"role": "user", "content": f"use {V}={M} for the staging deploy"},
                     "uuid": uuid4(r), "timestamp": "2026-01-12T09:30:11.402Z"}, separators=(",", ":")) + "\n"),
        ("assistant-echo", "assistant-text", None, f"I found the value in `.env`: `{V}={M}`. It is loaded by `dotenv` at start-up, so the 401 comes from somewhere else."),
    ]
    if f.header:
        name, pre = f.header
        forms.append(("header", "bash-call", None, f'{CURL} -H "{name}: {pre}{M}" https://{host}/v1/me'))
        forms.append(("header-json", "bash-result", None, f'{{"request":{{"method":"GET","url":"https://{host}/v1/me","headers":{{"{name}":"{pre}{M}"}}}}}}'))
    if f.query:
        forms.append(("url-query", "bash-call", None, f'{CURL} "https://{host}/v1/items?{f.query}={M}&limit=10"'))
    if f.prefix:
        forms.append(("raw-prompt", "prompt", None, f"try with this one instead: {M}"))
        forms.append(("raw-stdout", "bash-result", None, f"{M}\n"))
    return forms


def pem_forms(fam, f, r):
    t = "PRIVATE KEY" if fam == "google" else f.var  # the PEM label
    head, foot = f"-----BEGIN {t}-----", f"-----END {t}-----"
    esc = lambda s: s.replace("\n", "\\n")
    if fam == "google":
        def sa(body):
            return ('{\n  "type": "service_account",\n  "project_id": "acme-prod",\n  "private_key_id": "' + R(r, HEX, 40) +
                    '",\n  "private_key": "' + esc(head + "\n") + body + esc("\n" + foot + "\n") +
                    '",\n  "client_email": "deployer@acme-prod.iam.gserviceaccount.com",\n  "client_id": "' + R(r, DIGITS, 21) + '"\n}\n')
        return [("service-account-json", "read-result", "/home/dev/acme-api/gcp-key.json", sa, esc),
                ("service-account-cat", "bash-result", None, sa, esc),
                ("service-account-env", "bash-call", None,
                 lambda b: "export GOOGLE_PRIVATE_KEY=\"" + esc(head + "\n") + b + esc("\n" + foot) + "\" && node scripts/sheets.js", esc),
                ("service-account-prompt", "prompt", None,
                 lambda b: "auth fails with this key, why?\n" + sa(b), esc)]
    return [
        ("raw-file", "read-result", "/home/dev/.ssh/id_deploy", lambda b: f"{head}\n{b}\n{foot}\n", None),
        ("raw-cat", "bash-result", None, lambda b: f"{head}\n{b}\n{foot}", None),
        ("json-escaped", "bash-result", None, lambda b: '{"name":"deploy-key","private_key":"' + esc(f"{head}\n") + esc(b) + esc(f"\n{foot}\n") + '"}', esc),
        ("env-escaped", "read-result", "/home/dev/acme-api/.env", lambda b: "JWT_PRIVATE_KEY=\"" + esc(f"{head}\n") + esc(b) + esc(f"\n{foot}") + "\"\n", esc),
        ("yaml-block", "read-result", "/home/dev/acme-api/values.yaml",
         lambda b: "tls:\n  key: |\n    " + f"{head}\n" + "\n".join("    " + x for x in b.split("\n")) + f"\n    {foot}\n", "yaml"),
        ("prompt", "prompt", None, lambda b: f"ssh says the key is invalid format:\n{head}\n{b}\n{foot}", None),
        ("terraform", "write-call", "/home/dev/infra/main.tf",
         lambda b: f'resource "tls_locally_signed_cert" "api" {{\n  ca_private_key_pem = <<EOT\n{head}\n{b}\n{foot}\nEOT\n}}\n', None),
    ]


def make_tp(fam, f, form, shape, path, template, value, secret):
    assert M in template, (fam, f.name, form)
    inner = value.index(secret)
    first = template.index(M) + inner
    text = template.replace(M, value)
    return dict(format=f.name, form=form, shape=shape, path=path, text=text, span=[first, first + len(secret)])


def tp_cases(fam, group, title, cli, host, fmts, r):
    out = []
    for f in fmts:
        f.title = title
        if fam == "pem" or (fam == "google" and f.name == "service-account-key"):
            for form, shape, path, build, enc in pem_forms(fam, f, r):
                body = f.gen(r)
                stored = body if enc in (None, "yaml") else enc(body)
                if enc == "yaml":
                    text = build(body)
                    stored = "\n".join("    " + x for x in body.split("\n")).lstrip()
                else:
                    text = build(stored if enc else body)
                start = text.index(stored)
                out.append(dict(format=f.name, form=form, shape=shape, path=path, text=text, span=[start, start + len(stored)]))
            continue
        forms = [] if f.only_extras else generic_forms(fam, f, r, cli, host)
        if f.lite and forms:
            keep = {"env", "prose", "nested-transcript"} | ({"raw-stdout"} if f.prefix else set())
            rest = [x for x in forms if x[0] not in keep]
            forms = [x for x in forms if x[0] in keep] + r.sample(rest, min(5, len(rest)))
        extra_ids = {id(x) for x in f.extras}
        for item in forms + f.extras:
            form, shape, path, template = item
            secret = f.gen(r)
            # A generic form assigns the whole value (a URL around its password); a header form and the format's own
            # forms carry their context themselves.
            wrapped = f.wrap and id(item) not in extra_ids and not form.startswith("header")
            value = f.wrap(secret) if wrapped else secret
            if form.endswith("json-escaped-slash"):
                put = lambda s: s.replace("/", "\\/")
            elif form == "nested-transcript":
                put = lambda s: json.dumps(s)[1:-1]
            else:
                put = lambda s: s
            out.append(make_tp(fam, f, form, shape, path, template, put(value), put(secret)))
    return out


# ---------------------------------------------------------------------------------------------------------------
# False positives: placeholders, templates, documentation values of each format, and text with no secret at all.
# ---------------------------------------------------------------------------------------------------------------

def sample_len(f, r):
    return len(f.gen(random.Random(0)))


def fp_for_format(fam, f, r, cli, host):
    V, v, c, P = f.var, f.var.lower(), camel(f.var), pascal(f.var)
    svc = slug(f.title or fam)
    out = []
    if fam == "pem":
        head, foot = f"-----BEGIN {V}-----", f"-----END {V}-----"
        out.append(("ellipsis-body", "read-result", "/home/dev/acme-api/docs/tls.md", f"Paste your key into `tls.key`:\n\n```\n{head}\n...\n{foot}\n```\n", "documentation placeholder body"))
        out.append(("angle-body", "assistant-text", None, f"The file must look like this:\n{head}\n<your private key>\n{foot}", "placeholder body"))
        out.append(("x-body", "read-result", "/home/dev/acme-api/README.md", f"{head}\n{'X' * 64}\n{'X' * 64}\n{foot}\n", "repeated characters"))
        out.append(("header-only", "bash-result", None, f"$ grep -rn 'BEGIN {V}' src/\nsrc/keys.ts:12:  if (pem.startsWith('{head}')) {{", "code that names the header"))
        return out
    n = sample_len(f, r)
    pre = f.prefix if f.prefix and not f.prefix.startswith(".") else ""
    body_len = max(8, n - len(pre))
    seen = set("".join(f.gen(random.Random(k))[len(pre):] for k in range(8)))
    seq = next((a for a in (DIGITS, HEX, DIGITS + UPPER, DIGITS + LOWER, B62) if seen & set(B62) <= set(a)), B62)
    look = R(r, seq, max(0, body_len - 7))  # random-looking, with the documentation marker at the end
    if pre:
        out.append(("placeholder-x", "read-result", "/home/dev/acme-api/.env.example", f"{V}={pre}{'x' * body_len}\n", "xxxx placeholder"))
        out.append(("repeated", "read-result", "/home/dev/acme-api/config/test.yml", f"{v}: {pre}{'A' * body_len}\n", "repeated character"))
        out.append(("sequential", "write-call", "/home/dev/acme-api/tests/fixtures.py", f'FAKE_{V} = "{pre}{(seq * 10)[:body_len]}"\n', "sequential characters"))
        out.append(("ellipsis", "assistant-text", None, f"Set `{V}` to your key (it starts with `{pre}...`), then restart the server.", "truncated documentation value"))
        out.append(("example-marker", "read-result", "/home/dev/acme-api/docs/setup.md", f"```\nexport {V}={pre}{look}EXAMPLE\n```\n", "EXAMPLE value"))
        out.append(("prefix-placeholder", "read-result", "/home/dev/acme-api/README.md", f"| `{V}` | `{pre}<your-token>` | required |\n", "angle-bracket placeholder"))
    kinds = [
        ("angle-placeholder", "read-result", "/home/dev/acme-api/.env.example", f"{V}=<your-{svc}-{slug(f.label)}>\n", "angle-bracket placeholder"),
        ("env-reference", "read-result", "/home/dev/acme-api/docker-compose.yml", f"services:\n  api:\n    environment:\n      {V}: ${{{V}}}\n", "template reference"),
        ("ci-secret", "read-result", "/home/dev/acme-api/.github/workflows/deploy.yml", f"    env:\n      {V}: ${{{{ secrets.{V} }}}}\n", "CI secret reference"),
        ("code-lookup", "write-call", "/home/dev/acme-api/app/settings.py", f'{V} = os.environ["{V}"]\n', "environment lookup"),
        ("code-lookup-js", "write-call", "/home/dev/acme-web/src/config.ts", f"const {c} = process.env.{V} ?? '';\n", "environment lookup"),
        ("masked", "bash-result", None, f"$ heroku config\n{V}: ********\n", "masked value"),
        ("your-key-here", "read-result", "/home/dev/acme-api/config.toml", f'{v} = "your_{slug(f.label).replace("-", "_")}_here"\n', "placeholder words"),
        ("changeme", "read-result", "/home/dev/acme-api/settings.ini", f"{v} = changeme\n", "placeholder word"),
        ("redacted-marker", "bash-result", None, f"{V}=[REDACTED:{fam}-{f.name}]\n", "already redacted"),
        ("secret-ref", "read-result", "/home/dev/acme-api/.env.tpl", f"{V}=op://Engineering/{svc}/credential\n", "1Password secret reference"),
        ("vault-ref", "read-result", "/home/dev/acme-api/config/production.yml", f"{v}: vault:secret/data/prod/{svc}#{v}\n", "Vault reference"),
        ("empty", "read-result", "/home/dev/acme-api/.env.example", f"{V}=\nPORT=8080\n", "empty value"),
        ("flag-variable", "bash-call", None, f'{cli} deploy --{f.flag or "token"} "${V}"', "shell variable"),
        ("header-variable", "bash-call", None, f'{CURL} -H "{(f.header or ("Authorization", "Bearer "))[0]}: {(f.header or ("", "Bearer "))[1]}${V}" https://{host or "api.acme-internal.dev"}/v1/me', "shell variable"),
        ("file-path", "read-result", "/home/dev/acme-api/.env", f"{V}_FILE=/run/secrets/{v}\n", "path to a secret file"),
    ]
    take = 3 if f.lite else 6
    out.extend(r.sample(kinds, take))
    return out


PUBLISHED_EXAMPLES = {
    # Values the providers print in their own documentation.
    "aws": [("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "AWS documentation example keys"),
            ("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "AWS documentation example keys")],
    "stripe": [("STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc\n", "Stripe documentation test key"),
               ("curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:", "Stripe documentation test key")],
    "azure-storage": [("AzureWebJobsStorage=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\n", "Azurite / storage emulator well-known key"),
                      ("AZURE_STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true\n", "emulator shortcut")],
    "telegram": [("TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11\n", "Telegram Bot API documentation example")],
    "jwt": [("Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n", "jwt.io documentation example")],
    "slack": [("SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n", "Slack documentation example webhook")],
    "twilio": [("TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\nTWILIO_AUTH_TOKEN=your_auth_token\n", "Twilio documentation placeholders")],
    "mailgun": [("curl -s --user 'api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0' https://api.mailgun.net/v3/samples.mailgun.org/log", "Mailgun documentation example key")],
    "kubernetes": [("apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\ntype: Opaque\ndata:\n  username: YWRtaW4=\n  password: MWYyZDFlMmU2N2Rm\n", "Kubernetes documentation example Secret")],
    "terraform-cloud": [('credentials "app.terraform.io" {\n  token = "xxxxxx.atlasv1.zzzzzzzzzzzzz"\n}\n', "Terraform documentation placeholder")],
    "url-password": [("DATABASE_URL=postgresql://user:secret@localhost\n", "PostgreSQL documentation example"),
                     ("MONGODB_URI=mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/?retryWrites=true\n", "MongoDB Atlas documentation placeholder"),
                     ("git clone https://username:password@github.com/username/repository.git", "username:password placeholder"),
                     ("DATABASE_URL=postgres://postgres:${POSTGRES_PASSWORD}@db:5432/app\n", "template reference"),
                     ("REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0\n", "template reference"),
                     ('"ConnectionStrings": { "Default": "Server=(localdb)\\\\mssqllocaldb;Database=App;Trusted_Connection=True;" }', "no password"),
                     ("spring.datasource.password=${DB_PASSWORD}\n", "template reference"),
                     ("DATABASE_URL=mysql://root:password@127.0.0.1:3306/app\n", "documentation password"),
                     ("amqp://guest:guest@localhost:5672/", "RabbitMQ documented default")],
    "authorization": [("curl -H 'Authorization: Bearer <token>' https://api.example.com/v1/me", "angle-bracket placeholder"),
                      ("curl -H \"Authorization: Bearer $TOKEN\" https://api.example.com/v1/me", "shell variable"),
                      ("Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=\n", "base64 of username:password (documentation)"),
                      ("curl -u username:password https://api.example.com/", "documentation credentials"),
                      ("curl -u \"$USER:$API_TOKEN\" https://api.example.com/", "shell variables"),
                      ('headers = {"Authorization": f"Bearer {token}"}\n', "code template"),
                      ("Authorization: Bearer YOUR_ACCESS_TOKEN\n", "placeholder words"),
                      ('"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}', "OpenAPI scheme")],
    "github": [("git clone https://${GITHUB_TOKEN}@github.com/acme/api.git", "shell variable"),
               ("GITHUB_TOKEN=ghp_************************************\n", "masked"),
               ("- uses: actions/checkout@v4\n  with:\n    token: ${{ secrets.GITHUB_TOKEN }}\n", "CI secret reference")],
    "nuget": [('<add key="ClearTextPassword" value="%NUGET_PAT%" />\n', "environment reference"),
              ('<add key="ClearTextPassword" value="$(FeedPassword)" />\n', "MSBuild property reference")],
    "npm": [("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", "environment reference")],
    "google": [('"private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"', "documentation placeholder")],
    "vault": [("export VAULT_TOKEN=root\nvault server -dev -dev-root-token-id=root\n", "Vault dev-mode documentation token")],
    "sentry": [("SENTRY_DSN=https://examplePublicKey@o0.ingest.sentry.io/0\n", "Sentry documentation DSN")],
}

NO_SECRET = [
    # Text with long random-looking strings and no secret context.
    lambda r: ("git-log", "bash-result", None, "\n".join(f"commit {R(r, HEX, 40)}\nAuthor: Jane Doe <jane@acme.dev>\nDate:   Mon Jan 12 09:{10 + i}:00 2026 +0100\n\n    fix: retry on 502\n" for i in range(3)), "git SHAs"),
    lambda r: ("git-oneline", "bash-result", None, "\n".join(f"{R(r, HEX, 7)} {m}" for m in ["fix flaky test", "bump deps", "add retry", "docs"]), "short SHAs"),
    lambda r: ("rev-parse", "bash-result", None, R(r, HEX, 40) + "\n", "git SHA"),
    lambda r: ("sha256sum", "bash-result", None, f"{R(r, HEX, 64)}  dist/acme-cli-linux-amd64.tar.gz\n{R(r, HEX, 64)}  dist/acme-cli-darwin-arm64.tar.gz", "checksums"),
    lambda r: ("package-lock", "read-result", "/home/dev/acme-web/package-lock.json", f'    "node_modules/lodash": {{\n      "version": "4.17.21",\n      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",\n      "integrity": "sha512-{b64(r.randbytes(64))}"\n    }},\n', "integrity hash"),
    lambda r: ("go-sum", "read-result", "/home/dev/acme-svc/go.sum", f"github.com/google/uuid v1.6.0 h1:{b64(r.randbytes(32))}\ngithub.com/google/uuid v1.6.0/go.mod h1:{b64(r.randbytes(32))}\n", "module hashes"),
    lambda r: ("cargo-lock", "read-result", "/home/dev/acme-rs/Cargo.lock", f'[[package]]\nname = "serde"\nversion = "1.0.217"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "{R(r, HEX, 64)}"\n', "crate checksum"),
    lambda r: ("pip-hash", "read-result", "/home/dev/acme-api/requirements.txt", f"requests==2.32.3 \\\n    --hash=sha256:{R(r, HEX, 64)}\n", "pip hash"),
    lambda r: ("docker-digest", "bash-result", None, f"REPOSITORY   TAG   DIGEST                                                                    IMAGE ID\nacme/api     1.4   sha256:{R(r, HEX, 64)}   {R(r, HEX, 12)}", "image digest"),
    lambda r: ("docker-ps", "bash-result", None, f"CONTAINER ID   IMAGE          STATUS\n{R(r, HEX, 12)}   acme/api:1.4   Up 3 hours\n{R(r, HEX, 12)}   postgres:16    Up 3 hours", "container ids"),
    lambda r: ("uuid-json", "bash-result", None, json.dumps({"id": uuid4(r), "orderId": uuid4(r), "customer": uuid4(r), "status": "paid"}), "UUIDs without secret context"),
    lambda r: ("uuid-log", "bash-result", None, f"2026-01-12T09:14:02Z INFO request_id={uuid4(r)} trace_id={R(r, HEX, 32)} span_id={R(r, HEX, 16)} status=200", "trace ids"),
    lambda r: ("csproj-guid", "read-result", "/home/dev/acme-api/Acme.sln", f'Project("{{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}}") = "Acme.Api", "src\\Acme.Api\\Acme.Api.csproj", "{{{uuid4(r).upper()}}}"\n', "project GUID"),
    lambda r: ("png-data-uri", "read-result", "/home/dev/acme-web/src/logo.css", f".logo {{ background: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAA{b64(r.randbytes(300))}); }}\n", "base64 image"),
    lambda r: ("svg-data-uri", "write-call", "/home/dev/acme-web/src/icons.ts", f"export const check = 'data:image/svg+xml;base64,{b64(r.randbytes(180))}';\n", "base64 image"),
    lambda r: ("woff-font", "read-result", "/home/dev/acme-web/src/fonts.css", f"@font-face {{ font-family: Inter; src: url(data:font/woff2;base64,d09GMgABAAAAA{b64(r.randbytes(240))}) format('woff2'); }}\n", "base64 font"),
    lambda r: ("ssh-public-key", "read-result", "/home/dev/.ssh/id_ed25519.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b64(r.randbytes(32))[:43]} jane@laptop\n", "public key"),
    lambda r: ("ssh-rsa-public", "read-result", "/home/dev/.ssh/authorized_keys", f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{b64(r.randbytes(256))} deploy@ci\n", "public key"),
    lambda r: ("certificate", "read-result", "/home/dev/acme-api/certs/ca.crt", "-----BEGIN CERTIFICATE-----\n" + pem_body(r, 600, bytes.fromhex("30820254308201bd")) + "\n-----END CERTIFICATE-----\n", "certificate"),
    lambda r: ("public-key-pem", "read-result", "/home/dev/acme-api/keys/jwt.pub", "-----BEGIN PUBLIC KEY-----\n" + pem_body(r, 294, bytes.fromhex("30820122300d06092a864886f70d01010105000382010f00")) + "\n-----END PUBLIC KEY-----\n", "public key"),
    lambda r: ("source-map", "read-result", "/home/dev/acme-web/dist/main.js.map", '{"version":3,"sources":["../src/index.ts"],"names":[],"mappings":"' + ";".join(R(r, "ABCDEFGIKMOQSUWYacegikmoqsuwy", 12) for _ in range(8)) + '"}', "source map"),
    lambda r: ("webpack-assets", "bash-result", None, "\n".join(f"dist/assets/{n}.{R(r, HEX, 8)}.js   {r.randrange(10, 300)}.4 kB" for n in ["index", "vendor", "charts"]), "content hashes"),
    lambda r: ("etag", "bash-result", None, f'HTTP/2 200\ncontent-type: application/json\netag: "{R(r, HEX, 32)}"\nx-amz-request-id: {R(r, UPPER + DIGITS, 16)}\nx-amz-id-2: {b64(r.randbytes(48))}\n', "response ids"),
    lambda r: ("aws-arn", "bash-result", None, json.dumps({"Arn": f"arn:aws:iam::{R(r, DIGITS, 12)}:role/deployer", "RoleId": "AROA" + R(r, B32, 17), "UserId": "AIDA" + R(r, B32, 17)}), "AWS ids"),
    lambda r: ("k8s-pods", "bash-result", None, "NAME                        READY   STATUS\n" + "\n".join(f"api-{R(r, LOWER + DIGITS, 10)}-{R(r, LOWER + DIGITS, 5)}   1/1     Running" for _ in range(3)), "pod names"),
    lambda r: ("configmap", "bash-result", None, f"apiVersion: v1\nkind: ConfigMap\nbinaryData:\n  logo.png: iVBORw0KGgo{b64(r.randbytes(90))}\ndata:\n  LOG_LEVEL: info\n", "binary config data"),
    lambda r: ("keyword-non-secret", "read-result", "/home/dev/acme-api/config/auth.yml", "auth:\n  token_type: bearer\n  token_ttl_seconds: 3600\n  password_min_length: 12\n  api_key_header: X-API-Key\n  secret_name: prod-db-credentials\n", "keywords with ordinary values"),
    lambda r: ("keyword-non-secret-json", "bash-result", None, '{"model":"claude-sonnet-4-5","max_tokens":4096,"tokenizer":"cl100k_base","password_policy":"strong","api_key_required":true}', "keywords with ordinary values"),
    lambda r: ("code-keywords", "write-call", "/home/dev/acme-api/app/auth.py", 'def check_password(password: str, password_hash: str) -> bool:\n    return bcrypt.checkpw(password.encode(), password_hash.encode())\n\nTOKEN_HEADER = "Authorization"\nsecret_key = settings.SECRET_KEY\n', "code that names secrets"),
    lambda r: ("bcrypt-hash", "bash-result", None, f"select email, password_hash from users limit 1;\n jane@acme.dev | $2b$12${R(r, ALNUM + './', 53)}", "password hash"),
    lambda r: ("anthropic-ids", "bash-result", None, json.dumps({"id": "msg_01" + R(r, ALNUM, 22), "type": "message", "content": [{"type": "tool_use", "id": "toolu_01" + R(r, ALNUM, 22), "name": "Bash"}], "request_id": "req_011C" + R(r, ALNUM, 20)}), "API object ids"),
    lambda r: ("stripe-ids", "bash-result", None, json.dumps({"id": "ch_3" + R(r, ALNUM, 23), "customer": "cus_" + R(r, ALNUM, 14), "payment_intent": "pi_3" + R(r, ALNUM, 23), "livemode": False}), "object ids"),
    lambda r: ("base64-prose", "bash-result", None, f"$ echo -n 'hello from the build server' | base64\n{b64(b'hello from the build server')}", "base64 of text"),
    lambda r: ("minified-js", "read-result", "/home/dev/acme-web/dist/vendor.js", "!function(e,t){\"object\"==typeof exports?module.exports=t():e." + R(r, LOWER, 6) + "=t()}(this,function(){var n=\"" + R(r, ALNUM, 40) + "\";return n});", "minified code"),
    lambda r: ("css-classes", "bash-result", None, "<div class=\"" + " ".join("css-" + R(r, LOWER + DIGITS, 7) for _ in range(5)) + "\">", "generated class names"),
    lambda r: ("lorem", "prompt", None, "Please rename `fetchOrdersByCustomerIdAndStatusWithPagination` to something shorter and update the 14 call sites in src/orders/.", "long identifier"),
    lambda r: ("env-no-secrets", "read-result", "/home/dev/acme-api/.env", "NODE_ENV=development\nPORT=3000\nLOG_LEVEL=debug\nFEATURE_FLAGS=checkout_v2,search_v3\nPUBLIC_URL=https://app.acme.dev\n", "configuration without secrets"),
    lambda r: ("placeholder-url", "read-result", "/home/dev/acme-api/README.md", "Set `DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB` and run `make migrate`.\n", "documentation placeholder"),
    lambda r: ("password-prompt", "bash-result", None, "$ sudo apt-get install jq\n[sudo] password for dev: \nReading package lists... Done", "password prompt"),
    lambda r: ("hex-colors", "read-result", "/home/dev/acme-web/tailwind.config.js", "colors: { brand: '#1f6feb', accent: '#ff7b72', muted: '#8b949e' }\n", "colours"),
]


def fp_cases(fam, group, title, cli, host, fmts, r):
    out = []
    for f in fmts:
        f.title = title
        for form, shape, path, text, note in fp_for_format(fam, f, r, cli, host):
            out.append(dict(format=f.name, form=form, shape=shape, path=path, text=text, span=None, note=note))
    for text, note in PUBLISHED_EXAMPLES.get(fam, []):
        shape = "bash-call" if text.startswith(("curl", "git ", "export")) else "read-result"
        out.append(dict(format="published", form="published-example", shape=shape,
                        path=None if shape == "bash-call" else "/home/dev/acme-api/docs/setup.md", text=text, span=None, note=note))
    return out


def generate():
    files = {}
    for fam, group, title, cli, host, fmts in fams():
        r = random.Random(f"{SEED}:{fam}")
        rows = [dict(kind="tp", **c) for c in tp_cases(fam, group, title, cli, host, fmts, r)]
        rows += [dict(kind="fp", **c) for c in fp_cases(fam, group, title, cli, host, fmts, r)]
        files[fam] = [finish(fam, group, i, row) for i, row in enumerate(rows, 1)]
    r = random.Random(f"{SEED}:none")
    rows, seen = [], set()
    for _ in range(4):
        for make in NO_SECRET:
            form, shape, path, text, note = make(r)
            if text in seen:  # a fixed text once only
                continue
            seen.add(text)
            rows.append(dict(kind="fp", format="none", form=form, shape=shape, path=path, text=text, span=None, note=note))
    files["no-secret"] = [finish("no-secret", "none", i, row) for i, row in enumerate(rows, 1)]
    return files


def finish(fam, group, i, row):
    out = {"id": f"{fam}-{row['kind']}-{i:03d}", "family": fam, "group": group}
    out.update(row)
    if out["kind"] == "tp":
        s, e = out["span"]
        assert 0 <= s < e <= len(out["text"]), out["id"]
    out.setdefault("note", None)
    return out


def render(rows):
    return "".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + "\n" for x in rows)


def main():
    check = "--check" in sys.argv[1:]
    files = generate()
    stale = []
    for fam, rows in files.items():
        path = os.path.join(HERE, fam + ".jsonl")
        text = render(rows)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(fam)
            if not check:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
    known = {f + ".jsonl" for f in files}
    extra = [n for n in os.listdir(HERE) if n.endswith(".jsonl") and n not in known]
    if check and (stale or extra):
        print(f"{HERE}: labelled set differs from generate.py for: {', '.join(stale + extra)}", file=sys.stderr)
        sys.exit(1)
    total = sum(len(v) for v in files.values())
    tp = sum(1 for v in files.values() for x in v if x["kind"] == "tp")
    if not check:
        print(f"{len(files)} families, {total} cases ({tp} true positives, {total - tp} false positives)")


if __name__ == "__main__":
    main()
