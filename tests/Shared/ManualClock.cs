namespace MLOps.Tests;

/// <summary>A clock that says what the test sets: fixed at <paramref name="now"/> until <see cref="Now"/> is moved.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
