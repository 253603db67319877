using System.CommandLine;
using MLOps.Registry;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>mlops models compare A B</c>: two versions' recorded figures side by side, with their intervals (docs/registry.md).</summary>
public static class ModelsCompareCommand
{
    /// <summary>One metric of both versions; null where a version did not record it.</summary>
    public sealed record MetricPair(string Metric, MetricValue? A, MetricValue? B, double? Difference);

    public sealed record Comparison(string Model, ModelVersionManifest A, ModelVersionManifest B, bool SameSnapshot, bool SameWindow, IReadOnlyList<MetricPair> Metrics);

    public static Command Create(Option<string> model)
    {
        var first = new Argument<int>("A") { Description = "The first version." };
        var second = new Argument<int>("B") { Description = "The second version (differences are B − A)." };
        var compare = new Command("compare", "Two versions side by side: snapshot, window, type, parameters, seed, and every recorded metric with its 95 % interval.") { first, second };
        compare.SetVerbAction(async (context, ct) =>
        {
            var name = context.Parse.GetValue(model)!;
            var registry = new ModelRegistry(context.Store);
            var a = await VersionArgument.ManifestAsync(registry, name, context.Parse.GetValue(first), ct).ConfigureAwait(false);
            var b = await VersionArgument.ManifestAsync(registry, name, context.Parse.GetValue(second), ct).ConfigureAwait(false);
            var metrics = a.Metrics.Keys.Union(b.Metrics.Keys).Order(StringComparer.Ordinal).Select(m =>
            {
                var x = a.Metrics.GetValueOrDefault(m);
                var y = b.Metrics.GetValueOrDefault(m);
                return new MetricPair(m, x, y, x is not null && y is not null ? Math.Round(y.Value - x.Value, 6) : null);
            }).ToList();
            var result = new Comparison(name, a, b, a.TrainingSnapshotId == b.TrainingSnapshotId, a.EvaluationWindow == b.EvaluationWindow, metrics);
            context.Result(result, console =>
            {
                var head = new Table().AddColumns("", $"v{a.Version}", $"v{b.Version}");
                void Row(string k, string? x, string? y) => head.AddRow(Markup.Escape(k), Markup.Escape(x ?? "-"), Markup.Escape(y ?? "-"));
                Row("type", a.Type, b.Type);
                // Only the parameters that differ: ten equal ones side by side made the table 300 columns wide.
                var differing = a.Parameters.Keys.Union(b.Parameters.Keys).Order(StringComparer.Ordinal)
                    .Where(k => $"{a.Parameters.GetValueOrDefault(k)}" != $"{b.Parameters.GetValueOrDefault(k)}").ToList();
                if (differing.Count == 0) Row("parameters", "the same", "the same");
                else Row("parameters that differ", Parameters(a, differing), Parameters(b, differing));
                Row("snapshot", a.TrainingSnapshotId, b.TrainingSnapshotId);
                Row("seed", a.Seed?.ToString(), b.Seed?.ToString());
                Row("code version", a.CodeVersion, b.CodeVersion);
                Row("created", a.CreatedAt.ToString("u"), b.CreatedAt.ToString("u"));
                console.Write(head);
                var table = new Table().AddColumns("metric", $"v{a.Version}", "95% interval", $"v{b.Version}", "95% interval", $"v{b.Version} − v{a.Version}");
                foreach (var m in metrics)
                    table.AddRow(Markup.Escape(m.Metric), Value(m.A), Interval(m.A), Value(m.B), Interval(m.B), m.Difference?.ToString("+0.0000;-0.0000;0") ?? "-");
                console.Write(table);
                console.WriteLine(result.SameWindow
                    ? "both scored on the same held-out window: " + a.EvaluationWindow
                    : $"scored on different windows (v{a.Version}: {a.EvaluationWindow ?? "-"}; v{b.Version}: {b.EvaluationWindow ?? "-"}): the figures are not comparable as they stand");
                console.WriteLine("each interval is that version's own, from its run's paired bootstrap against its baseline, not a test of B against A; "
                    + "the promotion evidence (`mlops models show B`) pairs them. Metric definitions: docs/evaluation.md, \"Metrics\".");
            });
            return ExitCodes.Done;
        });
        return compare;
    }

    private static string Parameters(ModelVersionManifest m, IEnumerable<string> keys) =>
        string.Join(", ", keys.Select(k => $"{k}={(m.Parameters.TryGetValue(k, out var v) ? v : "-")}"));
    private static string Value(MetricValue? m) => m?.Value.ToString("F4") ?? "-";
    private static string Interval(MetricValue? m) => m is { Lower: { } lo, Upper: { } hi } ? Markup.Escape($"[{lo:F4}, {hi:F4}]") : "-";
}
