namespace MLOps.Workflows.Tests;

/// <summary>Keeps every log record (category, level, formatted message, structured values) for assertions.</summary>
internal sealed class CapturingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
{
    public sealed record Entry(string Category, Microsoft.Extensions.Logging.LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception = null);
    private readonly System.Collections.Concurrent.ConcurrentQueue<Entry> _records = new();
    public IReadOnlyList<Entry> Records => [.. _records];
    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, _records);
    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<Entry> records) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            records.Enqueue(new Entry(category, logLevel, formatter(state, exception),
                state is IEnumerable<KeyValuePair<string, object?>> values ? values.ToDictionary(v => v.Key, v => v.Value) : new Dictionary<string, object?>(), exception));
    }
}
