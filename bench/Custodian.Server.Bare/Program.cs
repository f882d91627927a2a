using Custodian.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// The bare reference endpoint of bench/server/run.sh: hosted as Custodian.Server.CustodianServer hosts the real one
// (slim builder, same Kestrel limits, no per-request logs), with the same route. It reads the body, as the server
// does, and answers 201 {"stored":1}: no authentication, no parsing, no storage. For bench/server/otlp-ingest.sh it
// also serves POST /v1/logs: reads the body, decodes it with the server's own OTLP decoder (Custodian.Otlp, the same
// bounds) and answers the empty ExportLogsServiceResponse: decode only, no authentication, policy or storage.
//   Custodian.Server.Bare [URL]     default http://127.0.0.1:8788
var url = args.Length > 0 ? args[0] : "http://127.0.0.1:8788";
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
builder.WebHost.UseUrls(url);
builder.WebHost.ConfigureKestrel(k =>
{
    k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
    k.AddServerHeader = false;
});
builder.Logging.ClearProviders();

var app = builder.Build();
app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
app.MapPost("/v1/sessions/{id}/events", async (string id, HttpContext http) =>
{
    using var buffer = new MemoryStream();
    await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
    return Results.Json(new { stored = 1 }, statusCode: 201);
});
app.MapPost("/v1/logs", async (HttpContext http) =>
{
    using var buffer = new MemoryStream();
    await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
    var decoded = OtlpDecoder.DecodeLogs(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), OtlpEncoding.Protobuf);
    if (decoded.Problem is { } problem) return Results.BadRequest(problem.Message);
    return Results.Bytes(OtlpResponses.Encode(OtlpSignal.Logs, OtlpEncoding.Protobuf, 0, null), "application/x-protobuf");
});
await app.RunAsync();
