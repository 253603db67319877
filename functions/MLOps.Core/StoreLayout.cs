namespace MLOps.Core;

/// <summary>Every blob path the system uses, in one place (DESIGN.md, "Storage layout").</summary>
public static class StoreLayout
{
    public const string Events = "events/";
    public const string Quarantine = "quarantine/";
    public const string Catalog = "catalog/";
    public const string Features = "features/";
    public const string Models = "models/";
    public const string Drift = "drift/";
    public const string Orchestrations = "orchestrations/";
    public const string Keys = "keys/";
    public const string Experiments = "experiments/";
    /// <summary>One manifest per import batch: what was read, accepted and quarantined (re-imports find it and stop).</summary>
    public const string Imports = "imports/";

    /// <summary>Events partition of one UTC day: <c>events/dt=2024-05-01/</c>.</summary>
    public static string EventPartition(DateOnly day) => $"{Events}dt={day:yyyy-MM-dd}/";

    public static string EventBatch(DateOnly day, string batchId) => $"{EventPartition(day)}{batchId}.ndjson";

    /// <summary>Serving's exposure log names its event blobs with this prefix (they are not imports).</summary>
    public const string ExposureBatchPrefix = "exposures-";

    public static string QuarantineBatch(string batchId) => $"{Quarantine}{batchId}.ndjson";

    public static string ImportManifest(string batchId) => $"{Imports}{batchId}.json";

    /// <summary>
    /// Markers of imports under way or killed: written before a batch's first blob, deleted after its manifest. Readers
    /// hide the blobs of a batch that has a marker and no manifest (<see cref="Data.UnfinishedImports"/>).
    /// </summary>
    public const string UnfinishedImports = $"{Imports}unfinished/";

    public static string UnfinishedImport(string batchId) => $"{UnfinishedImports}{batchId}.json";

    /// <summary>
    /// The batch of an event or quarantine blob: <c>…/&lt;batch&gt;[-part].ndjson</c> → <c>&lt;batch&gt;</c> (a part
    /// number is a trailing <c>-N</c>; batch ids never end in one).
    /// </summary>
    public static string BatchOfBlob(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var dash = name.LastIndexOf('-');
        return dash > 0 && dash < name.Length - 1 && name.AsSpan(dash + 1).IndexOfAnyExceptInRange('0', '9') < 0 ? name[..dash] : name;
    }

    /// <summary>Parses the day of an events blob path, or null when the path is not an events partition.</summary>
    public static DateOnly? PartitionDay(string path)
    {
        const string marker = "dt=";
        var start = path.IndexOf(marker, StringComparison.Ordinal);
        if (!path.StartsWith(Events, StringComparison.Ordinal) || start < 0 || path.Length < start + marker.Length + 10) return null;
        return DateOnly.TryParseExact(path.AsSpan(start + marker.Length, 10), "yyyy-MM-dd", out var day) ? day : null;
    }
}
