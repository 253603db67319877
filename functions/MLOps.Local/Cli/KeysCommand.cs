using System.CommandLine;
using Spectre.Console;
using MLOps.Core.Security;

namespace MLOps.Local.Cli;

public static class KeysCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "read | write | admin", Required = true };
        var note = new Option<string?>("--note") { Description = "Who or what the key is for." };
        var create = new Command("create", "Create an API key; it is shown once and only its hash is stored.") { role, note };
        create.SetVerbAction(async (context, cancellationToken) =>
        {
            var text = context.Parse.GetValue(role)!;
            if (!Enum.TryParse<ApiRole>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(text, out _))
                throw new CliUsageException($"--role must be read, write or admin, not '{text}'.");
            var (key, record) = await new ApiKeyStore(context.Store).CreateAsync(parsed, context.Parse.GetValue(note), DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            context.Result(new { key, keyId = record.KeyId, role = record.Role }, console =>
            {
                console.WriteLine(key);
                context.Log.WriteLine($"created a {record.Role.ToString().ToLowerInvariant()} key (id {record.KeyId}); store it now, it is not shown again");
            });
            return ExitCodes.Done;
        });
        return new Command("keys", "Manage API keys.") { create };
    }
}
