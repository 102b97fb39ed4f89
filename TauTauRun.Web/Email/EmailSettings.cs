using MailKit.Security;
using MimeKit;

namespace TauTauRun.Web.Email;

/// <summary>
/// Outgoing mail, from the plan's environment variables (<c>SMTP_HOST</c>, <c>SMTP_PORT</c>,
/// <c>SMTP_USERNAME</c>, <c>SMTP_PASSWORD</c>, <c>SMTP_FROM</c>, <c>SMTP_SECURITY</c>). Without
/// <c>SMTP_HOST</c> messages are written as .eml files to <see cref="PickupDirectory"/>.
/// </summary>
public sealed class EmailSettings
{
    public string? Host { get; private init; }
    public int Port { get; private init; }
    public string? Username { get; private init; }
    public string? Password { get; private init; }
    public SecureSocketOptions Security { get; private init; }
    public required MailboxAddress From { get; init; }
    public required string PickupDirectory { get; init; }
    /// <summary>Where runners' links point, e.g. https://register.tautaurun.com.</summary>
    public required Uri PublicBaseUrl { get; init; }

    public bool UsesPickupDirectory => Host is null;
    public string MessageIdDomain => From.Domain.Length > 0 ? From.Domain : "tautaurun.local";

    public static EmailSettings Read(IConfiguration configuration)
    {
        var host = Blank(configuration["SMTP_HOST"]);
        var port = Blank(configuration["SMTP_PORT"]) is { } portText
            ? int.TryParse(portText, out var p) && p is > 0 and < 65536 ? p : throw new StartupException($"SMTP_PORT '{portText}' is not a port number")
            : 587;
        var from = Blank(configuration["SMTP_FROM"]) ?? (host is null ? "Tau-Tau Run <noreply@tautaurun.local>" :
            throw new StartupException("SMTP_FROM is not set: give the sender, e.g. 'Tau-Tau Run <noreply@example.org>'"));
        if (!MailboxAddress.TryParse(from, out var fromAddress))
            throw new StartupException($"SMTP_FROM '{from}' is not an email address");
        var baseUrl = configuration["TauTauRun:PublicBaseUrl"] ?? "http://localhost:8080";
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var publicBaseUrl))
            throw new StartupException($"TauTauRun__PublicBaseUrl '{baseUrl}' is not an absolute URL");
        // Runners' status links and admins' cookies would travel in the clear on any other address.
        if (publicBaseUrl.Scheme != Uri.UriSchemeHttps && !(publicBaseUrl.Scheme == Uri.UriSchemeHttp && publicBaseUrl.IsLoopback))
            throw new StartupException($"TauTauRun__PublicBaseUrl '{baseUrl}' must start with https:// (plain http only for localhost)");
        var username = Blank(configuration["SMTP_USERNAME"]);
        var security = ParseSecurity(Blank(configuration["SMTP_SECURITY"]));
        // MailKit would send the SMTP password in the clear over an unencrypted connection.
        if (host is not null && username is not null && security == SecureSocketOptions.None)
            throw new StartupException("SMTP_USERNAME is set but SMTP_SECURITY is 'none': the SMTP password would be sent unencrypted. "
                                       + "Use SMTP_SECURITY=starttls or ssl, or remove SMTP_USERNAME and SMTP_PASSWORD");
        return new EmailSettings
        {
            Host = host,
            Port = port,
            Username = username,
            Password = Blank(configuration["SMTP_PASSWORD"]),
            Security = security,
            From = fromAddress,
            PickupDirectory = Path.GetFullPath(configuration["TauTauRun:MailPickupDirectory"] ?? "/var/lib/tautaurun/mail"),
            PublicBaseUrl = publicBaseUrl,
        };
    }

    /// <summary>SMTP_SECURITY's values, the one list that messages, the env template and its test use.</summary>
    public static IReadOnlyDictionary<string, SecureSocketOptions> SecurityValues { get; } = new Dictionary<string, SecureSocketOptions>
    {
        ["starttls"] = SecureSocketOptions.StartTls,
        ["ssl"] = SecureSocketOptions.SslOnConnect,
        ["none"] = SecureSocketOptions.None,
    };

    private static SecureSocketOptions ParseSecurity(string? value) =>
        value is null ? SecureSocketOptions.StartTls
        : SecurityValues.TryGetValue(value.ToLowerInvariant(), out var security) ? security
        : throw new StartupException($"SMTP_SECURITY '{value}' is not one of {string.Join(", ", SecurityValues.Keys)}");

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
