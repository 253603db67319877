using MLOps.Core.Data;
using MLOps.Serving.Search;

namespace MLOps.Serving.Tests;

/// <summary>After a data reload the semantic index embeds only the titles that are new or whose text changed.</summary>
public sealed class SemanticIndexUpdateTests
{
    private sealed class CountingEmbedder : IEmbeddingClient
    {
        public List<string> Embedded { get; } = [];

        public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            lock (Embedded) Embedded.AddRange(texts);
            return Task.FromResult(texts.Select(FakeAzureOpenAI.Embed).ToArray());
        }
    }

    private static ServingData Data(params CatalogItem[] catalog) => ServingData.Build(catalog, [], TimeSpan.FromDays(7));

    [Fact]
    public async Task Update_EmbedsOnlyNewAndEditedTitles_AndFindsThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new CountingEmbedder();
        CatalogItem[] first =
        [
            new() { ContentId = "a", Title = "Silver Ocean", Genres = ["Drama"] },
            new() { ContentId = "b", Title = "Ghost Story", Genres = ["Horror"] },
            new() { ContentId = "c", Title = "Dragon Hoard", Genres = ["Fantasy"] },
        ];
        var before = Data(first);
        var index = await SemanticIndex.BuildAsync(client, before, ct);
        Assert.Equal(3, client.Embedded.Count);
        client.Embedded.Clear();

        // A new title first in the catalogue (every index shifts), one edited, one unchanged.
        var after = Data(new CatalogItem { ContentId = "q", Title = "Quokka Odyssey", Genres = ["Comedy"] },
            first[0], first[1] with { Title = "Ghost Story Returns" }, first[2]);
        var (updated, embedded) = await index.UpdateAsync(before, after, ct);

        Assert.Equal(2, embedded);
        Assert.Equal(["Ghost Story Returns", "Quokka Odyssey"], client.Embedded.Select(t => t.Split('.')[0]).Order());
        Assert.Equal(after.Count, updated.Count);
        var hits = await updated.SearchAsync("quokka odyssey", 1, ct);
        Assert.Equal("q", after.Items[hits[0].Item]);
        hits = await updated.SearchAsync("dragon hoard", 1, ct);
        Assert.Equal("c", after.Items[hits[0].Item]); // an unchanged title keeps its vector, at its new index
    }

    [Fact]
    public async Task Update_WithTheSameCatalogue_EmbedsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new CountingEmbedder();
        var catalog = new CatalogItem[] { new() { ContentId = "a", Title = "Silver Ocean" } };
        var index = await SemanticIndex.BuildAsync(client, Data(catalog), ct);
        client.Embedded.Clear();

        var (_, embedded) = await index.UpdateAsync(Data(catalog), Data(catalog), ct);

        Assert.Equal(0, embedded);
        Assert.Empty(client.Embedded);
    }
}
