namespace Custodian.Redaction.Internal;

/// <summary>
/// Names that say their value is secret, in any case style: <c>API_KEY</c>, <c>apiKey</c>, <c>api-key</c>,
/// <c>client_secret</c>, <c>X-Auth-Token</c>, <c>db.password</c>. A name is compared folded (ASCII letters and
/// digits only, lower case), so every spelling is one entry.
/// </summary>
internal static class SecretNames
{
    /// <summary>The longest name considered; longer runs are not names a person typed.</summary>
    public const int MaxName = 64;

    /// <summary>Characters of a name (its separators included: <c>_</c>, <c>-</c>, <c>.</c>).</summary>
    public static readonly AsciiSet NameChars = new(Chars.Letters + Chars.DigitChars + "_-.");

    // Folded endings of names whose value is a credential. A bare "key" is not one: monkey, sort_key, hotkey; nor a
    // bare "storagekey" (the name of a localStorage entry), only Azure's.
    private static readonly string[] Endings =
    [
        "apikey", "accesskey", "secretkey", "authkey", "privatekey", "masterkey", "signingkey", "encryptionkey",
        "clientkey", "appkey", "applicationkey", "adminkey", "servicekey", "accountkey", "licensekey", "subscriptionkey", "sharedkey",
        "webhookkey", "restkey", "serverkey", "writekey", "ingestkey", "hmackey", "jwtkey", "azurestoragekey", "apitoken", "token",
        "secret", "password", "passwd", "passphrase",
    ];

    // Folded endings that look secret but name something else: pagination cursors, limits, tokenizer symbols.
    private static readonly string[] NotSecret =
    [
        "maxtoken", "mintoken", "nexttoken", "pagetoken", "continuationtoken", "paginationtoken", "synctoken",
        "cursortoken", "canceltoken", "cancellationtoken", "lasttoken", "starttoken", "endtoken", "eostoken",
        "bostoken", "padtoken", "unktoken", "septoken", "clstoken", "masktoken", "numtoken", "tokentoken",
        "forgotpassword", "resetpassword", "changepassword", "haspassword", "requirepassword",
        "showpassword", "nopassword", "usepassword", "hassecret", "nosecret", "publicapikey",
    ];

    /// <summary>Folds <paramref name="name"/> into <paramref name="buffer"/> (lower-case letters and digits); returns the folded length.</summary>
    public static int Fold(ReadOnlySpan<char> name, Span<char> buffer)
    {
        int n = 0;
        foreach (char c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) && n < buffer.Length)
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        return n;
    }

    /// <summary>Whether a folded name ends in a credential word (and not in one of the look-alikes).</summary>
    public static bool IsSecretFolded(ReadOnlySpan<char> folded)
    {
        // Most names at an anchor are not secret (input_tokens, file_path, keyboard): every ending ends in one of
        // these letters, so the lists below are read only for names that might match.
        if (folded.IsEmpty || folded[^1] is not ('y' or 'n' or 't' or 'd' or 'e'))
        {
            return false;
        }

        bool secret = false;
        foreach (string ending in Endings)
        {
            if (folded.EndsWith(ending, StringComparison.Ordinal))
            {
                secret = true;
                break;
            }
        }

        if (!secret)
        {
            return false;
        }

        foreach (string look in NotSecret)
        {
            if (folded.EndsWith(look, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the raw name ends in a credential word.</summary>
    public static bool IsSecretName(ReadOnlySpan<char> name)
    {
        // A personal access token: GITHUB_PAT, ado-pat, AZURE_DEVOPS_EXT_PAT, and camelCase or PascalCase where "Pat"
        // starts a word (AzureDevopsExtPat, githubPat); but not "compat" or "spat".
        if (name.Length > 4 && name[^4] is '_' or '-' or '.' && name[^3..].Equals("pat", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (name.Length > 3 && name[^3..].SequenceEqual("Pat") && (char.IsAsciiLetterLower(name[^4]) || char.IsAsciiDigit(name[^4])))
        {
            return true;
        }

        Span<char> buffer = stackalloc char[MaxName];
        int n = Fold(name.Length > MaxName ? name[^MaxName..] : name, buffer);
        return IsSecretFolded(buffer[..n]);
    }
}
