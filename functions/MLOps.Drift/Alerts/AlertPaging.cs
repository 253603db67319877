using MLOps.Core.Http.Paging;

namespace MLOps.Drift.Alerts;

/// <summary>
/// Pages of <see cref="AlertStore.ListAsync"/>'s list (newest lastSeen first, then id), for the HTTP route and
/// <c>mlops drift alerts --top</c>: one token format for both.
/// </summary>
public static class AlertPaging
{
    /// <summary>A token continues only the list it came from: the alerts under the same status filter.</summary>
    public static string Scope(string? status) => $"drift-alerts:{status ?? "all"}";

    public static PageKey KeyOf(DriftAlert alert) => new(alert.LastSeen, alert.Id);

    public static ListPage<DriftAlert> Page(IReadOnlyList<DriftAlert> newestFirst, string? status, int? top, PageKey? after) =>
        ListPage<DriftAlert>.Of(newestFirst, KeyOf, Scope(status), top, after);
}
