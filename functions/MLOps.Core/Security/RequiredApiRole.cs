namespace MLOps.Core.Security;

/// <summary>
/// Endpoint metadata saying which role <see cref="ApiKeyAuthorization.RequireRole"/> demands: the filter enforces it, this
/// lets the OpenAPI document tell clients that the route needs the <c>x-api-key</c> header.
/// </summary>
public sealed record RequiredApiRole(ApiRole Role);
