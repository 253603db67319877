using System.Text.Json;
using MLOps.Local.Cli;

namespace MLOps.Local.Tests;

/// <summary><c>pipeline status</c> shows a custom status as a person reads it, whichever shape it has.</summary>
public sealed class PipelineStatusTextTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void FinishedPipeline_WithoutEvidence_IsItsProgressLine_NotRawEscapedJson()
    {
        // What a finished RetrainPipeline stores: its progress, no evidence, an apostrophe escaped as the store writes it.
        var status = Json("""{"step":"done","done":7,"total":7,"detail":"kept the champion\u0027s 0.1414"}""");
        Assert.Equal("[7/7] done: kept the champion's 0.1414", PipelineStatusText.Line(status));
    }

    [Fact]
    public void OtherShapes_AreOneLineOfUnescapedJson()
    {
        Assert.Equal("""{"phase":"it's waiting","n":2}""", PipelineStatusText.Line(Json("""{ "phase": "it\u0027s waiting", "n": 2 }""")));
        Assert.Equal("\"plain text\"", PipelineStatusText.Line(Json("\"plain text\"")));
        // A "step" without the counts is not a pipeline's progress (run --wait used to throw on it).
        Assert.Null(PipelineStatusText.Progress(Json("""{"step":"x"}""")));
        Assert.Null(PipelineStatusText.Progress(null));
    }

    [Fact]
    public void Evidence_IsItsLines_OrNullWithoutAny()
    {
        Assert.Equal(["a", "b"], PipelineStatusText.Evidence(Json("""{"step":"approval","done":5,"total":7,"detail":"d","evidence":["a","b"]}""")));
        Assert.Null(PipelineStatusText.Evidence(Json("""{"step":"done","done":7,"total":7,"detail":"d"}""")));
    }
}
