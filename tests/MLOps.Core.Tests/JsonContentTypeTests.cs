using Microsoft.AspNetCore.Http;
using MLOps.Core.Http;

namespace MLOps.Core.Tests;

/// <summary>The JSON routes' Content-Type rule (docs/interfaces.md): as ASP.NET routing's Accepts("application/json") matches.</summary>
public sealed class JsonContentTypeTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("application/json", true)]
    [InlineData("Application/JSON; charset=utf-8", true)]
    [InlineData("application/problem+json", true)]
    [InlineData("text/plain", false)]
    [InlineData("text/json", false)]
    [InlineData("text/x+json", false)]
    [InlineData("application/jsonfoo", false)]
    [InlineData("application/json+xml", false)]
    [InlineData("application/x-www-form-urlencoded", false)]
    [InlineData("not a media type", false)]
    public void ADeclaredTypeMustBeJson_NoneIsReadAsJson(string? contentType, bool accepted)
    {
        var request = new DefaultHttpContext().Request;
        request.ContentType = contentType;

        var problem = JsonContentType.Problem(request);

        Assert.Equal(accepted, problem is null);
        if (problem is not null)
        {
            Assert.Equal(StatusCodes.Status415UnsupportedMediaType, problem.StatusCode);
            Assert.Equal("Content-Type", problem.ProblemDetails.Extensions["field"]);
        }
    }
}
