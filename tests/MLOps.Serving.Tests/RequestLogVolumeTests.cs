using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MLOps.Serving.Tests;

/// <summary>
/// ASP.NET Core logs four Information lines per request (routing's "Executing / Executed endpoint", the result's status
/// and value type): on `mlops serve` about 500 bytes of stderr a request. The local host leaves that framework to
/// warnings by default, and configuration can still ask for them.
/// </summary>
public sealed class RequestLogVolumeTests
{
    [Fact]
    public async Task Requests_WriteNoFrameworkInformationLines_ByDefault()
    {
        var records = await RequestAsync(null);
        Assert.DoesNotContain(records, r => r.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && r.Level < LogLevel.Warning);
    }

    [Fact]
    public async Task Configuration_StillTurnsThemOn()
    {
        var records = await RequestAsync("Information");
        Assert.Contains(records, r => r.Category.StartsWith("Microsoft.AspNetCore.Routing", StringComparison.Ordinal) && r.Level == LogLevel.Information);
    }

    private static async Task<List<(string Category, LogLevel Level)>> RequestAsync(string? aspNetCoreLevel)
    {
        var ct = TestContext.Current.CancellationToken;
        var capture = new CapturingLoggerProvider();
        var fixture = new ServingFixture { ConfigureServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        if (aspNetCoreLevel is not null) fixture.Settings["Logging:LogLevel:Microsoft.AspNetCore"] = aspNetCoreLevel;
        await fixture.InitializeAsync();
        try
        {
            capture.Records.Clear();
            for (var i = 0; i < 3; i++)
                (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u1/recommendations?k=3", ct)).EnsureSuccessStatusCode();
            return [.. capture.Records];
        }
        finally { await fixture.DisposeAsync(); }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level)> Records { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Records);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel)> records) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                records.Enqueue((category, logLevel));
        }
    }
}
