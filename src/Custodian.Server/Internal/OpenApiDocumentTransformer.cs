using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Custodian.Server.Internal;

/// <summary>
/// Completes the generated OpenAPI document (CUS-42). The generator finds the routes and their path parameters, but
/// the handlers read their bodies themselves and return <c>IResult</c>, so it sees neither bodies nor statuses; this
/// fills them in from <see cref="OpenApiDocumentRoutes"/>, adds the problem schema and the bearer scheme.
/// </summary>
internal sealed class OpenApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = "Custodian";
        document.Info.Description =
            "The Custodian server's HTTP API (INTERFACES.md). Every error is RFC 9457 application/problem+json, except what Kestrel "
            + "answers before the application sees a request (a malformed request line or headers, 414, 431, 408): those have no body (CUS-41).";
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var (name, schema) in OpenApiDocumentSchemas.Create()) document.Components.Schemas[name] = schema;
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "cust_ API key",
            Description = "An API key from `custodian keys create`, sent as `Authorization: Bearer cust_…` (ACC-2). The web pages' cookie never authenticates /v1.",
        };

        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                // A route the table does not describe keeps what the generator gave it; the OpenAPI test fails on it.
                if (OpenApiDocumentRoutes.Find(method.Method, path) is { } route) Describe(document, operation, route);
            }
        }

        return Task.CompletedTask;
    }

    private static void Describe(OpenApiDocument document, OpenApiOperation operation, ApiRoute route)
    {
        operation.Summary = route.Summary;
        if (route.Bearer)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
        }

        if (route.Headers.Count > 0)
        {
            operation.Parameters ??= [];
            foreach (var header in route.Headers)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = header.Name,
                    In = ParameterLocation.Header,
                    Required = header.Required,
                    Description = header.Description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }

        if (route.Body is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = body.Description,
                Content = body.Content.ToDictionary(c => c.MediaType, c => new OpenApiMediaType { Schema = Schema(document, c.Schema) }, StringComparer.Ordinal),
            };
        }

        operation.Responses = [];
        foreach (var answer in route.Answers)
        {
            var response = new OpenApiResponse { Description = answer.Description };
            if (answer.MediaType is { } mediaType)
            {
                response.Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    [mediaType] = new() { Schema = Schema(document, answer.Schema!) },
                };
                foreach (var (other, schema) in answer.Alternatives ?? []) response.Content[other] = new() { Schema = Schema(document, schema) };
            }

            if (answer.Status == 401)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal)
                {
                    ["WWW-Authenticate"] = new OpenApiHeader
                    {
                        Required = true,
                        Description = "`Bearer realm=\"custodian\"`, with `error=\"invalid_token\"` when a bearer key was sent but not accepted (RFC 6750, CUS-40).",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                };
            }

            if (answer.RetryAfter)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal)
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying, when the server is busy rather than stopping.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    },
                };
            }

            operation.Responses[answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }
    }

    /// <summary>A component reference; <c>Name[]</c> is an array of them.</summary>
    private static IOpenApiSchema Schema(OpenApiDocument document, string name) =>
        name.EndsWith("[]", StringComparison.Ordinal)
            ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = OpenApiDocumentSchemas.Ref(name[..^2], document) }
            : OpenApiDocumentSchemas.Ref(name, document);
}
