namespace MLOps.Core.Tests;

/// <summary>Free text is one printable line: any script and emoji pass; line breaks, controls and bidi overrides do not.</summary>
public class FreeTextTests
{
    [Theory]
    [InlineData("José Ñúñez")]
    [InlineData("ok 👍🏽 done")]
    [InlineData("مرحبا")]
    [InlineData("e\u0301")]
    public void Problem_AcceptsOrdinaryText(string text) => Assert.Null(FreeText.Problem(text, "by", 200));

    [Theory]
    [InlineData("eve\u2028forged line")]
    [InlineData("eve\u2029forged line")]
    [InlineData("eve\r\nforged")]
    [InlineData("a\tb")]
    [InlineData("a\u202Eb")]
    public void Problem_RefusesLineBreaksControlsAndOverrides(string text) => Assert.NotNull(FreeText.Problem(text, "by", 200));

    [Theory]
    [InlineData("alert a1: genre 'Hor\u202Eror' drifted", 200, "alert a1: genre 'Hor?ror' drifted")]
    [InlineData("two\r\nlines", 200, "two??lines")]
    [InlineData("José", 200, "José")]
    [InlineData("abcdefgh", 5, "abcd…")]
    public void OneLine_MakesStoredTextAValidValue(string text, int max, string expected)
    {
        var line = FreeText.OneLine(text, max);

        Assert.Equal(expected, line);
        Assert.Null(FreeText.Problem(line, "reason", max));
    }
}

