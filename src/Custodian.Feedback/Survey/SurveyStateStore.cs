using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Custodian.Policy.Account;

namespace Custodian.Feedback.Survey;

/// <summary>
/// Reads and writes the survey's keys of Custodian's client state file, <c>&lt;config-dir&gt;/custodian/state.json</c>
/// (the file <see cref="LocalAccount"/> reads, so a persisted Don't ask again reaches the policy engine as
/// <c>surveyDontAskAgain</c>). Every write is read-modify-write under a lock file, then a temporary file renamed
/// over the old one, so readers see the old or the new file, never half of one, and keys other components own
/// are kept as they were.
/// </summary>
public sealed class SurveyStateStore
{
    /// <summary><c>surveyDontAskAgain</c> (boolean; also read by <see cref="LocalAccount"/>).</summary>
    public const string DontAskAgainKey = "surveyDontAskAgain";

    /// <summary><c>surveyLastShownAt</c> (ISO 8601 text).</summary>
    public const string LastShownAtKey = "surveyLastShownAt";

    /// <summary><c>surveyLastShownSessionId</c>.</summary>
    public const string LastShownSessionKey = "surveyLastShownSessionId";

    /// <summary><c>surveyDrawnSessions</c> (array of session ids).</summary>
    public const string DrawnSessionsKey = "surveyDrawnSessions";

    /// <summary><c>publishedSurveyRate</c> (number in 0..1; also read by <see cref="LocalAccount"/>).</summary>
    public const string PublishedRateKey = "publishedSurveyRate";

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    /// <summary>A store for the state file under <paramref name="configDir"/>.</summary>
    public SurveyStateStore(string configDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDir);
        Path = LocalAccount.StatePath(configDir);
    }

    /// <summary>The state file.</summary>
    public string Path { get; }

    /// <summary>
    /// The survey's state. A missing file is a new user's state; an unreadable or malformed one is too, with
    /// <paramref name="warning"/> saying why (the survey never fails over it, and a write will refuse to clobber it).
    /// </summary>
    public SurveyState Load(out string? warning)
    {
        warning = null;
        JsonObject? root;
        try
        {
            root = ReadObject();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            warning = $"{Path}: ignored: {e.Message.Split('\n')[0]}";
            return SurveyState.Empty;
        }

        if (root is null) return SurveyState.Empty;
        var dontAsk = root[DontAskAgainKey] is JsonValue d && d.GetValueKind() == JsonValueKind.True;
        DateTimeOffset? shownAt = root[LastShownAtKey] is JsonValue a && a.GetValueKind() == JsonValueKind.String
            && DateTimeOffset.TryParse(a.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
        var shownSession = root[LastShownSessionKey] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;
        var drawn = new List<string>();
        if (root[DrawnSessionsKey] is JsonArray sessions)
        {
            foreach (var item in sessions)
            {
                if (item is JsonValue v && v.GetValueKind() == JsonValueKind.String) drawn.Add(v.GetValue<string>());
            }
        }

        return new SurveyState(dontAsk, shownAt, shownSession, drawn);
    }

    /// <summary>Records that <paramref name="sessionId"/> had its draw (shown or not), forgetting the oldest beyond the limit.</summary>
    public void RecordDraw(string sessionId) => Update(root => AddDrawn(root, sessionId));

    /// <summary>Records an appearance: last shown time and session, and the session's draw.</summary>
    public void RecordAppearance(SurveyAppearance appearance)
    {
        ArgumentNullException.ThrowIfNull(appearance);
        Update(root =>
        {
            root[LastShownAtKey] = appearance.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
            root[LastShownSessionKey] = appearance.SessionId;
            AddDrawn(root, appearance.SessionId);
        });
    }

    /// <summary>Persists Don't ask again (SHR-5): the follow-up is not offered in any later session.</summary>
    public void SetDontAskAgain() => Update(root => root[DontAskAgainKey] = true);

    /// <summary>Caches the rate the server publishes (SRV-2), for <see cref="LocalAccount"/> to read.</summary>
    public void SetPublishedRate(double rate)
    {
        if (double.IsNaN(rate) || rate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(rate), rate, "a rate is between 0 and 1");
        Update(root => root[PublishedRateKey] = rate);
    }

    /// <summary>Applies <paramref name="change"/> to the file's JSON object and replaces the file atomically.</summary>
    public void Update(Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        using var held = AcquireLock(System.IO.Path.Combine(directory, ".state.json.lock"));
        JsonObject root;
        try
        {
            root = ReadObject() ?? [];
        }
        catch (JsonException e)
        {
            // The file is someone's (perhaps a hand edit): never replace what cannot be read back.
            throw new IOException($"{Path}: cannot update: {e.Message.Split('\n')[0]}; fix or remove the file", e);
        }

        change(root);
        var temp = System.IO.Path.Combine(directory, $".state.json.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                root.WriteTo(writer);
                writer.Flush();
                stream.Write("\n"u8);
                stream.Flush(flushToDisk: true);
            }

            if (File.Exists(Path) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(Path));
            }

            File.Move(temp, Path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private JsonObject? ReadObject()
    {
        if (!File.Exists(Path)) return null;
        var bytes = File.ReadAllBytes(Path);
        var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        if (string.IsNullOrWhiteSpace(text)) return null;
        return JsonNode.Parse(text) as JsonObject ?? throw new JsonException("expected a JSON object");
    }

    private static void AddDrawn(JsonObject root, string sessionId)
    {
        var drawn = root[DrawnSessionsKey] as JsonArray ?? [];
        var kept = drawn.OfType<JsonValue>()
            .Where(v => v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() != sessionId)
            .Select(v => v.GetValue<string>())
            .ToList();
        kept.Add(sessionId);
        if (kept.Count > SurveyState.MaxDrawnSessions) kept.RemoveRange(0, kept.Count - SurveyState.MaxDrawnSessions);
        root[DrawnSessionsKey] = new JsonArray([.. kept.Select(k => (JsonNode?)JsonValue.Create(k))]);
    }

    private static FileStream AcquireLock(string lockPath)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockWait)
            {
                // Another custodian process is writing the state file; its write takes milliseconds.
                Thread.Sleep(25);
            }
        }
    }
}
