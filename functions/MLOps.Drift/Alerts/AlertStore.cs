using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MLOps.Core;
using MLOps.Core.Http.Paging;
using MLOps.Storage;

namespace MLOps.Drift.Alerts;

/// <summary>The alert transition is not allowed from the alert's current status (e.g. acknowledging a resolved alert).</summary>
public sealed class AlertTransitionException(string message) : Exception(message);

/// <summary>
/// Alerts under <c>drift/alerts/</c>. Deduplication: <c>drift/alerts/active/&lt;key&gt;.json</c> names the one unresolved alert
/// of a kind and subject (created only-if-absent, so two concurrent checks cannot both open one); every alert blob
/// changes only by If-Match on the ETag that was read, retried on conflict.
/// </summary>
public sealed class AlertStore(IBlobStore store)
{
    public const string Folder = StoreLayout.Drift + "alerts/";
    private const string ActiveFolder = Folder + "active/";
    private const int Attempts = 20;

    /// <summary>Opens a new alert or updates the unresolved one with the same kind and subject.</summary>
    public async Task<DriftAlert> RecordAsync(AlertCandidate candidate, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var activePath = ActivePath(candidate.Kind, candidate.Subject);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var active = await store.ReadJsonAsync<ActivePointer>(activePath, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (active is { } pointer)
            {
                var existing = await store.ReadJsonAsync<DriftAlert>(PathOf(pointer.Value.Id), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (existing is { } found && found.Value.Status != AlertStatus.Resolved)
                {
                    // A champion finding that an explicit-range check detects again is counted, but keeps the champion's
                    // evidence and severity: with the range's evidence it became an explicit-range alert, which the
                    // champion's later checks no longer resolve (AutoResolve.SameReference) and only a person could.
                    var latest = AutoResolve.KindOf(found.Value.Evidence) == "champion" && AutoResolve.KindOf(candidate.Evidence) == "explicit"
                        ? candidate with { Severity = found.Value.Severity, Title = found.Value.Title, Summary = found.Value.Summary, Evidence = found.Value.Evidence }
                        : candidate;
                    // An acknowledged warning that comes back critical is news the person who acknowledged it has not
                    // seen: it opens again (recorded in its history), so it reappears in the open list and the page.
                    var escalated = found.Value.Status == AlertStatus.Acknowledged
                        && found.Value.Severity != AlertSeverity.Critical && latest.Severity == AlertSeverity.Critical;
                    var updated = found.Value with
                    {
                        Severity = latest.Severity, Title = latest.Title, Summary = latest.Summary, Evidence = latest.Evidence,
                        LastSeen = now, Occurrences = found.Value.Occurrences + 1,
                        Status = escalated ? AlertStatus.Open : found.Value.Status,
                        History = escalated
                            ? [.. found.Value.History, new AlertTransition(AlertStatus.Open, "drift check", now, $"escalated from {found.Value.Severity} to {latest.Severity}")]
                            : found.Value.History,
                    };
                    try
                    {
                        await store.WriteJsonAsync(PathOf(updated.Id), updated, WriteCondition.Match(found.ETag), cancellationToken: cancellationToken).ConfigureAwait(false);
                        return updated;
                    }
                    catch (BlobConditionFailedException) { continue; }
                }
                // The pointer outlived its alert (resolved, or a crash between writes): clear it and open a new one.
                await store.DeleteAsync(activePath, pointer.ETag, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Write the alert first, then claim the pointer: a pointer never names a missing alert.
            var id = NewId(candidate.Kind, candidate.Subject, now);
            var alert = new DriftAlert
            {
                Id = id, Kind = candidate.Kind, Subject = candidate.Subject, Severity = candidate.Severity, Status = AlertStatus.Open,
                Title = candidate.Title, Summary = candidate.Summary, Evidence = candidate.Evidence, FirstSeen = now, LastSeen = now,
                History = [new AlertTransition(AlertStatus.Open, "drift check", now, null)],
            };
            if (!await store.TryCreateAsync(PathOf(id), BinaryData.FromObjectAsJson(alert, StoreJson.Options), cancellationToken).ConfigureAwait(false))
                continue;
            if (!await store.TryCreateAsync(activePath, BinaryData.FromObjectAsJson(new ActivePointer(id), StoreJson.Options), cancellationToken).ConfigureAwait(false))
            {
                // Another check opened it first: drop ours and update theirs.
                await store.DeleteAsync(PathOf(id), cancellationToken: cancellationToken).ConfigureAwait(false);
                continue;
            }
            return alert;
        }
        throw new BlobConditionFailedException(activePath, WriteCondition.None);
    }

    public async Task<DriftAlert?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        IsValidId(id) ? (await store.ReadJsonAsync<DriftAlert>(PathOf(id), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value : null;

    /// <summary>Alerts, newest first; <paramref name="status"/> filters (open, acknowledged, resolved).</summary>
    public async Task<IReadOnlyList<DriftAlert>> ListAsync(string? status = null, CancellationToken cancellationToken = default)
    {
        var alerts = new List<DriftAlert>();
        await foreach (var blob in store.ListAsync(Folder, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Path.StartsWith(ActiveFolder, StringComparison.Ordinal) || !blob.Path.EndsWith(".json", StringComparison.Ordinal)) continue;
            if (await store.ReadJsonAsync<DriftAlert>(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } found
                && (status is null || found.Value.Status == status))
                alerts.Add(found.Value);
        }
        return PageKey.NewestFirst(alerts, AlertPaging.KeyOf);
    }

    /// <summary>open → acknowledged. Null when no such alert.</summary>
    public Task<DriftAlert?> AcknowledgeAsync(string id, string by, string? note, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        TransitionAsync(id, AlertStatus.Acknowledged, by, note, now, cancellationToken);

    /// <summary>open | acknowledged → resolved; the next detection of the same kind and subject opens a new alert.</summary>
    public Task<DriftAlert?> ResolveAsync(string id, string by, string? note, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        TransitionAsync(id, AlertStatus.Resolved, by, note, now, cancellationToken);

    private async Task<DriftAlert?> TransitionAsync(string id, string status, string by, string? note, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!IsValidId(id)) return null;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var found = await store.ReadJsonAsync<DriftAlert>(PathOf(id), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (found is null) return null;
            var alert = found.Value.Value;
            var allowed = status == AlertStatus.Acknowledged ? alert.Status == AlertStatus.Open : alert.Status != AlertStatus.Resolved;
            if (!allowed) throw new AlertTransitionException($"Alert {id} is {alert.Status}{LastChange(alert)}; it cannot become {status}.");
            // The note is optional: given blank (the page's prompt answered with nothing, `--note ""`) it is absent, not "".
            var updated = alert with { Status = status, History = [.. alert.History, new AlertTransition(status, by, now, FreeText.OrNull(note))] };
            try
            {
                await store.WriteJsonAsync(PathOf(id), updated, WriteCondition.Match(found.Value.ETag), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (BlobConditionFailedException) { continue; }
            if (status == AlertStatus.Resolved)
            {
                var activePath = ActivePath(alert.Kind, alert.Subject);
                if (await store.ReadJsonAsync<ActivePointer>(activePath, cancellationToken: cancellationToken).ConfigureAwait(false) is { } pointer && pointer.Value.Id == id)
                    try { await store.DeleteAsync(activePath, pointer.ETag, cancellationToken).ConfigureAwait(false); }
                    catch (BlobConditionFailedException) { }
            }
            return updated;
        }
        throw new BlobConditionFailedException(PathOf(id), WriteCondition.None);
    }

    /// <summary>" (by ana at …: \"note\")": a second on-call engineer refused a transition learns who owns the alert.</summary>
    private static string LastChange(DriftAlert alert)
    {
        if (alert.History.Count == 0) return "";
        var last = alert.History[^1];
        var note = last.Note is { Length: > 0 } text ? $": \"{TextClip.Clip(text, 200)}\"" : "";
        return $" (by {last.By} at {last.At.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}{note})";
    }

    public static string PathOf(string id) => $"{Folder}{id}.json";

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 120 && id.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-');

    private static string ActivePath(string kind, string subject) => $"{ActiveFolder}{Hash(kind + "|" + subject)}.json";

    /// <summary>Readable and unique: <c>feature-drift-genre-20240501t000000-3fa2c1</c>.</summary>
    private static string NewId(string kind, string subject, DateTimeOffset now)
    {
        var slug = new StringBuilder();
        foreach (var ch in $"{kind}-{subject}".ToLowerInvariant())
            if (char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch)) slug.Append(ch);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        var text = slug.ToString().Trim('-');
        if (text.Length > 60) text = text[..60].TrimEnd('-');
        return $"{text}-{now.UtcDateTime.ToString("yyyyMMdd't'HHmmss", CultureInfo.InvariantCulture)}-{Hash(kind + "|" + subject + "|" + now.UtcTicks + "|" + Guid.NewGuid())[..6]}";
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];

    private sealed record ActivePointer(string Id);
}
