using MLOps.Core.Http.Paging;

namespace MLOps.Workflows.Orchestration;

/// <summary>
/// Pages of <see cref="IOrchestrationClient.ListAsync"/>'s list (newest createdAt first, then instance id, on both
/// engines), for the HTTP route and <c>mlops pipeline list --top</c>: one token format for both.
/// </summary>
public static class InstancePaging
{
    public const string Scope = "orchestration-instances";

    public static PageKey KeyOf(OrchestrationState state) => new(state.CreatedAt, state.InstanceId);

    /// <summary>The order every engine's ListAsync lists in (a total order, so a page boundary is a position).</summary>
    public static List<OrchestrationState> NewestFirst(IEnumerable<OrchestrationState> states) =>
        PageKey.NewestFirst(states, KeyOf);

    public static ListPage<OrchestrationState> Page(IReadOnlyList<OrchestrationState> newestFirst, int? top, PageKey? after) =>
        ListPage<OrchestrationState>.Of(newestFirst, KeyOf, Scope, top, after);
}
