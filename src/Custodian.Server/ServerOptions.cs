using Custodian.Storage;

namespace Custodian.Server;

/// <summary>How to run the server.</summary>
public sealed record ServerOptions
{
    /// <summary>The store.</summary>
    public required ICustodianStore Store { get; init; }

    /// <summary>Where to listen, e.g. <c>http://127.0.0.1:8787</c>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8787"];

    /// <summary>
    /// Where the OTLP gRPC receiver listens (cleartext HTTP/2, its own Kestrel endpoint), e.g. <c>http://127.0.0.1:4317</c>;
    /// none by default. OTLP over HTTP is served on <see cref="Urls"/> either way (OTL-1).
    /// </summary>
    public IReadOnlyList<string> OtlpGrpcUrls { get; init; } = [];

    /// <summary>
    /// How many telemetry records may wait for the group commit at once (OTL-6); an export request beyond it gets 503
    /// (gRPC: UNAVAILABLE) with <c>Retry-After</c> and nothing stored. A request is always taken when none is waiting.
    /// </summary>
    public long MaxQueuedTelemetryRecords { get; init; } = 65_536;

    /// <summary>The clock; tests pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often expired data is physically deleted (RET-7).</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The largest request body accepted; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>
    /// The memory all request bodies in flight may hold together (CUS-34); a request beyond it gets 503 with
    /// <c>Retry-After</c>. An event post counts three times its body (its events wait for the group commit as UTF-16
    /// text), other bodies once; a request is always admitted when no other body is held, so the budget never refuses
    /// a body the size limit allows outright.
    /// </summary>
    public long MaxRequestBodyMemoryBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Where bodies over 1 MiB wait, in a temporary file of their own, until they have all arrived (CUS-34); null is the
    /// system's temporary folder. The files are created 0600 and unlinked at once, so none outlives its request.
    /// </summary>
    public string? RequestBodySpoolDirectory { get; init; }

    /// <summary>The survey rate published at <c>GET /v1/config</c> (SRV-2).</summary>
    public double PublishedSurveyRate { get; init; } = 0.005;

    /// <summary>
    /// How long an authenticated API key is remembered without asking the store again (CUS-27). A revocation or role
    /// change made through this instance applies at once; one made elsewhere applies within this time. Zero turns
    /// the cache off.
    /// </summary>
    public TimeSpan KeyCacheLifetime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Structured JSON logs on the console (off in tests).</summary>
    public bool JsonConsoleLogs { get; init; } = true;
}
