using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Custodian.Feedback.Bundles;
using Custodian.Feedback.Egress;

namespace Custodian.Feedback.Survey;

/// <summary>
/// The survey's calls to the Custodian server, each tagged with its flow and sent through the
/// <see cref="EgressGate"/> (FLW-5): <c>POST /v1/survey/ratings</c> (SRV-1) and <c>GET /v1/config</c> (SRV-2).
/// </summary>
public sealed class SurveyServerClient
{
    private readonly HttpClient _http;
    private readonly ServerEndpoint _server;

    /// <summary>A client over <paramref name="gated"/>, an HttpClient whose handler chain includes the egress gate.</summary>
    public SurveyServerClient(HttpClient gated, ServerEndpoint server)
    {
        ArgumentNullException.ThrowIfNull(gated);
        ArgumentNullException.ThrowIfNull(server);
        _http = gated;
        _server = server;
    }

    /// <summary>The server.</summary>
    public ServerEndpoint Server => _server;

    /// <summary>Sends one rating: <c>{sessionId, appearanceId, rating}</c> and nothing else (SRV-1). Failures throw <see cref="HttpRequestException"/>.</summary>
    public async Task PostRatingAsync(RatingRecord rating, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rating);
        var body = RatingJson.Write(rating, withTime: false, encoder: null);
        using var request = EgressGate.Tag(new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseAddress, "v1/survey/ratings")), Flow.SurveyRatings);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        Authorize(request);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await ProblemDetailAsync(response, cancellationToken);
            throw new HttpRequestException($"the server refused the rating: {(int)response.StatusCode} {detail}", null, response.StatusCode);
        }
    }

    /// <summary>
    /// The rate the server publishes at <c>GET /v1/config</c> (SRV-2), or null when it publishes none or cannot be
    /// reached. Tagged as survey traffic: it is fetched only when ratings go to this server anyway.
    /// </summary>
    public async Task<double?> GetPublishedRateAsync(CancellationToken cancellationToken)
    {
        using var request = EgressGate.Tag(new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, "v1/config")), Flow.SurveyRatings);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode) return null;
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        return doc.RootElement.ValueKind == JsonValueKind.Object
            && doc.RootElement.TryGetProperty("feedbackSurveyRate", out var rate)
            && rate.ValueKind == JsonValueKind.Number && rate.GetDouble() is >= 0 and <= 1 and var value
            ? value
            : null;
    }

    private void Authorize(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.ApiKey);
    }

    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                return detail.GetString()!;
        }
        catch (JsonException)
        {
            // Not problem+json: the status says enough.
        }

        return response.ReasonPhrase ?? string.Empty;
    }
}

/// <summary>
/// Ratings kept only on the machine (sink <c>none</c>, SRV-5): one JSON line per rating in
/// <c>&lt;config-dir&gt;/custodian/ratings.jsonl</c>, with session id, appearance id, rating and time (SRV-1).
/// </summary>
public sealed class LocalRatingLog
{
    /// <summary>A log under <paramref name="configDir"/>.</summary>
    public LocalRatingLog(string configDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(configDir);
        Path = System.IO.Path.Combine(configDir, "custodian", "ratings.jsonl");
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Appends one rating as one line, written with one call so concurrent appends do not interleave.</summary>
    public void Append(RatingRecord rating)
    {
        ArgumentNullException.ThrowIfNull(rating);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var line = RatingJson.Write(rating, withTime: true, encoder: System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\n";
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Encoding.UTF8.GetBytes(line));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Every rating in the log; unreadable lines are skipped.</summary>
    public IReadOnlyList<RatingRecord> ReadAll()
    {
        if (!File.Exists(Path)) return [];
        var records = new List<RatingRecord>();
        foreach (var line in File.ReadLines(Path))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var r = doc.RootElement;
                records.Add(new RatingRecord(
                    r.GetProperty("sessionId").GetString()!, r.GetProperty("appearanceId").GetString()!,
                    (SurveyRating)r.GetProperty("rating").GetInt32(),
                    DateTimeOffset.Parse(r.GetProperty("at").GetString()!, CultureInfo.InvariantCulture)));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // A damaged line is not a rating.
            }
        }

        return records;
    }
}

/// <summary>
/// A rating as JSON, written field by field: the same bytes the serializer gave a dictionary of these fields, without
/// its reflection (the native build has none).
/// </summary>
internal static class RatingJson
{
    public static string Write(RatingRecord rating, bool withTime, System.Text.Encodings.Web.JavaScriptEncoder? encoder)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("sessionId", rating.SessionId);
            writer.WriteString("appearanceId", rating.AppearanceId);
            writer.WriteNumber("rating", (int)rating.Rating);
            if (withTime) writer.WriteString("at", rating.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
