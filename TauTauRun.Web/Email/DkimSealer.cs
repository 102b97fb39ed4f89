using MimeKit;
using MimeKit.Cryptography;

namespace TauTauRun.Web.Email;

/// <summary>
/// Signs outgoing messages with DKIM when <c>SMTP_DKIM_KEY_FILE</c> and <c>SMTP_DKIM_SELECTOR</c> are
/// set, for SMTP providers that do not sign for the <c>SMTP_FROM</c> domain themselves. The key file
/// is a secret delivered like the others: under systemd by <c>LoadCredential=</c>, so a relative name
/// is looked up in <c>$CREDENTIALS_DIRECTORY</c>. Without the settings messages go out unsigned.
/// </summary>
public sealed class DkimSealer
{
    /// <summary>What is signed: the headers a receiver shows or threads by, and the body.</summary>
    private static readonly HeaderId[] SignedHeaders =
        [HeaderId.From, HeaderId.ReplyTo, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.MimeVersion, HeaderId.ContentType];

    private readonly DkimSigner? signer;

    private DkimSealer(DkimSigner? signer) => this.signer = signer;

    public bool Signs => signer is not null;

    public static DkimSealer Read(IConfiguration configuration, EmailSettings settings)
    {
        var keyFile = Blank(configuration["SMTP_DKIM_KEY_FILE"]);
        var selector = Blank(configuration["SMTP_DKIM_SELECTOR"]);
        if (keyFile is null && selector is null)
            return new DkimSealer(null);
        if (keyFile is null || selector is null)
            throw new StartupException("DKIM needs both SMTP_DKIM_KEY_FILE (the private key) and SMTP_DKIM_SELECTOR (the DNS record's name before ._domainkey)");
        var path = Path.IsPathRooted(keyFile) ? keyFile
            : Path.Combine(Blank(configuration["CREDENTIALS_DIRECTORY"]) ?? Directory.GetCurrentDirectory(), keyFile);
        DkimSigner signer;
        try
        {
            signer = new DkimSigner(path, settings.From.Domain, selector)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            throw new StartupException($"SMTP_DKIM_KEY_FILE '{path}' cannot be read as a PEM private key: {e.Message}");
        }
        return new DkimSealer(signer);
    }

    /// <summary>Fixes every part's encoding (a signature must survive relays unchanged), then signs.</summary>
    public void Seal(MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit);
        signer?.Sign(message, SignedHeaders);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
