using System.Text.Json;
using MLOps.Storage;

namespace MLOps.Local.Cli;

/// <summary>
/// How the pipeline verbs show an instance's custom status to a person: the retrain pipeline's progress as
/// "[done/total] step: detail", its approval evidence as lines, anything else as one line of JSON without escapes
/// (a finished pipeline's "champion's" read "champion\u0027s" when its raw text was printed).
/// </summary>
internal static class PipelineStatusText
{
    private static readonly JsonSerializerOptions OneLine = new(StoreJson.Options)
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>"[done/total] step: detail" when <paramref name="status"/> is a pipeline's progress, else null.</summary>
    public static string? Progress(JsonElement? status) =>
        status is { ValueKind: JsonValueKind.Object } s
        && s.TryGetProperty("step", out var step) && step.ValueKind == JsonValueKind.String
        && s.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.Number
        && s.TryGetProperty("total", out var total) && total.ValueKind == JsonValueKind.Number
            ? $"[{done.GetInt32()}/{total.GetInt32()}] {step.GetString()}: {(s.TryGetProperty("detail", out var detail) ? detail.GetString() : "")}"
            : null;

    /// <summary>The one line <c>pipeline status</c> prints for a custom status.</summary>
    public static string Line(JsonElement status) => Progress(status) ?? JsonSerializer.Serialize(status, OneLine);

    /// <summary>The evidence lines a pipeline waiting for approval puts in its custom status (null when there are none).</summary>
    public static IEnumerable<string>? Evidence(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("evidence", out var lines) && lines.ValueKind == JsonValueKind.Array
            ? lines.EnumerateArray().Select(l => l.GetString() ?? "")
            : null;
}
