using Dapper;
using Npgsql;
using TauTauRun.Web.Admin;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Cli;

/// <summary>
/// <c>create-admin --username NAME --display-name "NAME" [--role admin|volunteer]</c>: the first admin.
/// The password comes from standard input or a prompt that does not echo, never from the command line,
/// where it would sit in the shell history and in every process listing.
/// </summary>
internal sealed class CreateAdminCommand : ICommand
{
    public string Name => "create-admin";
    public string Usage => "create-admin --username NAME --display-name \"FULL NAME\" [--role admin|volunteer] (password on stdin or prompted)";

    public Func<IServiceProvider, TextWriter, Task> Prepare(string[] arguments)
    {
        var options = CommandOptions.Parse(arguments, "--username", "--display-name", "--role");
        var username = AdminAccounts.Username(options.Required("--username"));
        var displayName = options.Required("--display-name");
        var role = options.Optional("--role") ?? AdminPolicies.Admin;
        if (!AdminAccounts.IsUsername(username))
            throw new UsageException($"'{username}' is not a username ({AdminAccounts.UsernameRule})");
        if (displayName.Length is 0 or > 100)
            throw new UsageException("the display name must have 1 to 100 characters");
        if (role is not (AdminPolicies.Admin or AdminPolicies.Volunteer))
            throw new UsageException($"'{role}' is not a role (admin or volunteer)");

        return async (services, output) =>
        {
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
            if (await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM admins WHERE username = @username)", new { username }))
            {
                output.WriteLine($"Admin '{username}' already exists; nothing changed.");
                return;
            }
            var password = ReadPassword();
            var eventName = (await services.GetRequiredService<EventSettingsStore>().LoadAsync()).Name;
            if (AdminPasswords.Problem(password, username, eventName) is { } problem)
                throw new CommandFailedException(problem);

            await using var transaction = await connection.BeginTransactionAsync();
            var id = await AdminAccounts.CreateAsync(transaction, username, displayName, password, role, mustChangePassword: false,
                AuditActor.CommandLine);
            if (id is null)
            {
                output.WriteLine($"Admin '{username}' already exists; nothing changed.");
                return;
            }
            await transaction.CommitAsync();
            output.WriteLine($"Created {role} '{username}' ({displayName}). Log in at /admin/login"
                + (TwoFactor.RequiredFor(services.GetRequiredService<IConfiguration>(), role)
                    ? " and set up an authenticator app there (the second step is required for this role)." : "."));
        };
    }

    private static string ReadPassword()
    {
        if (Console.IsInputRedirected)
        {
            var line = Console.In.ReadLine();
            return string.IsNullOrEmpty(line)
                ? throw new CommandFailedException("no password on standard input (give it as the first line)")
                : line;
        }
        var first = Prompt("Password: ");
        var again = Prompt("Password again: ");
        return first == again ? first : throw new CommandFailedException("the two passwords differ; nothing changed");
    }

    /// <summary>Reads a line from the terminal without echoing it; the prompt goes to stderr, leaving stdout for results.</summary>
    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
                password.Length--;
            else if (!char.IsControl(key.KeyChar))
                password.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}

/// <summary>A command's <c>--name value</c> options, with clear usage errors for anything else.</summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string> values;

    private CommandOptions(Dictionary<string, string> values) => this.values = values;

    public static CommandOptions Parse(string[] arguments, params string[] known)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i < arguments.Length; i++)
        {
            var name = arguments[i];
            if (name == "--password")
                throw new UsageException("a password is never taken from the command line: give it on standard input or at the prompt");
            if (!known.Contains(name))
                throw new UsageException($"unexpected argument '{name}'");
            if (i + 1 >= arguments.Length)
                throw new UsageException($"{name} needs a value");
            values[name] = arguments[++i];
        }
        return new CommandOptions(values);
    }

    public string Required(string name) =>
        values.TryGetValue(name, out var value) && value.Trim().Length > 0
            ? value.Trim()
            : throw new UsageException($"{name} is required");

    public string? Optional(string name) => values.GetValueOrDefault(name)?.Trim();
}
