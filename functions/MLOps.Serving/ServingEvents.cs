using System.Runtime.InteropServices;
using MLOps.Core.Data;

namespace MLOps.Serving;

/// <summary>
/// The events <see cref="ServingData"/> is built from, kept as (user, title, time) in 16 bytes a row with ids
/// interned once, in arrival order. Loading used to hold every <see cref="ViewingEvent"/> object until the data was built:
/// at 2M events that was ≈ 700 MB more peak memory and most of the 22 s the load took (docs/serving.md, "Models and hot swap").
/// </summary>
internal sealed class ServingEvents
{
    private readonly IdInterner _users = new();
    private readonly IdInterner _titles = new();
    private readonly List<Row> _rows = [];

    internal readonly record struct Row(int User, int Title, long UtcTicks);

    /// <summary>The latest event time (the first event of that time, as <c>Max</c> over the events keeps it); null without events.</summary>
    public DateTimeOffset? Latest { get; private set; }

    /// <summary>Rows in arrival order; <see cref="Row.User"/> and <see cref="Row.Title"/> index <see cref="UserIds"/> and <see cref="TitleIds"/>.</summary>
    public ReadOnlySpan<Row> Rows => CollectionsMarshal.AsSpan(_rows);

    /// <summary>User ids by first appearance.</summary>
    public IReadOnlyList<string> UserIds => _users.Ids;

    /// <summary>Title ids by first appearance.</summary>
    public IReadOnlyList<string> TitleIds => _titles.Ids;

    public int UserCount => _users.Count;

    /// <summary>Adds one event (the loader passes plays and ratings only, <see cref="ServingData.IsConsumption"/>).</summary>
    public void Add(ViewingEvent e)
    {
        if (Latest is not { } latest || e.Timestamp > latest) Latest = e.Timestamp;
        _rows.Add(new Row(_users.Number(e.UserId), _titles.Number(e.ContentId), e.Timestamp.UtcTicks));
    }

    /// <summary>
    /// Each user's title ids (<see cref="TitleIds"/> order) oldest first, ties in arrival order, users by first appearance.
    /// </summary>
    public int[][] Histories()
    {
        var counts = new int[_users.Count + 1];
        foreach (var row in Rows) counts[row.User + 1]++;
        for (var u = 0; u < _users.Count; u++) counts[u + 1] += counts[u];
        var order = new int[_rows.Count];
        var next = counts[..^1];
        for (var n = 0; n < _rows.Count; n++) order[next[_rows[n].User]++] = n;
        var histories = new int[_users.Count][];
        for (var u = 0; u < _users.Count; u++)
        {
            var slice = order.AsSpan(counts[u], counts[u + 1] - counts[u]);
            // Row numbers break ties, so equal times keep their arrival order (a stable sort by time).
            slice.Sort((a, b) => _rows[a].UtcTicks != _rows[b].UtcTicks ? _rows[a].UtcTicks.CompareTo(_rows[b].UtcTicks) : a.CompareTo(b));
            var history = new int[slice.Length];
            for (var k = 0; k < slice.Length; k++) history[k] = _rows[slice[k]].Title;
            histories[u] = history;
        }
        return histories;
    }
}
