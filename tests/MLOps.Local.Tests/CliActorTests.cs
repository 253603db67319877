using MLOps.Local.Cli;

namespace MLOps.Local.Tests;

/// <summary>
/// A blank <c>--by</c> (<c>--by "$ME"</c> with ME unset) is refused by every verb that takes one, as `drift alerts ack`
/// already did: `pipeline approve --by ""` recorded an approval "by " (until 2026-12-07).
/// </summary>
public class CliActorTests
{
    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void BlankBy_IsRefused_NamingTheOption(string blank) =>
        Assert.Equal("--by must name someone (1 to 200 characters).", Assert.Throws<CliUsageException>(() => CliActor.Resolve(blank, "cli:fallback")).Message);

    [Fact]
    public void GivenBy_IsKept() => Assert.Equal("ana", CliActor.Resolve("ana", "cli:fallback"));
}
