using Microsoft.AspNetCore.Http;

namespace Custodian.Server.Internal;

/// <summary>RFC 9457 problem responses, each naming the rule that made the decision where there is one.</summary>
internal static class Problems
{
    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult Unauthorized() =>
        Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "send 'Authorization: Bearer <api key>' (see 'custodian keys create')");

    public static IResult Forbidden(string detail, string? rule = null) => Problem(StatusCodes.Status403Forbidden, "Forbidden", detail, rule);

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    public static IResult Unprocessable(string detail, string? rule = null) =>
        Problem(StatusCodes.Status422UnprocessableEntity, "Refused by policy", detail, rule);

    public static IResult Problem(int status, string title, string detail, string? rule = null)
    {
        var extensions = rule is null ? null : new Dictionary<string, object?> { ["rule"] = rule };
        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }
}
