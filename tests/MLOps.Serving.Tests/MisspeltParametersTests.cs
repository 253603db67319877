namespace MLOps.Serving.Tests;

/// <summary>
/// Which unknown query parameters are taken for a misspelling of a serving parameter (a 400) and which are ignored. Checked
/// against every name the serving routes read at once, so an ignored name is ignored on every route.
/// </summary>
public sealed class MisspeltParametersTests
{
    private static readonly string[] Known = ["k", "genres", "exclude", "diversity", "excludeSeen", "rows", "perRow", "q", "user"];

    [Theory]
    [InlineData("genre", "genres")]
    [InlineData("Genre", "genres")]
    [InlineData("genrse", "genres")]
    [InlineData("exclude_seen", "excludeSeen")]
    [InlineData("exclude-seen", "excludeSeen")]
    [InlineData("exclude_sen", "excludeSeen")]
    [InlineData("excluded", "exclude")]
    [InlineData("exlude", "exclude")]
    [InlineData("diversty", "diversity")]
    [InlineData("divresity", "diversity")]
    [InlineData("per_row", "perRow")]
    [InlineData("PER-ROW", "perRow")]
    [InlineData("per_rows", "perRow")]
    [InlineData("rowz", "rows")]
    [InlineData("userId", "user")]
    [InlineData("user_id", "user")]
    [InlineData("users", "user")]
    public void Misspellings_NameTheParameterMeant(string name, string meant) =>
        Assert.Equal(meant, MisspeltParameters.Meant(name, Known));

    /// <summary>
    /// Names apps, analytics and caches put on URLs. <c>gender</c> was "did you mean 'genres'" (2 substitutions, then allowed from
    /// 6 letters).
    /// </summary>
    [Theory]
    [InlineData("gender")]
    [InlineData("genders")]
    [InlineData("_")]
    [InlineData("utm_source")]
    [InlineData("utm_medium")]
    [InlineData("utm_campaign")]
    [InlineData("gclid")]
    [InlineData("fbclid")]
    [InlineData("callback")]
    [InlineData("jsonp")]
    [InlineData("format")]
    [InlineData("locale")]
    [InlineData("lang")]
    [InlineData("region")]
    [InlineData("country")]
    [InlineData("device")]
    [InlineData("platform")]
    [InlineData("session")]
    [InlineData("sessionId")]
    [InlineData("version")]
    [InlineData("appVersion")]
    [InlineData("ref")]
    [InlineData("referrer")]
    [InlineData("source")]
    [InlineData("timestamp")]
    [InlineData("nocache")]
    [InlineData("debug")]
    [InlineData("page")]
    [InlineData("limit")]
    [InlineData("offset")]
    [InlineData("sort")]
    [InlineData("order")]
    [InlineData("fields")]
    [InlineData("profile")]
    [InlineData("seed")]
    [InlineData("theme")]
    [InlineData("variant")]
    [InlineData("experiment")]
    [InlineData("timezone")]
    public void UnrelatedNames_AreNotMisspellings(string name) =>
        Assert.Null(MisspeltParameters.Meant(name, Known));
}
