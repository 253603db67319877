using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Http;

namespace MLOps.Serving.OpenApi;

/// <summary>The document route's answer for a name the host has no document of.</summary>
public static class OpenApiDocuments
{
    /// <summary>The one document (<c>AddOpenApi()</c>'s default name).</summary>
    public const string Name = "v1";

    /// <summary>
    /// ASP.NET Core answers an unknown document name with a text/plain 404; every other rejection of the API is a problem
    /// naming the field, so this one is too (<c>documentName</c>, with the name to use).
    /// </summary>
    public static async ValueTask<object?> UnknownIsProblemAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var name = (context.HttpContext.GetRouteValue("documentName") as string ?? Name).ToLowerInvariant();
        if (context.HttpContext.RequestServices.GetKeyedService<IOpenApiDocumentProvider>(name) is null)
            return JsonRequestBody.Problem(StatusCodes.Status404NotFound, "Unknown OpenAPI document", "documentName",
                $"No OpenAPI document named '{MLOps.Core.TextClip.Clip(name, 64)}'; this API has one: /openapi/{Name}.json.");
        return await next(context).ConfigureAwait(false);
    }
}
