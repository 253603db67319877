using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MLOps.Serving.Tests;

/// <summary>Keeps every log record (category, level, formatted message) a host writes, for tests about what it logs.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Records { get; } = new();
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Records);
    public void Dispose() { }

    /// <summary>The messages of <paramref name="category"/>'s records at <paramref name="level"/>.</summary>
    public List<string> Messages(string category, LogLevel level) =>
        [.. Records.Where(r => r.Category == category && r.Level == level).Select(r => r.Message)];

    private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            records.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
