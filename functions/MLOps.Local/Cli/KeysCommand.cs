using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using Spectre.Console;
using MLOps.Core.Security;

namespace MLOps.Local.Cli;

/// <summary><c>mlops keys create|list|revoke</c>: API keys for the HTTP hosts (docs/serving.md).</summary>
public static class KeysCommand
{
    /// <summary>The longest <c>--expires-in</c>: far enough for "practically never", short of overflowing a date.</summary>
    public const int MaxExpiryDays = 36500;

    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "read | write | admin", Required = true };
        var note = new Option<string?>("--note") { Description = "Who or what the key is for." };
        var expiresIn = new Option<string?>("--expires-in") { Description = "Lifetime: 30m, 12h, 7d (minutes, hours, days). Without it the key never expires." };
        var create = new Command("create", "Create an API key; it is shown once and only its hash is stored.") { role, note, expiresIn };
        create.SetVerbAction(async (context, cancellationToken) =>
        {
            var text = context.Parse.GetValue(role)!;
            if (!Enum.TryParse<ApiRole>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(text, out _))
                throw new CliUsageException($"--role must be read, write or admin, not '{text}'.");
            var lifetime = context.Parse.GetValue(expiresIn) is { } given ? ParseExpiresIn(given) : (TimeSpan?)null;
            var (key, record) = await new ApiKeyStore(context.Store).CreateAsync(parsed, context.Parse.GetValue(note), DateTimeOffset.UtcNow, lifetime, cancellationToken).ConfigureAwait(false);
            context.Result(new CreatedKey(key, record.KeyId, record.Role, record.ExpiresAt), console =>
            {
                console.WriteLine(key);
                var expiry = record.ExpiresAt is { } at ? $"expires {Time(at)}" : "never expires";
                context.Log.WriteLine($"created a {Name(record.Role)} key (id {record.KeyId}) that {expiry}; store it now, it is not shown again");
            });
            return ExitCodes.Done;
        });

        var list = new Command("list", "Every key's id, role, creation and expiry time and note (never the key itself), oldest first.");
        list.SetVerbAction(async (context, cancellationToken) =>
        {
            var records = await new ApiKeyStore(context.Store).ListAsync(cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var keys = records.Select(r => new KeyView(r.KeyId, r.Role, r.CreatedAt, r.ExpiresAt, r.IsExpiredAt(now), r.Note)).ToList();
            context.Result(new { keys }, console =>
            {
                if (keys.Count == 0) { console.WriteLine("no API keys (create one with 'mlops keys create')"); return; }
                var table = new Table().AddColumns("id", "role", "created", "expires", "note");
                foreach (var k in keys)
                    table.AddRow(k.KeyId, Name(k.Role), Time(k.CreatedAt), k.ExpiresAt is { } at ? (k.Expired ? "expired " : "") + Time(at) : "never", Markup.Escape(k.Note ?? ""));
                console.Write(table);
            });
            return ExitCodes.Done;
        });

        var keyId = new Argument<string>("KEYID") { Description = "The key's id (see 'mlops keys list')." };
        var revoke = new Command("revoke", $"Revoke a key by deleting its record. Running hosts cache keys for {ApiKeyStore.CacheLifetime.TotalSeconds:0} s, so they stop accepting it within that time.") { keyId };
        revoke.SetVerbAction(async (context, cancellationToken) =>
        {
            var id = context.Parse.GetValue(keyId)!.Trim().ToLowerInvariant();
            if (!await new ApiKeyStore(context.Store).RevokeAsync(id, cancellationToken).ConfigureAwait(false))
                throw new CliUsageException($"no key with id '{MLOps.Core.TextClip.Clip(id, 40)}' (see 'mlops keys list').");
            context.Result(new { keyId = id, revoked = true }, console =>
                console.WriteLine($"revoked key {id}; running hosts stop accepting it within {ApiKeyStore.CacheLifetime.TotalSeconds:0} s"));
            return ExitCodes.Done;
        });

        return new Command("keys", "Manage API keys.") { create, list, revoke };
    }

    /// <summary>
    /// <c>--expires-in</c>: a positive whole number of minutes, hours or days ("30m", "12h", "7d"). Months and years are
    /// left out on purpose: "1m" would read as a month to some.
    /// </summary>
    public static TimeSpan ParseExpiresIn(string text)
    {
        var number = text.Length > 1 ? text.AsSpan(0, text.Length - 1) : [];
        if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            long minutes = text[^1] switch { 'm' => n, 'h' => n * 60L, 'd' => n * 1440L, _ => 0 };
            if (minutes is > 0 and <= MaxExpiryDays * 1440L) return TimeSpan.FromMinutes(minutes);
        }
        throw new CliUsageException($"--expires-in must be a positive whole number of m, h or d (e.g. 30m, 12h, 7d), at most {MaxExpiryDays}d, not '{text}'.");
    }

    private static string Name(ApiRole role) => role.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset at) => at.ToString("u", CultureInfo.InvariantCulture);

    // The store's JSON leaves nulls out; here "expiresAt": null says "never" to scripts, so it is always written.
    private sealed record CreatedKey(string Key, string KeyId, ApiRole Role,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? ExpiresAt);

    private sealed record KeyView(string KeyId, ApiRole Role, DateTimeOffset CreatedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? ExpiresAt, bool Expired,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Note);
}
