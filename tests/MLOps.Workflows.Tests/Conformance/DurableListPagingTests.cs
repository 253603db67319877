using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Http.Paging;
using MLOps.Durable;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// <c>GET /api/orchestrations/instances?top=N</c> over the Durable adapter (the Functions host's engine), as the
/// Functions host runs it: the handler over <see cref="DurableTaskClientAdapter"/>, its continuation header on the response.
/// </summary>
public class DurableListPagingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Nine instances, created in threes at the same instant, listed by the store in a shuffled order.</summary>
    private static FakeDurableTaskClient Client()
    {
        var client = new FakeDurableTaskClient();
        foreach (var i in new[] { 4, 0, 8, 2, 6, 1, 7, 3, 5 })
            client.Instances[$"run-{i}"] = new OrchestrationMetadata("Purge", $"run-{i}") { RuntimeStatus = OrchestrationRuntimeStatus.Completed, CreatedAt = T0.AddMinutes(-(i / 3)) };
        return client;
    }

    private static async Task<(List<string> Ids, string? Next, int Status)> ListAsync(IOrchestrationClient client, string query, string? token)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Request.QueryString = new QueryString(query);
        if (token is not null) http.Request.Headers[ContinuationToken.Header] = token;
        var body = new MemoryStream();
        http.Response.Body = body;
        await (await OrchestrationApi.ListAsync(http, client, TestContext.Current.CancellationToken)).Result.ExecuteAsync(http);
        var ids = http.Response.StatusCode == 200
            ? System.Text.Json.JsonDocument.Parse(body.ToArray()).RootElement.EnumerateArray().Select(s => s.GetProperty("instanceId").GetString()!).ToList()
            : [];
        return (ids, http.Response.Headers[ContinuationToken.Header].FirstOrDefault(), http.Response.StatusCode);
    }

    [Fact]
    public async Task Adapter_ListsNewestFirst_SameInstantByInstanceId()
    {
        var states = await new DurableTaskClientAdapter(Client()).ListAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"run-{i}"), states.Select(s => s.InstanceId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(9)]
    public async Task PagesOfK_GiveEveryInstanceOnce_InTheListsOrder(int top)
    {
        var adapter = new DurableTaskClientAdapter(Client());
        var (everything, none, _) = await ListAsync(adapter, "", null);
        Assert.Null(none);
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await ListAsync(adapter, $"?top={top}", token);
            Assert.InRange(page.Ids.Count, 1, top);
            seen.AddRange(page.Ids);
            token = page.Next;
        }
        while (token is not null && seen.Count <= everything.Count);
        Assert.Equal(everything, seen);
        Assert.Equal(9, seen.Count);
    }

    [Theory]
    [InlineData("?top=0", null)]
    [InlineData("?top=x", null)]
    [InlineData("?top=2", "forged")]
    public async Task BadTopOrToken_Is400(string query, string? token)
    {
        Assert.Equal(400, (await ListAsync(new DurableTaskClientAdapter(Client()), query, token)).Status);
    }
}
