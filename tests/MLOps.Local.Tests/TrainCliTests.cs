using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Features;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// `mlops train`: a data scientist chooses the snapshot, seed and parameters of one training run; it is registered with
/// them and its figures, no alias moves, and a bad kind, parameter, seed or snapshot is one line and exit 2.
/// </summary>
public class TrainCliTests
{
    [Fact]
    public async Task Train_RegistersTheSeedAndParameters_MovesNoAlias_AndRefusesBadInputInOneLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("train-cli");
        var data = Path.Combine(work, "data");
        SyntheticGenerator.Generate(new GeneratorOptions { Users = 60, Items = 80, Events = 1_500, Days = 10, Seed = 6 }, data, cancellationToken: ct);
        var store = new MLOps.Storage.FolderBlobStore(Path.Combine(work, "store"));
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(data, SyntheticGenerator.CatalogFileName)), ct);
        await new EventIngestor(store).IngestAsync(EventSources.File(Path.Combine(data, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
        var snapshot = await new FeatureStore(store).RefreshAsync(new FeatureRefreshRequest { Cutoff = new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero) }, cancellationToken: ct);
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);

        var trained = await Mlops("train", "--kind", "ials", "--seed", "7", "--param", "factors=16", "--snapshot", snapshot.SnapshotId, "--json");
        Assert.True(trained.ExitCode == 0, trained.ToString());
        var report = trained.Json();
        Assert.Equal((1, 7, snapshot.SnapshotId, 16.0), (report.GetProperty("version").GetInt32(), report.GetProperty("seed").GetInt32(),
            report.GetProperty("snapshotId").GetString(), report.GetProperty("parameters").GetProperty("factors").GetDouble()));
        Assert.Contains("training ials(factors=16) on ", trained.StdErr, StringComparison.Ordinal); // progress on stderr, stdout only the JSON

        var human = await Mlops("train", "--kind", "popularity");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.StartsWith("recommender v2: popularity", human.StdOut, StringComparison.Ordinal);
        Assert.Contains("registered, no alias moved", human.StdOut, StringComparison.Ordinal);

        var list = (await Mlops("models", "list", "--json")).Json();
        Assert.Empty(list.GetProperty("aliases").EnumerateObject());
        Assert.Equal(2, list.GetProperty("versions").GetArrayLength());
        Assert.Equal(7, list.GetProperty("versions")[0].GetProperty("seed").GetInt32());

        foreach (var (args, message) in new[]
        {
            (new[] { "--kind", "bogus" }, "error: unknown model kind 'bogus'"),
            (["--kind", "ease", "--param", "lambda"], "error: --param 'lambda' must be NAME=NUMBER"),
            (["--kind", "ease", "--seed", "-1"], "error: --seed must be 0 or more"),
            (["--kind", "ease", "--snapshot", "fs-nope"], "error: unknown feature snapshot 'fs-nope'"),
        })
        {
            var bad = await Mlops(["train", .. args]);
            Assert.True(bad.ExitCode == 2, bad.ToString());
            Assert.StartsWith(message, bad.StdErr, StringComparison.Ordinal);
            Assert.Single(bad.StdErr.TrimEnd().Split('\n'));
            Assert.Equal("", bad.StdOut);
        }
    }
}
