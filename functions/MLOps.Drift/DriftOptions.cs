namespace MLOps.Drift;

/// <summary>Every threshold of the drift check (docs/drift.md explains each); bound from configuration section "DriftOptions".</summary>
public sealed class DriftOptions
{
    /// <summary>PSI at or above this is a warning (when the feature's test also says drifted).</summary>
    public double PsiWarning { get; set; } = 0.1;
    /// <summary>PSI at or above this is critical.</summary>
    public double PsiAlert { get; set; } = 0.25;
    /// <summary>Dataset drift when the share of drifted features is at least this.</summary>
    public double DriftShare { get; set; } = 0.5;
    /// <summary>Statistical tests (KS, chi-square) call drift below this p-value.</summary>
    public double PValue { get; set; } = 0.05;
    /// <summary>Normalized Wasserstein distance at or above this is drift (numeric, large samples).</summary>
    public double WassersteinThreshold { get; set; } = 0.1;
    /// <summary>Jensen–Shannon distance at or above this is drift (categorical, large samples).</summary>
    public double JensenShannonThreshold { get; set; } = 0.1;
    /// <summary>Up to this many rows (smaller of reference and current) use statistical tests, above it distances (as Evidently).</summary>
    public int StatTestMaxRows { get; set; } = 1000;
    /// <summary>Features with fewer current rows are reported but not judged.</summary>
    public int MinRows { get; set; } = 30;
    public double NullRiseWarning { get; set; } = 0.05;
    public double NullRiseCritical { get; set; } = 0.2;
    public double UnknownIdWarning { get; set; } = 0.01;
    public double UnknownIdCritical { get; set; } = 0.05;
    public double InvalidRowsWarning { get; set; } = 0.001;
    /// <summary>Share of ratings above the reference's maximum that makes a critical rating-scale alert.</summary>
    public double RatingOutOfScale { get; set; } = 0.01;
    public double VolumeLowWarning { get; set; } = 0.5;
    public double VolumeLowCritical { get; set; } = 0.2;
    public double VolumeHighWarning { get; set; } = 2.0;
    public double VolumeHighCritical { get; set; } = 5.0;
    /// <summary>Days before the window that form the seasonal volume baseline.</summary>
    public int BaselineDays { get; set; } = 28;
    public int MinBaselineDays { get; set; } = 3;
    /// <summary>Hours without newly written (imported) events that warn: a daily import plus two hours of slack.</summary>
    public double ImportSilenceWarningHours { get; set; } = 26;
    /// <summary>Hours without newly written events that are critical (pages on-call): two daily imports missed.</summary>
    public double ImportSilenceCriticalHours { get; set; } = 50;
    /// <summary>Distinct countries of one account within one clock hour that raise an account-sharing alert.</summary>
    public int CountriesPerHour { get; set; } = 3;
    public int DevicesPerHour { get; set; } = 4;
    /// <summary>Events of one account within one clock hour that raise a burst alert.</summary>
    public int EventsPerUserHour { get; set; } = 120;
    public int MaxAccountAlerts { get; set; } = 25;
    /// <summary>Performance decay: a served list counts as a hit when its user plays a served title within this many days.</summary>
    public double DecayHorizonDays { get; set; } = 7;
    /// <summary>Fewer served lists than this: decay is reported as insufficient data, never alerted.</summary>
    public int DecayMinServedLists { get; set; } = 200;
    /// <summary>Relative drop of the online hit rate below the offline one (when significant) that warns: 0.2 = online ≤ 80 % of offline.</summary>
    public double DecayWarning { get; set; } = 0.2;
    /// <summary>Relative drop that is critical (and can start retraining): 0.5 = online ≤ half of offline.</summary>
    public double DecayCritical { get; set; } = 0.5;
    /// <summary>Reference sample kept for KS / Wasserstein.</summary>
    public int ReferenceSampleSize { get; set; } = 5000;
    public int Seed { get; set; } = 42;
    /// <summary>Parallel parsers of the window's events.</summary>
    public int Workers { get; set; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>Length of the default window (the latest days of events).</summary>
    public int WindowDays { get; set; } = 1;
    /// <summary>Reports kept for "PSI over time" on the page.</summary>
    public int HistoryReports { get; set; } = 30;
}
