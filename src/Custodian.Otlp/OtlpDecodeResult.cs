namespace Custodian.Otlp;

/// <summary>How a request failed to decode.</summary>
public enum OtlpProblemKind
{
    /// <summary>Not a valid export request (HTTP 400, gRPC INVALID_ARGUMENT): the client must not retry it.</summary>
    Malformed,

    /// <summary>Valid so far, but beyond one of the <see cref="OtlpLimits"/> (HTTP 413, gRPC RESOURCE_EXHAUSTED).</summary>
    TooLarge,
}

/// <summary>Why a request could not be decoded: one line naming the place (<c>resourceLogs[0].scopeLogs[1]…</c>) and the problem.</summary>
/// <param name="Kind">Malformed, or over a bound.</param>
/// <param name="Message">The one-line reason.</param>
public sealed record OtlpProblem(OtlpProblemKind Kind, string Message);

/// <summary>A decoded request, or the problem that stopped its decoding (never both).</summary>
/// <typeparam name="T">The batch type.</typeparam>
/// <param name="Value">The batch, when decoded.</param>
/// <param name="Problem">The problem, when not.</param>
/// <param name="PayloadBytes">The size of the (decompressed) payload that was read.</param>
public sealed record OtlpDecodeResult<T>(T? Value, OtlpProblem? Problem, long PayloadBytes)
    where T : class
{
    /// <summary>Whether it decoded.</summary>
    public bool Succeeded => Problem is null;
}

/// <summary>The two encodings of OTLP over HTTP (gRPC always carries protobuf).</summary>
public enum OtlpEncoding
{
    /// <summary><c>application/x-protobuf</c>.</summary>
    Protobuf,

    /// <summary><c>application/json</c>: OTLP/JSON, the protobuf JSON mapping with OTLP's deviations.</summary>
    Json,
}
