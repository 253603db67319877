using MLOps.Drift.Alerts;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

public sealed class AlertStoreTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 6, 0, 0, TimeSpan.Zero);

    private static AlertCandidate Candidate(string subject = "genre", string severity = AlertSeverity.Warning) =>
        new(AlertKind.FeatureDrift, subject, severity, $"Feature '{subject}' drifted", "summary", new AlertEvidence { Psi = 0.3, Score = 0.2, Threshold = 0.1 });

    [Fact]
    public async Task Record_SameKindAndSubject_UpdatesOneAlert()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var first = await alerts.RecordAsync(Candidate(), T0, TestContext.Current.CancellationToken);
        var second = await alerts.RecordAsync(Candidate(severity: AlertSeverity.Critical), T0.AddDays(1), TestContext.Current.CancellationToken);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Occurrences);
        Assert.Equal(AlertSeverity.Critical, second.Severity);
        Assert.Equal(T0, second.FirstSeen);
        Assert.Equal(T0.AddDays(1), second.LastSeen);
        Assert.Single(await alerts.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Lifecycle_OpenAcknowledgedResolved_KeepsWhoWhenAndNote()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var ct = TestContext.Current.CancellationToken;
        var alert = await alerts.RecordAsync(Candidate(), T0, ct);
        var acked = await alerts.AcknowledgeAsync(alert.Id, "ana", "looking", T0.AddMinutes(5), ct);
        Assert.Equal(AlertStatus.Acknowledged, acked!.Status);
        // A repeated detection updates the acknowledged alert; it stays acknowledged.
        var again = await alerts.RecordAsync(Candidate(), T0.AddHours(1), ct);
        Assert.Equal(alert.Id, again.Id);
        Assert.Equal(AlertStatus.Acknowledged, again.Status);
        var resolved = await alerts.ResolveAsync(alert.Id, "ana", "source fixed", T0.AddHours(2), ct);
        Assert.Equal(AlertStatus.Resolved, resolved!.Status);
        Assert.Equal(["open", "acknowledged", "resolved"], resolved.History.Select(h => h.Status));
        Assert.Equal("source fixed", resolved.History[^1].Note);
        Assert.Equal("ana", resolved.History[^1].By);
        await Assert.ThrowsAsync<AlertTransitionException>(() => alerts.AcknowledgeAsync(alert.Id, "bo", null, T0.AddHours(3), ct));
        // After resolution the next detection opens a new alert.
        var reopened = await alerts.RecordAsync(Candidate(), T0.AddDays(2), ct);
        Assert.NotEqual(alert.Id, reopened.Id);
        Assert.Equal(AlertStatus.Open, reopened.Status);
        Assert.Single(await alerts.ListAsync(AlertStatus.Open, ct));
        Assert.Single(await alerts.ListAsync(AlertStatus.Resolved, ct));
    }

    /// <summary>A note is optional: given blank it is absent (the page's prompt answered with OK and nothing recorded "").</summary>
    [Fact]
    public async Task ABlankNote_IsNoNote()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var ct = TestContext.Current.CancellationToken;
        var alert = await alerts.RecordAsync(Candidate(), T0, ct);
        var acked = await alerts.AcknowledgeAsync(alert.Id, "ana", "", T0.AddMinutes(5), ct);
        Assert.Null(acked!.History[^1].Note);
        var resolved = await alerts.ResolveAsync(alert.Id, "ana", "  ", T0.AddMinutes(6), ct);
        Assert.Null(resolved!.History[^1].Note);
    }

    /// <summary>
    /// Two on-call engineers acknowledge the same alert: the second learns who owns it (it read "Alert X is acknowledged; it
    /// cannot become acknowledged", naming nobody), and a resolve of a resolved alert says who resolved it and why.
    /// </summary>
    [Fact]
    public async Task ARefusedTransition_NamesWhoLastChangedTheAlert_WhenAndTheirNote()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var ct = TestContext.Current.CancellationToken;
        var alert = await alerts.RecordAsync(Candidate(), T0, ct);
        await alerts.AcknowledgeAsync(alert.Id, "ana", "looking: genre share", T0.AddMinutes(5), ct);
        var twice = await Assert.ThrowsAsync<AlertTransitionException>(() => alerts.AcknowledgeAsync(alert.Id, "bo", null, T0.AddMinutes(6), ct));
        Assert.Equal($"Alert {alert.Id} is acknowledged (by ana at 2024-05-01 06:05:00Z: \"looking: genre share\"); it cannot become acknowledged.", twice.Message);
        await alerts.ResolveAsync(alert.Id, "drift-check", null, T0.AddHours(1), ct);
        var late = await Assert.ThrowsAsync<AlertTransitionException>(() => alerts.ResolveAsync(alert.Id, "bo", "fixed", T0.AddHours(2), ct));
        Assert.Equal($"Alert {alert.Id} is resolved (by drift-check at 2024-05-01 07:00:00Z); it cannot become resolved.", late.Message);
    }

    /// <summary>The page's alert list says who acknowledged or resolved an alert (it said "acknowledged" and nobody), and every
    /// time on the pages names its zone (the list's "last seen", the owner line and the alert's history had none).</summary>
    [Fact]
    public async Task ThePage_NamesWhoAcknowledgedOrResolvedEachAlert()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var ct = TestContext.Current.CancellationToken;
        var alert = await alerts.RecordAsync(Candidate(), T0, ct);
        var acked = await alerts.AcknowledgeAsync(alert.Id, "ana", "looking", T0.AddMinutes(5), ct);
        var page = Web.DriftPage.Render([], [acked!], interactive: true);
        Assert.Contains($"<span data-testid=\"status-{alert.Id}\">acknowledged</span>", page, StringComparison.Ordinal);
        Assert.Contains($"<div class=\"muted\" data-testid=\"owner-{alert.Id}\">by ana, 2024-05-01 06:05 UTC</div>", page, StringComparison.Ordinal);
        Assert.Contains($"<td>{T0.UtcDateTime:yyyy-MM-dd HH:mm} UTC</td>", page, StringComparison.Ordinal);   // last seen
        // First seen beside last seen: an alert seen again a day later says since when it has been open (the list showed only the latest).
        var seenAgain = await alerts.RecordAsync(Candidate(), T0.AddDays(1), ct);
        var list = Web.DriftPage.Render([], [seenAgain], interactive: true);
        Assert.Contains("<th>first seen</th><th>last seen</th>", list, StringComparison.Ordinal);
        Assert.Contains($"<td>{T0.UtcDateTime:yyyy-MM-dd HH:mm} UTC</td><td>{T0.AddDays(1).UtcDateTime:yyyy-MM-dd HH:mm} UTC</td>", list, StringComparison.Ordinal);
        var detail = Web.DriftPage.RenderAlert(acked!, interactive: true);
        Assert.Contains("<td>2024-05-01 06:05:00 UTC</td>", detail, StringComparison.Ordinal);                 // history
        var open = Web.DriftPage.Render([], [alert], interactive: true);
        Assert.Contains($"<div class=\"muted\" data-testid=\"owner-{alert.Id}\"></div>", open, StringComparison.Ordinal);
        // The alert timeline's axis: both ends carry their zone, like every other time on the page.
        var timeline = Web.Svg.Timeline("alerts", [("genre", T0, T0.AddHours(2), "warning", "open")], "timeline");
        Assert.Contains(">2024-05-01 06:00 UTC</text>", timeline, StringComparison.Ordinal);
        Assert.Contains(">2024-05-01 08:00 UTC</text>", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcknowledgedWarning_DetectedAgainAsCritical_OpensAgain_WithTheEscalationInItsHistory()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var ct = TestContext.Current.CancellationToken;
        var alert = await alerts.RecordAsync(Candidate(), T0, ct);
        await alerts.AcknowledgeAsync(alert.Id, "ana", "watching it", T0.AddMinutes(5), ct);

        var critical = await alerts.RecordAsync(Candidate(severity: AlertSeverity.Critical), T0.AddHours(1), ct);

        Assert.Equal(alert.Id, critical.Id);
        Assert.Equal(AlertStatus.Open, critical.Status);
        Assert.Equal(["open", "acknowledged", "open"], critical.History.Select(h => h.Status));
        Assert.Equal("escalated from warning to critical", critical.History[^1].Note);
        Assert.Single(await alerts.ListAsync(AlertStatus.Open, ct));
        // Acknowledging the critical one holds; a further critical detection leaves it acknowledged.
        await alerts.AcknowledgeAsync(alert.Id, "ana", "on it", T0.AddHours(2), ct);
        Assert.Equal(AlertStatus.Acknowledged, (await alerts.RecordAsync(Candidate(severity: AlertSeverity.Critical), T0.AddHours(3), ct)).Status);
    }

    [Fact]
    public async Task Record_ConcurrentDetections_OpenExactlyOneAlert()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => alerts.RecordAsync(Candidate(), T0.AddSeconds(i)))));
        Assert.Single(results.Select(r => r.Id).Distinct());
        var stored = Assert.Single(await alerts.ListAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(8, stored.Occurrences);
    }

    [Fact]
    public async Task Transition_UnknownOrMalformedId_ReturnsNull()
    {
        var alerts = new AlertStore(TestEnvironment.NewFolderStore());
        Assert.Null(await alerts.AcknowledgeAsync("no-such-alert", "x", null, T0, TestContext.Current.CancellationToken));
        Assert.Null(await alerts.GetAsync("../keys/x", TestContext.Current.CancellationToken));
    }
}
