using System.Reflection;

namespace MLOps.Features;

/// <summary>
/// Compares two snapshots view by view, row by row, feature by feature, exactly: every sum behind a feature is an
/// integer (fixed point), so an incremental snapshot and a full rebuild hold the same bits, real numbers included.
/// Used by the incremental == full checks in tests and the benchmark.
/// </summary>
public static class SnapshotComparer
{
    public static Task<List<string>> CompareAsync(FeatureStore store, string expectedId, string actualId, CancellationToken cancellationToken = default) =>
        CompareAsync(store, expectedId, store, actualId, cancellationToken);

    /// <summary>Snapshots of two stores (a chain and a rebuild of the same events elsewhere).</summary>
    public static async Task<List<string>> CompareAsync(FeatureStore expectedStore, string expectedId, FeatureStore actualStore, string actualId, CancellationToken cancellationToken = default)
    {
        var differences = new List<string>();
        Compare(await expectedStore.ReadUsersAsync(expectedId, cancellationToken).ConfigureAwait(false), await actualStore.ReadUsersAsync(actualId, cancellationToken).ConfigureAwait(false), FeatureViewNames.User, differences);
        Compare(await expectedStore.ReadItemsAsync(expectedId, cancellationToken).ConfigureAwait(false), await actualStore.ReadItemsAsync(actualId, cancellationToken).ConfigureAwait(false), FeatureViewNames.Item, differences);
        Compare(await expectedStore.ReadUserGenresAsync(expectedId, cancellationToken).ConfigureAwait(false), await actualStore.ReadUserGenresAsync(actualId, cancellationToken).ConfigureAwait(false), FeatureViewNames.UserGenre, differences);
        Compare(await expectedStore.ReadHistoryAsync(expectedId, cancellationToken).ConfigureAwait(false), await actualStore.ReadHistoryAsync(actualId, cancellationToken).ConfigureAwait(false), FeatureViewNames.UserHistory, differences);
        return differences;
    }

    public static void Compare<T>(IList<T> expected, IList<T> actual, string view, List<string> differences)
    {
        if (expected.Count != actual.Count)
        {
            differences.Add($"{view}: {expected.Count} rows vs {actual.Count}");
            return;
        }
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        for (var row = 0; row < expected.Count; row++)
            foreach (var p in properties)
            {
                var a = p.GetValue(expected[row]);
                var b = p.GetValue(actual[row]);
                if (!Same(a, b)) differences.Add($"{view} row {row} {p.Name}: {a} vs {b}");
            }
    }

    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        _ => Equals(a, b),
    };
}
