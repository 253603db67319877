using System.Text.Json;
using MLOps.Core.Http;

namespace MLOps.Core.Tests;

/// <summary>A wrongly typed field is explained by the kind of value it takes, not by the serializer's .NET type names.</summary>
public sealed class JsonRequestBodyTests
{
    private enum Shade { Light, DarkGrey }
    private sealed record Item(string Kind, Dictionary<string, double>? Parameters);
    private sealed record Body(int Version, double? Weight, bool Force, string? Reason, DateTimeOffset? At, Shade Colour, List<Item>? Items, Item? Main);

    [Theory]
    [InlineData("version", "a whole number from -2147483648 to 2147483647")]
    [InlineData("weight", "a number")]
    [InlineData("force", "true or false")]
    [InlineData("reason", "text")]
    [InlineData("at", "an ISO 8601 time")]
    [InlineData("colour", "one of light, darkGrey")]
    [InlineData("items", "a list")]
    [InlineData("items[2]", "an object")]
    [InlineData("items[2].kind", "text")]
    [InlineData("items[0].parameters", "an object")]
    [InlineData("items[0].parameters.count", "a number")] // a key of the dictionary, not Dictionary.Count
    [InlineData("main.kind", "text")]
    public void ExpectedKind_NamesWhatTheFieldTakes(string field, string expected) =>
        Assert.Equal(expected, JsonRequestBody.ExpectedKind(typeof(Body), field));

    [Theory]
    [InlineData("body")]
    [InlineData("nope")]
    [InlineData("main.nope")]
    public void ExpectedKind_IsUnknownForTheBodyOrAFieldTheShapeDoesNotHave(string field) =>
        Assert.Null(JsonRequestBody.ExpectedKind(typeof(Body), field));

    /// <summary>A document of the wrong kind was explained as "The JSON value could not be converted to MLOps.Core.Tests.…+Body".</summary>
    [Theory]
    [InlineData("[1]")]
    [InlineData("\"x\"")]
    [InlineData("5")]
    public void WrongValue_OfTheWholeDocument_SaysItMustBeAnObject(string json)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Body>(json));

        Assert.Equal("must be an object", JsonRequestBody.WrongValue(typeof(Body), e));
    }
}
