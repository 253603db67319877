using MLOps.Local.Cli;

namespace MLOps.Local.Tests;

/// <summary>A blank <c>--by</c> (<c>--by "$ME"</c> with ME unset) names nobody: the verb's default actor is recorded, not "".</summary>
public class CliActorTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void BlankBy_IsNotGiven(string blank) =>
        Assert.Equal(CliActor.Resolve(null, "cli:fallback"), CliActor.Resolve(blank, "cli:fallback"));

    [Fact]
    public void GivenBy_IsKept() => Assert.Equal("ana", CliActor.Resolve("ana", "cli:fallback"));
}
