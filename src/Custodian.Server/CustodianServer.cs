using System.Text.Json;
using Custodian.Server.Internal;
using Custodian.Server.Web;
using Custodian.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Custodian.Server;

/// <summary>Builds the Custodian server: a thin composition of the store, the policy engine and the endpoints.</summary>
public static class CustodianServer
{
    /// <summary>Builds (but does not start) the web application.</summary>
    public static WebApplication Build(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRequestBodyMemoryBytes);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            // Reloading appsettings.json on change watches the whole content root (the working directory) and every
            // folder below it: with the database below it, every WAL write woke the watcher.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        var grpcListeners = new OtlpGrpcListeners();
        // With the OTLP gRPC receiver every endpoint is declared to Kestrel itself (a declared endpoint replaces the
        // URL list): the API's as before, the receiver's cleartext HTTP/2 only, which is how gRPC without TLS is spoken.
        if (options.OtlpGrpcUrls.Count == 0) builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.AddServerHeader = false;
            if (options.OtlpGrpcUrls.Count == 0) return;
            // Declared by hand once a gRPC receiver is, as Kestrel then takes no URLs of its own. HTTP/2 on the API needs
            // TLS to be negotiated; over cleartext Kestrel would warn at every start and speak HTTP/1.1 anyway.
            foreach (var url in options.Urls)
            {
                Endpoints.Listen(k, url, url.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
                    ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2
                    : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
            }

            foreach (var url in options.OtlpGrpcUrls) grpcListeners.Add(Endpoints.Listen(k, url, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        });
        builder.Logging.ClearProviders();
        if (options.JsonConsoleLogs) builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        // Per-request framework logs cost more than the requests they describe; warnings and Custodian's own stay.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // The web pages' key ring is kept in memory only (WebPages.AddServices); the key manager still warns at every
        // start that keys "may be persisted unencrypted", which here they never are.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Store);
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiDocumentTransformer>());
        builder.Services.AddHostedService<RetentionSweeper>();
        builder.Services.AddSingleton<KeyCache>();
        builder.Services.AddSingleton<RefusalAudit>();
        builder.Services.AddSingleton<BodyBudget>();
        // Disposed with the host, after Kestrel has drained in-flight requests: then it finishes what is queued.
        builder.Services.AddSingleton<IngestionWriter>();
        builder.Services.AddSingleton<TelemetryIngestion>();
        builder.Services.AddSingleton(grpcListeners);
        if (options.OtlpGrpcUrls.Count > 0) builder.Services.AddGrpc(grpc => OtlpGrpc.Configure(grpc, options));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // What the framework serializes through these options (the OpenAPI document's schemas) finds the API's
            // shapes here too; there is no reflection to fall back on in the native build.
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJson.Default);
        });
        WebPages.AddServices(builder.Services);

        var app = builder.Build();
        app.Use(ResponseHeaders.ApplyAsync);
        app.UseExceptionHandler(errors => errors.Run(WriteUnhandledProblemAsync));
        app.UseStatusCodePages(async context =>
        {
            // Unknown routes and wrong methods get problem+json too.
            var response = context.HttpContext.Response;
            if (response.HasStarted || response.ContentLength is > 0 || response.ContentType is not null) return;
            var detail = response.StatusCode switch
            {
                404 => $"no such resource: {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}",
                405 => $"method {context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}",
                _ => "the request could not be served",
            };
            await Problems.Problem(response.StatusCode, ReasonPhrase(response.StatusCode), detail).ExecuteAsync(context.HttpContext);
        });
        // Routing inside the exception handler, so that an error in matching a route is answered with problem+json too.
        app.UseRouting();

        // The one document by its name: a pattern with {documentName} answers other names with a text/plain 404.
        app.MapOpenApi("/openapi/v1.json");
        app.MapGet("/healthz", async (ICustodianStore store, CancellationToken ct) =>
        {
            var reachable = await store.PingAsync(ct);
            return Results.Json(new HealthView(reachable ? "ok" : "degraded", store.Description, reachable), ServerJson.Default.HealthView,
                statusCode: reachable ? 200 : 503);
        });
        app.MapGet("/v1/config", (ServerOptions o) => Results.Json(new ConfigView(o.PublishedSurveyRate), ServerJson.Default.ConfigView));

        var api = app.MapGroup("/v1").AddEndpointFilter(async (invocation, next) =>
        {
            var services = invocation.HttpContext.RequestServices;
            return await Caller.AuthenticateAsync(invocation.HttpContext, services.GetRequiredService<ICustodianStore>(), services.GetRequiredService<KeyCache>()) is null
                ? Problems.Unauthorized()
                : await next(invocation);
        });
        SessionEndpoints.Map(api);
        OtlpEndpoints.Map(api);
        UsageEndpoints.Map(api);
        FeedbackEndpoints.Map(api);
        AccountEndpoints.Map(api);
        OperatorEndpoints.Map(api);
        WebPages.Map(app);
        if (options.OtlpGrpcUrls.Count > 0)
        {
            app.MapGrpcService<OtlpLogsService>();
            app.MapGrpcService<OtlpMetricsService>();
        }

        return app;
    }

    private static async Task WriteUnhandledProblemAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, detail) = error switch
        {
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                (413, "the request body is larger than the server accepts"),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            JsonException json => (400, "invalid JSON: " + json.Message.Split(" Path:", 2)[0]),
            _ => (500, "internal error; see the server log"),
        };
        if (status == 500)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Custodian.Server")
                .LogError(error, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
        }

        await Problems.Problem(status, ReasonPhrase(status), detail).ExecuteAsync(context);
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
