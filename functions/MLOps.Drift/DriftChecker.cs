using Stopwatch = System.Diagnostics.Stopwatch;
using System.Globalization;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Alerts;
using MLOps.Drift.Decay;
using MLOps.Drift.Prediction;
using MLOps.Drift.Scores;
using MLOps.Drift.Window;
using MLOps.Features.Statistics;
using MLOps.Features;
using MLOps.Storage;

namespace MLOps.Drift;

/// <summary>
/// The drift check: compares one window of events with the reference (the champion's training data), checks data
/// quality, volume, freshness and accounts, deduplicates the findings into alerts and stores the report under <c>drift/reports/</c>.
/// <see cref="EvaluateAsync"/> computes without writing anything; <see cref="CheckAsync(DriftReference?, DriftWindow?, CancellationToken)"/> also records.
/// </summary>
public sealed class DriftChecker(IBlobStore store, DriftOptions? options = null, TimeProvider? time = null)
{
    public const string ReportsFolder = StoreLayout.Drift + "reports/";
    private readonly DriftOptions _options = options ?? new DriftOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public DriftOptions Options => _options;
    public AlertStore Alerts { get; } = new(store);

    /// <summary>One call for activities and scripts: check <paramref name="window"/> (default: the latest day) against <paramref name="reference"/> (null: no champion yet).</summary>
    public static Task<DriftReport> CheckAsync(IBlobStore store, DriftReference? reference, DriftWindow? window = null, DriftOptions? options = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        new DriftChecker(store, options, time).CheckAsync(reference, window, cancellationToken);

    /// <summary>The champion's precomputed reference, or null when no model is champion yet.</summary>
    public Task<DriftReference?> ChampionReferenceAsync(CancellationToken cancellationToken = default) =>
        DriftReferences.ChampionAsync(store, _options, cancellationToken);

    public async Task<DriftReport> CheckAsync(DriftReference? reference, DriftWindow? window = null, CancellationToken cancellationToken = default)
    {
        // No committed event batch, no window: refused with the message every verb that needs events gives (EventsRequired).
        window ??= WindowReader.Latest(await EventsRequired.CheckAsync(store, "to check for drift", cancellationToken).ConfigureAwait(false), _options.WindowDays)!;
        var (report, candidates) = await EvaluateCoreAsync(reference, window, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var alerts = new List<DriftAlert>();
        foreach (var candidate in candidates)
            alerts.Add(await Alerts.RecordAsync(candidate with
            {
                Evidence = candidate.Evidence with { WindowEnd = window.End, ReferenceKind = candidate.Evidence.Reference is null ? null : report.Reference.Status },
            }, now, cancellationToken).ConfigureAwait(false));
        report = report with { Alerts = alerts };
        report = report with { AutoResolved = await ResolveClearedAsync(report, candidates, now, cancellationToken).ConfigureAwait(false) };
        await store.WriteJsonAsync($"{ReportsFolder}{report.Id}.json", report, WriteCondition.None, cancellationToken: cancellationToken).ConfigureAwait(false);
        await PublishMetricsAsync(report, cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>
    /// Null when <paramref name="window"/> (default: the latest) is to be judged; else why not, after checking freshness alone.
    /// A window whose every event batch (serving's exposure log aside) the champion's training snapshot covered, same path
    /// and ETag, is the champion's own training data, not new traffic: judged against the whole training set it flags
    /// ordinary day-to-day variation (on ML-100k the last day, two heavy raters, is "critical" rating drift) and would
    /// start a retrain that cannot learn anything new. The DriftMonitor and <c>mlops drift check</c> both apply this rule.
    /// </summary>
    public async Task<NotJudgedWindow?> NotJudgedAsync(DriftReference? reference, DriftWindow? window = null, CancellationToken cancellationToken = default)
    {
        if (reference?.Snapshot is not { } snapshot || await new FeatureStore(store).GetManifestAsync(snapshot, cancellationToken).ConfigureAwait(false) is not { } manifest)
            return null;
        var latest = window is null;
        var listed = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        window ??= WindowReader.Latest(listed, _options.WindowDays);
        if (window is null) return null;
        var covered = manifest.Watermark.Batches.Select(b => (b.Path, b.ETag)).ToHashSet();
        var batches = listed.Where(b => window.Covers(b.Day) && !WindowReader.IsExposureLog(b.Blob)).ToList();
        if (batches.Count == 0 || !batches.All(b => covered.Contains((b.Blob.Path, b.Blob.ETag.Value)))) return null;

        // No new events is also what a stalled ingestion looks like: its own check still runs.
        var (freshness, stalled) = await CheckFreshnessAsync(cancellationToken).ConfigureAwait(false);
        return new NotJudgedWindow
        {
            Window = window.ToString(),
            Note = $"not judged: every event of the {(latest ? "latest " : "")}window {window} was in the champion's training snapshot {snapshot} (no new events"
                + (freshness.SilenceHours is { } hours ? $"; events last written {hours:F1} h ago)" : ")"),
            Reference = new ReferenceInfo { Status = reference.Kind, Source = reference.Source, ModelVersion = reference.ModelVersion, Snapshot = snapshot, Events = reference.Events },
            Freshness = freshness,
            Alerts = stalled is null ? [] : [stalled],
        };
    }

    /// <summary>
    /// The freshness check alone, for when the window is not judged (no events newer than the champion's training data:
    /// exactly what a stall looks like): records its alert, or resolves an open one once events arrive again.
    /// </summary>
    public async Task<(FreshnessCheck Check, DriftAlert? Alert)> CheckFreshnessAsync(CancellationToken cancellationToken = default)
    {
        var (check, alert) = await CheckFreshnessCoreAsync(cancellationToken).ConfigureAwait(false);
        // This is the whole check when the window is not judged (the usual stall): the open-critical rule reads this gauge.
        await PublishOpenAlertsAsync(cancellationToken).ConfigureAwait(false);
        return (check, alert);
    }

    private async Task<(FreshnessCheck Check, DriftAlert? Alert)> CheckFreshnessCoreAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var check = IngestFreshness.Measure(await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false), now, _options);
        if (IngestFreshness.Candidate(check, null, _options) is { } candidate)
            return (check, await Alerts.RecordAsync(candidate, now, cancellationToken).ConfigureAwait(false));
        if (check.LastWrite is not null)
            foreach (var open in await Alerts.ListAsync(null, cancellationToken).ConfigureAwait(false))
                if (open.Kind == AlertKind.Freshness && open.Status != AlertStatus.Resolved)
                {
                    try
                    {
                        await Alerts.ResolveAsync(open.Id, AutoResolve.By, $"auto-resolved: events were written {check.SilenceHours:F1} h ago ({check.LastBlob})", now, cancellationToken).ConfigureAwait(false);
                    }
                    catch (AlertTransitionException) { } // resolved by someone else meanwhile
                }
        return (check, null);
    }

    /// <summary>Resolves (as "drift-check", with a note) the unresolved alerts this check measured again and no longer detects.</summary>
    private async Task<IReadOnlyList<DriftAlert>> ResolveClearedAsync(DriftReport report, IReadOnlyList<AlertCandidate> candidates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var detected = AutoResolve.Detected(report, candidates);
        var resolved = new List<DriftAlert>();
        foreach (var alert in await Alerts.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (!AutoResolve.Cleared(alert, report, detected)) continue;
            try
            {
                if (await Alerts.ResolveAsync(alert.Id, AutoResolve.By, AutoResolve.Note(alert, report), now, cancellationToken).ConfigureAwait(false) is { } done)
                    resolved.Add(done);
            }
            catch (AlertTransitionException) { } // resolved by someone else meanwhile
        }
        return resolved;
    }

    /// <summary>Computes the report and the alerts it would raise, writing nothing (benchmarks, previews).</summary>
    public async Task<(DriftReport Report, IReadOnlyList<AlertCandidate> Alerts)> EvaluateAsync(DriftReference? reference, DriftWindow window, CancellationToken cancellationToken = default) =>
        await EvaluateCoreAsync(reference, window, cancellationToken).ConfigureAwait(false);

    /// <summary>The newest reports (for "PSI over time"), oldest first.</summary>
    public async Task<IReadOnlyList<DriftReport>> RecentReportsAsync(int count, CancellationToken cancellationToken = default)
    {
        var blobs = await store.ListAllAsync(ReportsFolder, cancellationToken).ConfigureAwait(false);
        var reports = new List<DriftReport>();
        foreach (var blob in blobs.OrderByDescending(b => b.Path, StringComparer.Ordinal).Take(count))
            if (await store.ReadJsonAsync<DriftReport>(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } r) reports.Add(r.Value);
        reports.Reverse();
        return reports;
    }

    private async Task<(DriftReport, List<AlertCandidate>)> EvaluateCoreAsync(DriftReference? reference, DriftWindow window, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var checkedAt = _time.GetUtcNow();
        var timings = new Dictionary<string, double>();
        void Lap(string stage) { timings[stage] = Math.Round(clock.Elapsed.TotalSeconds - timings.Values.Sum(), 3); }
        var catalog = await CatalogStore.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        Lap("catalog");
        var aggregate = await WindowReader.ReadAsync(store, window, catalog, _options, cancellationToken).ConfigureAwait(false);
        Lap("scan");
        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        var volume = await VolumeAsync(window, aggregate, batches, checkedAt, cancellationToken).ConfigureAwait(false);
        var freshness = IngestFreshness.Measure(batches, checkedAt, _options);
        Lap("volume");

        var features = new List<FeatureDrift>();
        ServedSummary? served = null;
        if (reference is not null)
        {
            var current = new Dictionary<string, FeatureValues>(aggregate.Features, StringComparer.Ordinal);
            var prediction = reference.Prediction;
            // Served titles are compared with the champion's evaluation when its version carries one; else (a champion
            // registered before) with what was served in the reference period. Popularity bins are the reference's, so
            // the current side is binned only once the reference is known.
            if (prediction is not null)
                foreach (var values in PredictionDrift.Served(prediction, aggregate)) current[values.Name] = values;
            else if (reference.Popularity is { } ranking && aggregate.TitleIds.Count > 0)
                current[DriftFeatures.ServedPopularity] = ServedPopularity.Served(ranking, aggregate);
            foreach (var name in DriftFeatures.All)
            {
                var refStats = prediction is not null && DriftFeatures.IsPrediction(name) ? prediction.Feature(name) : reference.Feature(name);
                if (refStats is not null && current.TryGetValue(name, out var values) && Compare(refStats, values) is { } drift)
                    features.Add(drift);
            }
            served = PredictionDrift.Summary(reference, aggregate);
        }
        Lap("scores");
        var decay = await PerformanceDecay.CheckAsync(store, reference, window, checkedAt, _options, cancellationToken).ConfigureAwait(false);
        Lap("decay");
        var judged = features.Where(f => f.Method != "none" && !DriftFeatures.IsPrediction(f.Name)).ToList();
        var drifted = judged.Count(f => f.Drifted);
        var share = judged.Count == 0 ? 0 : (double)drifted / judged.Count;
        var datasetDrift = judged.Count > 0 && share >= _options.DriftShare;

        var ratingRef = reference?.Feature(DriftFeatures.Rating);
        var ratings = aggregate.Features.GetValueOrDefault(DriftFeatures.Rating)?.Sorted ?? [];
        var above = ratingRef?.Max is { } max ? ratings.Length - UpperBound(ratings, max) : 0;
        var quality = new DataQuality
        {
            Lines = aggregate.Lines, Events = aggregate.Events, Exposures = aggregate.Exposures, InvalidRows = aggregate.Invalid,
            UnknownContent = aggregate.UnknownContent, CatalogChecked = aggregate.HasCatalog,
            UnknownContentShare = aggregate.Events == 0 ? 0 : (double)aggregate.UnknownContent / aggregate.Events,
            UnknownContentSamples = aggregate.UnknownContentSamples,
            ReferenceRatingMax = ratingRef?.Max, CurrentRatingMax = ratings.Length > 0 ? ratings[^1] : null, RatingsAboveReferenceMax = above,
        };
        var referenceInfo = reference is null
            ? new ReferenceInfo { Status = "none", Source = "no reference: no champion model yet, so distribution drift is not judged" }
            : new ReferenceInfo { Status = reference.Kind, Source = reference.Source, ModelVersion = reference.ModelVersion, Snapshot = reference.Snapshot, Events = reference.Events };

        var report = new DriftReport
        {
            Id = $"{checkedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)}Z-{window.ToString().Replace(':', '-')}",
            CheckedAt = checkedAt, Window = window.ToString(), WindowStart = window.Start, WindowEnd = window.End,
            Reference = referenceInfo, DatasetDrift = datasetDrift, JudgedFeatures = judged.Count, DriftedFeatures = drifted, DriftShare = share, DriftShareThreshold = _options.DriftShare,
            Features = features, Quality = quality, Volume = volume, Freshness = freshness, Accounts = aggregate.Accounts, Decay = decay, Served = served,
        };
        var candidates = Candidates(report, reference);
        report = report with
        {
            RetrainRecommended = reference is not null && candidates.Any(c => c.Severity == AlertSeverity.Critical
                && c.Kind is AlertKind.FeatureDrift or AlertKind.DatasetDrift or AlertKind.PredictionDrift or AlertKind.PerformanceDecay),
            Seconds = clock.Elapsed.TotalSeconds,
            Timings = timings,
        };
        return (report, candidates);
    }

    /// <summary>One feature's comparison; null when neither side has the feature.</summary>
    internal FeatureDrift? Compare(FeatureStatistics reference, FeatureValues current)
    {
        var refRows = reference.Count - reference.Nulls;
        var curRows = current.NonNull;
        if (refRows == 0 && curRows == 0) return null;
        var bins = new List<BinContribution>();
        double psi;
        long[] refCounts, curCounts;
        string[] labels;
        if (reference.Kind == FeatureKind.Numeric)
        {
            var edges = reference.BinEdges ?? [];
            refCounts = reference.BinCounts ?? new long[edges.Length + 1];
            curCounts = DriftScores.Bin(current.Sorted ?? [], edges);
            labels = NumericLabels(edges);
        }
        else
        {
            var refCats = reference.Categories ?? [];
            var curCats = current.Categories ?? [];
            labels = refCats.Keys.Union(curCats.Keys, StringComparer.Ordinal)
                .OrderByDescending(k => refCats.GetValueOrDefault(k)).ThenByDescending(k => curCats.GetValueOrDefault(k)).ThenBy(k => k, StringComparer.Ordinal).ToArray();
            refCounts = labels.Select(k => refCats.GetValueOrDefault(k)).ToArray();
            curCounts = labels.Select(k => curCats.GetValueOrDefault(k)).ToArray();
        }
        psi = DriftScores.Psi(refCounts, curCounts, labels, bins);

        var drift = new FeatureDrift
        {
            Name = reference.Name, Kind = reference.Kind.ToString().ToLowerInvariant(), Method = "none", Psi = psi,
            ReferenceRows = refRows, CurrentRows = curRows, Bins = bins,
            ReferenceNullShare = reference.Count == 0 ? 0 : (double)reference.Nulls / reference.Count,
            CurrentNullShare = current.Count == 0 ? 0 : (double)current.Nulls / current.Count,
        };
        if (refRows < _options.MinRows || curRows < _options.MinRows)
            return drift with { Note = $"not judged: {Math.Min(refRows, curRows)} rows, fewer than {_options.MinRows}" };

        var small = Math.Min(refRows, curRows) <= _options.StatTestMaxRows;
        if (reference.Kind == FeatureKind.Numeric)
        {
            var sample = reference.Sample ?? [];
            if (!IsSorted(sample)) { sample = [.. sample]; Array.Sort(sample); }
            if (small)
            {
                var (d, p) = DriftScores.KolmogorovSmirnov(sample, current.Sorted);
                drift = drift with { Method = "ks", Score = p, Statistic = d, Threshold = _options.PValue, Drifted = p < _options.PValue };
            }
            else
            {
                var std = reference.StdDev is { } s ? Math.Max(s, 0.001) : 0;
                var w = std > 0 ? DriftScores.Wasserstein(sample, current.Sorted) / std : DriftScores.WassersteinNormed(sample, current.Sorted);
                drift = drift with { Method = "wasserstein", Score = w, Threshold = _options.WassersteinThreshold, Drifted = w >= _options.WassersteinThreshold };
            }
        }
        else if (small)
        {
            var (chi, p) = DriftScores.ChiSquare(refCounts, curCounts);
            drift = drift with { Method = "chisquare", Score = p, Statistic = chi, Threshold = _options.PValue, Drifted = p < _options.PValue };
        }
        else
        {
            var js = DriftScores.JensenShannon(refCounts, curCounts);
            drift = drift with { Method = "jensenshannon", Score = js, Threshold = _options.JensenShannonThreshold, Drifted = js >= _options.JensenShannonThreshold };
        }
        // An alert needs both: the size-aware test says drifted, and PSI (an effect size on the same bins for every
        // feature) passes 0.1 (warning) or 0.25 (critical). Either alone is trigger-happy on small or heavy-tailed windows.
        var severity = !drift.Drifted ? "none" : psi >= _options.PsiAlert ? AlertSeverity.Critical : psi >= _options.PsiWarning ? AlertSeverity.Warning : "none";
        return drift with { Severity = severity };
    }

    private async Task<VolumeCheck> VolumeAsync(DriftWindow window, WindowAggregate aggregate, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var elapsed = (int)Math.Clamp(Math.Floor((now - window.Start).TotalHours), 0, window.Hours);
        var hourly = aggregate.Hourly;
        var firstDay = window.FirstDay;
        var history = batches.Where(b => b.Day < firstDay && b.Day >= firstDay.AddDays(-_options.BaselineDays))
            .GroupBy(b => b.Day).OrderBy(g => g.Key).ToList();
        if (history.Count < _options.MinBaselineDays || elapsed == 0)
            return new VolumeCheck
            {
                Events = aggregate.Events, Hourly = hourly, BaselineDays = history.Count,
                Baseline = elapsed == 0 ? "none: the window has not started yet" : $"none: {history.Count} days of history before the window, {_options.MinBaselineDays} needed",
            };

        var days = new List<(DateOnly Day, long[] Hours)>();
        foreach (var day in history)
            days.Add((day.Key, await WindowReader.HourlyCountsAsync(store, day.Key, day.Select(d => d.Blob).ToList(), _options, cancellationToken).ConfigureAwait(false)));
        // Seasonal baseline: with three weeks or more, the same weekday's hours; otherwise every day's same hour.
        var weekly = days.Count >= 21;
        var expected = new double[hourly.Length];
        for (var h = 0; h < hourly.Length; h++)
        {
            var at = window.Start.AddHours(h);
            var hourOfDay = at.UtcDateTime.Hour;
            var matching = days.Where(d => !weekly || d.Day.DayOfWeek == DateOnly.FromDateTime(at.UtcDateTime).DayOfWeek).ToList();
            expected[h] = matching.Count == 0 ? 0 : matching.Average(d => (double)d.Hours[hourOfDay]);
        }
        long actual = 0;
        double expectedTotal = 0;
        for (var h = 0; h < elapsed; h++) { actual += hourly[h]; expectedTotal += expected[h]; }
        return new VolumeCheck
        {
            Events = aggregate.Events, Hourly = hourly, HourlyExpected = expected, BaselineDays = days.Count,
            Expected = expectedTotal, Ratio = expectedTotal > 0 ? actual / expectedTotal : null,
            Baseline = weekly ? $"same weekday and hour over the {days.Count} days before the window" : $"same hour of day over the {days.Count} days before the window",
        };
    }

    private List<AlertCandidate> Candidates(DriftReport report, DriftReference? reference)
    {
        var list = new List<AlertCandidate>();
        var window = report.Window;
        var referenceText = report.Reference.Source;
        foreach (var f in report.Features.Where(f => f.Severity != "none"))
        {
            var top = f.Bins.OrderByDescending(b => b.Contribution).Take(3).ToList();
            var first = top.FirstOrDefault();
            var change = first is null ? "" : $" Biggest change: {f.Name} {first.Bin} {first.Reference:P1} → {first.Current:P1}.";
            var prediction = DriftFeatures.IsPrediction(f.Name);
            var facts = new Dictionary<string, string> { ["referenceRows"] = Fmt(f.ReferenceRows), ["currentRows"] = Fmt(f.CurrentRows) };
            // Only a statistical test has a statistic (χ², KS D) beside its p-value; a distance's score is the distance itself.
            if (f.Statistic is { } statistic) facts["statistic"] = Fmt(statistic);
            var head = "";
            if (prediction && report.Served is { } servedBy)
            {
                facts["predictionReference"] = servedBy.Source;
                facts["scoredExposures"] = Fmt(servedBy.ScoredExposures);
                facts["exposures"] = Fmt(servedBy.Exposures);
                facts["servedModels"] = string.Join(", ", servedBy.Models.OrderByDescending(m => m.Value).Take(3).Select(m => $"{m.Key}: {Fmt(m.Value)}"));
            }
            if (f.Name == DriftFeatures.ServedScore && report.Served is { } scores)
            {
                facts["referenceMedian"] = Fmt(scores.ReferenceScoreMedian ?? 0);
                facts["currentMedian"] = Fmt(scores.CurrentScoreMedian ?? 0);
                head = $" Median served score {Fmt(scores.ReferenceScoreMedian ?? 0)} at evaluation → {Fmt(scores.CurrentScoreMedian ?? 0)} served"
                    + (scores.Models.Count > 0 ? $" (served by {facts["servedModels"]})." : ".");
            }
            if (f.Name == DriftFeatures.ServedPopularity)
            {
                var (refHead, curHead) = (HeadShare(f, b => b.Reference), HeadShare(f, b => b.Current));
                facts["referenceTop10Share"] = Fmt(refHead);
                facts["currentTop10Share"] = Fmt(curHead);
                head = $" Served from the reference's top 10 % of titles: {refHead:P1} → {curHead:P1}.";
            }
            list.Add(new AlertCandidate(prediction ? AlertKind.PredictionDrift : AlertKind.FeatureDrift, f.Name, f.Severity,
                f.Name == DriftFeatures.ServedScore ? "What we serve has shifted (score distribution of served recommendations)"
                : f.Name == DriftFeatures.ServedGenre ? "What we serve has shifted (genre mix of served titles)"
                : f.Name == DriftFeatures.ServedPopularity ? "What we serve has shifted (popularity of served titles)" : $"Feature '{f.Name}' drifted",
                $"{f.Name}: {f.Method} {Fmt(f.Score)} (threshold {Fmt(f.Threshold)}), PSI {Fmt(f.Psi)} (warn {Fmt(_options.PsiWarning)}, alert {Fmt(_options.PsiAlert)}).{change}{head} "
                + (prediction ? $"Compared with the {(report.Served?.Reference == PredictionDrift.Evaluation ? "champion's offline evaluation" : "titles served in the reference period")}. Check which model and filters serving runs (a new champion, an experiment, a broken candidate source) before blaming the audience."
                    : "Check for a source or app change first; if the audience really changed, retrain."),
                new AlertEvidence
                {
                    Window = window, Reference = referenceText, Method = f.Method, Score = f.Score, Threshold = f.Threshold, Psi = f.Psi, TopBins = top, Facts = facts,
                }));
        }
        if (report.DatasetDrift)
        {
            var drifted = report.Features.Where(f => f.Drifted && !DriftFeatures.IsPrediction(f.Name)).Select(f => f.Name).ToList();
            list.Add(new AlertCandidate(AlertKind.DatasetDrift, "dataset", AlertSeverity.Critical, "Dataset drift",
                $"{report.DriftedFeatures} of {report.JudgedFeatures} judged features drifted ({report.DriftShare:P0}, threshold {report.DriftShareThreshold:P0}): {string.Join(", ", drifted)}. The champion sees data unlike its training data; retraining is recommended.",
                new AlertEvidence { Window = window, Reference = referenceText, Method = "drift share", Score = report.DriftShare, Threshold = report.DriftShareThreshold,
                    Facts = new Dictionary<string, string> { ["driftedFeatures"] = string.Join(", ", drifted) } }));
        }

        foreach (var f in report.Features)
        {
            var rise = f.CurrentNullShare - f.ReferenceNullShare;
            if (rise < _options.NullRiseWarning) continue;
            list.Add(new AlertCandidate(AlertKind.DataQuality, $"nulls:{f.Name}", rise >= _options.NullRiseCritical ? AlertSeverity.Critical : AlertSeverity.Warning,
                $"Missing values in '{f.Name}' rose",
                $"{f.Name} is missing in {f.CurrentNullShare:P1} of rows against {f.ReferenceNullShare:P1} in the reference. Look for a client or ingestion change that stopped sending it.",
                new AlertEvidence { Window = window, Reference = referenceText, Method = "null share rise", Score = rise, Threshold = _options.NullRiseWarning }));
        }
        var q = report.Quality;
        if (q.Lines > 0 && (double)q.InvalidRows / q.Lines >= _options.InvalidRowsWarning)
            list.Add(new AlertCandidate(AlertKind.DataQuality, "invalid-rows", AlertSeverity.Warning, "Stored events that cannot be read",
                $"{q.InvalidRows} of {q.Lines} stored lines in the window are not valid events. Find the batch that wrote them.",
                new AlertEvidence { Window = window, Method = "invalid share", Score = (double)q.InvalidRows / q.Lines, Threshold = _options.InvalidRowsWarning }));
        if (q.CatalogChecked && q.UnknownContentShare >= _options.UnknownIdWarning)
            list.Add(new AlertCandidate(AlertKind.DataQuality, "unknown-content", q.UnknownContentShare >= _options.UnknownIdCritical ? AlertSeverity.Critical : AlertSeverity.Warning,
                "Events for titles not in the catalogue",
                $"{q.UnknownContentShare:P1} of events ({q.UnknownContent}) name content ids the catalogue does not have, e.g. {string.Join(", ", q.UnknownContentSamples.Take(3))}. Import the catalogue or check the id mapping.",
                new AlertEvidence { Window = window, Method = "unknown id share", Score = q.UnknownContentShare, Threshold = _options.UnknownIdWarning,
                    Facts = new Dictionary<string, string> { ["samples"] = string.Join(", ", q.UnknownContentSamples) } }));
        var ratingRows = report.Features.FirstOrDefault(f => f.Name == DriftFeatures.Rating)?.CurrentRows ?? 0;
        if (q.ReferenceRatingMax is { } refMax && ratingRows > 0 && (double)q.RatingsAboveReferenceMax / ratingRows >= _options.RatingOutOfScale)
            list.Add(new AlertCandidate(AlertKind.DataQuality, "rating-scale", AlertSeverity.Critical, "Ratings outside the reference scale",
                $"{(double)q.RatingsAboveReferenceMax / ratingRows:P1} of ratings exceed the reference maximum {Fmt(refMax)} (current maximum {Fmt(q.CurrentRatingMax ?? 0)}): the rating scale probably changed. Normalize ratings before training.",
                new AlertEvidence { Window = window, Reference = referenceText, Method = "share above reference max", Score = (double)q.RatingsAboveReferenceMax / ratingRows, Threshold = _options.RatingOutOfScale,
                    Facts = new Dictionary<string, string> { ["referenceMax"] = Fmt(refMax), ["currentMax"] = Fmt(q.CurrentRatingMax ?? 0) } }));

        var v = report.Volume;
        if (v.Ratio is { } ratio)
        {
            string? severity = ratio <= _options.VolumeLowCritical || ratio >= _options.VolumeHighCritical ? AlertSeverity.Critical
                : ratio <= _options.VolumeLowWarning || ratio >= _options.VolumeHighWarning ? AlertSeverity.Warning : null;
            if (severity is not null)
                list.Add(new AlertCandidate(AlertKind.Volume, "events", severity, ratio < 1 ? "Event volume dropped" : "Event volume surged",
                    $"{v.Events} events against {Events(v.Expected ?? 0)} expected ({ratio:P0}; baseline: {v.Baseline}). A drop usually means ingestion or a client stopped sending; a surge, a bot or a replay.",
                    new AlertEvidence { Window = window, Method = "events / expected", Score = ratio, Threshold = ratio < 1 ? _options.VolumeLowWarning : _options.VolumeHighWarning,
                        Facts = new Dictionary<string, string> { ["events"] = Fmt(v.Events), ["expected"] = Fmt(v.Expected ?? 0), ["baseline"] = v.Baseline } }));
        }

        if (report.Freshness is { } freshness && IngestFreshness.Candidate(freshness, window, _options) is { } stalled) list.Add(stalled);

        foreach (var group in report.Accounts.GroupBy(a => a.Kind))
            foreach (var a in group.Take(_options.MaxAccountAlerts))
            {
                var sharing = a.Kind != "burst";
                list.Add(new AlertCandidate(sharing ? AlertKind.AccountSharing : AlertKind.EventBurst, $"user:{a.UserId}", AlertSeverity.Warning,
                    a.Kind switch { "many-countries" => $"Account {a.UserId} active from {a.Countries.Count} countries within an hour", "many-devices" => $"Account {a.UserId} active on {a.Devices.Count} devices within an hour", _ => $"Burst of {a.Events} events from account {a.UserId}" },
                    $"Within {a.Hour.UtcDateTime:yyyy-MM-dd HH}:00 UTC account {a.UserId} sent {a.Events} events{Where(a)}. Possible account sharing, takeover or a bot.",
                    new AlertEvidence { Window = window, Method = a.Kind, Score = a.Kind == "many-countries" ? a.Countries.Count : a.Kind == "many-devices" ? a.Devices.Count : a.Events,
                        Threshold = a.Kind == "many-countries" ? _options.CountriesPerHour : a.Kind == "many-devices" ? _options.DevicesPerHour : _options.EventsPerUserHour,
                        Facts = new Dictionary<string, string> { ["hour"] = a.Hour.ToString("O", CultureInfo.InvariantCulture), ["countries"] = string.Join(", ", a.Countries), ["devices"] = string.Join(", ", a.Devices), ["events"] = Fmt(a.Events) } }));
            }

        if (report.Decay is { Status: DecayCheck.Measured, Severity: not "none" } d)
            list.Add(new AlertCandidate(AlertKind.PerformanceDecay, "hit-rate", d.Severity, "Recommendations are played less than the offline evaluation promised",
                $"{d.Note}. Online is {d.Ratio:P0} of offline (warn at ≤ {1 - _options.DecayWarning:P0}, critical at ≤ {1 - _options.DecayCritical:P0}, when the 95 % interval is wholly below offline). "
                + "Check serving first (model loaded, fallbacks, exposure logging, play ingestion); if they are fine, the champion has gone stale: retrain.",
                new AlertEvidence
                {
                    Window = window, Reference = referenceText, Method = "online hit rate vs offline (Wilson 95 %)", Score = d.OnlineHitRate, Threshold = d.OfflineHitRate * (1 - _options.DecayWarning),
                    Facts = new Dictionary<string, string>
                    {
                        ["servedLists"] = Fmt(d.ServedLists), ["listsWithPlay"] = Fmt(d.ListsWithPlay), ["onlineHitRate"] = Fmt(d.OnlineHitRate ?? 0),
                        ["onlineInterval"] = $"[{Fmt(d.Lower ?? 0)}, {Fmt(d.Upper ?? 1)}]", ["offlineMetric"] = d.OfflineMetric ?? "",
                        ["offlineHitRate"] = Fmt(d.OfflineHitRate ?? 0),
                        ["offlineInterval"] = d.OfflineLower is { } ol && d.OfflineUpper is { } ou ? $"[{Fmt(ol)}, {Fmt(ou)}]" : "",
                        ["ratio"] = Fmt(d.Ratio ?? 0), ["served"] = $"{d.ServedFrom:O} .. {d.ServedTo:O}", ["horizonDays"] = Fmt(d.HorizonDays), ["listLength"] = Fmt(d.ListLength),
                    },
                }));

        // Without a reference there is nothing to measure drift against: never critical (it would start retraining loops).
        // A stalled ingestion still pages: it never starts a retrain.
        if (reference is null)
            list = list.Select(c => c.Severity == AlertSeverity.Critical && c.Kind != AlertKind.Freshness ? c with { Severity = AlertSeverity.Warning } : c).ToList();
        return list;
    }

    /// <summary>" from countries [..] on devices [..]", leaving out what the events did not carry (MovieLens has neither).</summary>
    private static string Where(AccountAnomaly a) =>
        (a.Countries.Count > 0 ? $" from countries [{string.Join(", ", a.Countries)}]" : "")
        + (a.Devices.Count > 0 ? $" on devices [{string.Join(", ", a.Devices)}]" : "")
        + (a.Countries.Count == 0 && a.Devices.Count == 0 ? " (the events carry no country or device)" : "");

    /// <summary>Share served from the top 10 % of titles: the two head bands (training-events reference) or decile 1 (evaluation reference).</summary>
    private static double HeadShare(FeatureDrift f, Func<BinContribution, double> share) =>
        f.Bins.Where(b => b.Bin is ServedPopularity.Top1 or ServedPopularity.Top10 || b.Bin == PopularityDeciles.Labels[0]).Sum(share);

    /// <summary>
    /// The <c>mlops.drift.score</c> points of a report: PSI and the test's score of every <em>judged</em> feature. A feature
    /// with too few rows is not judged, and its PSI over a handful of rows is noise that would fire the PSI alert rule
    /// (`drift-score`) for a finding the check itself declined to make.
    /// </summary>
    internal static IEnumerable<(string Feature, string Method, double Value)> ScorePoints(DriftReport report)
    {
        foreach (var f in report.Features.Where(f => f.Method != "none"))
        {
            yield return (f.Name, "psi", f.Psi);
            yield return (f.Name, f.Method, f.Score);
        }
    }

    private async Task PublishMetricsAsync(DriftReport report, CancellationToken cancellationToken)
    {
        foreach (var (feature, method, value) in ScorePoints(report))
            MLOpsMetrics.DriftScore.Record(value, new KeyValuePair<string, object?>("feature", feature), new KeyValuePair<string, object?>("method", method));
        await PublishOpenAlertsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>mlops.drift.alerts.open</c> per severity (unresolved: open or acknowledged), which the open-critical rule reads.</summary>
    private async Task PublishOpenAlertsAsync(CancellationToken cancellationToken)
    {
        var open = await Alerts.ListAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var severity in new[] { AlertSeverity.Warning, AlertSeverity.Critical })
            MLOpsMetrics.OpenAlerts.Record(open.Count(a => a.Status != AlertStatus.Resolved && a.Severity == severity), new KeyValuePair<string, object?>("severity", severity));
    }

    private static string[] NumericLabels(double[] edges)
    {
        if (edges.Length == 0) return ["all"];
        var labels = new string[edges.Length + 1];
        labels[0] = $"≤ {Fmt(edges[0])}";
        for (var i = 1; i < edges.Length; i++) labels[i] = $"({Fmt(edges[i - 1])}, {Fmt(edges[i])}]";
        labels[^1] = $"> {Fmt(edges[^1])}";
        return labels;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static bool IsSorted(double[] values)
    {
        for (var i = 1; i < values.Length; i++) if (values[i] < values[i - 1]) return false;
        return true;
    }

    /// <summary>An expected number of events (a sum of hourly means) in whole events from 10 on: "803.75 expected" is false precision.</summary>
    public static string Events(double value) => value >= 10 ? Math.Round(value).ToString("0", CultureInfo.InvariantCulture) : Fmt(value);

    /// <summary>Invariant short number format used in summaries, pages and tables.</summary>
    public static string Fmt(double value) => value.ToString(Math.Abs(value) >= 100 || value == Math.Floor(value) ? "0.##" : "0.####", CultureInfo.InvariantCulture);
}
