using System.Security.Cryptography;
using Dapper;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using TauTauRun.Web.Data;
using TauTauRun.Web.Email;
using TauTauRun.Web.Registration;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Email;

/// <summary>
/// What receivers check before a message reaches an inbox, and where a runner's answer goes: every
/// kind, delivered by the worker to a real SMTP server on 127.0.0.1 (or to the pickup folder).
/// </summary>
public sealed class MailThatReachesInboxesTests : DatabaseTest
{
    private const string ReplyTo = "info@tautaurun.test";

    [Test]
    public async Task Every_kind_arrives_with_the_organisers_reply_to_and_every_part_declares_its_encoding()
    {
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        await using var app = new TestApp(settings: Fast(smtp.AppSettings));
        await SetReplyToAsync(app, ReplyTo);

        var messages = await DeliverEveryKindAsync(app, smtp);

        foreach (var message in messages)
        {
            Assert.That(message.ReplyTo.Mailboxes.Select(m => m.Address), Is.EqualTo(new[] { ReplyTo }), message.Subject);
            Assert.That(message.From.Mailboxes.Single().Address, Is.EqualTo("noreply@tautaurun.test"));
            AssertEveryPartDeclaresItsEncoding(message);
        }
    }

    [Test]
    public async Task Without_a_reply_address_no_reply_to_is_set_and_replies_go_to_the_sender()
    {
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        await using var app = new TestApp(settings: Fast(smtp.AppSettings));

        var message = (await DeliverEveryKindAsync(app, smtp)).First();

        Assert.That(message.ReplyTo, Is.Empty);
    }

    [Test]
    public async Task With_a_dkim_key_every_kind_carries_a_signature_that_verifies_with_the_public_key()
    {
        using var rsa = RSA.Create(2048);
        var credentials = Directory.CreateDirectory(Path.Combine(TestDatabase.TempRoot, "credentials", Guid.NewGuid().ToString("N"))).FullName;
        // PKCS#8, as the runbook's openssl genpkey writes it.
        await File.WriteAllTextAsync(Path.Combine(credentials, "tautaurun-dkim.key"), rsa.ExportPkcs8PrivateKeyPem());
        await using var smtp = new TestSmtpServer();
        smtp.Start();
        var settings = Fast(smtp.AppSettings);
        // As systemd's LoadCredential= hands it over: a name relative to $CREDENTIALS_DIRECTORY.
        settings["CREDENTIALS_DIRECTORY"] = credentials;
        settings["SMTP_DKIM_KEY_FILE"] = "tautaurun-dkim.key";
        settings["SMTP_DKIM_SELECTOR"] = "tautaurun1";
        await using var app = new TestApp(settings: settings);
        await SetReplyToAsync(app, ReplyTo);

        var messages = await DeliverEveryKindAsync(app, smtp);

        var verifier = new DkimVerifier(new PublicKeys(("tautaurun.test", "tautaurun1"), DotNetUtilities.GetRsaPublicKey(rsa)));
        foreach (var message in messages)
        {
            var index = message.Headers.IndexOf(HeaderId.DkimSignature);
            Assert.That(index, Is.GreaterThanOrEqualTo(0), $"{message.Subject}: not signed");
            Assert.That(message.Headers[index].Value, Does.Contain("d=tautaurun.test").And.Contain("s=tautaurun1").And.Contain("reply-to"));
            Assert.That(await verifier.VerifyAsync(message, message.Headers[index]), Is.True, message.Subject);
        }
    }

    [Test]
    public async Task A_pickup_file_declares_the_encoding_of_every_part()
    {
        await using var app = new TestApp(settings: new Dictionary<string, string?> { ["Email:PollInterval"] = "00:00:00.100" });
        await using (var connection = await OpenAsync())
        {
            var participant = await TestData.ParticipantAsync(connection, await TestData.CategoryAsync(connection), "PAID");
            await using var transaction = await connection.BeginTransactionAsync();
            await app.Services.GetRequiredService<EmailOutbox>().QueueAsync(transaction, participant, EmailKind.PaymentConfirmed);
            await transaction.CommitAsync();
        }
        var pickup = Path.Combine(app.LogDirectory, "mail");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.GetFiles(pickup, "*.eml").Length == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);

        AssertEveryPartDeclaresItsEncoding(await MimeMessage.LoadAsync(Directory.GetFiles(pickup, "*.eml").Single()));
    }

    private static void AssertEveryPartDeclaresItsEncoding(MimeMessage message)
    {
        var parts = message.BodyParts.ToList();
        Assert.That(parts, Has.Count.EqualTo(2), message.Subject);
        foreach (var part in parts)
            Assert.That(part.Headers.Contains(HeaderId.ContentTransferEncoding), Is.True, $"{message.Subject}: {part.ContentType.MimeType}");
    }

    private static Dictionary<string, string?> Fast(Dictionary<string, string?> settings)
    {
        settings["Email:PollInterval"] = "00:00:00.100";
        return settings;
    }

    private static async Task SetReplyToAsync(TestApp app, string address)
    {
        var store = app.Services.GetRequiredService<EventSettingsStore>();
        await store.LoadAsync(); // stores the defaults: a row to update
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("UPDATE event_settings SET reply_to = @address", new { address });
        store.Forget();
    }

    /// <summary>One message of every kind, queued as the app queues them and delivered by its worker.</summary>
    private static async Task<IReadOnlyCollection<MimeMessage>> DeliverEveryKindAsync(TestApp app, TestSmtpServer smtp)
    {
        await using (var connection = await OpenAsync())
        {
            var category = await TestData.CategoryAsync(connection);
            var outbox = app.Services.GetRequiredService<EmailOutbox>();
            foreach (var kind in EmailKind.All)
            {
                var participant = await TestData.ParticipantAsync(connection, category, "PAID");
                await using var transaction = await connection.BeginTransactionAsync();
                await outbox.QueueAsync(transaction, participant, kind, statusToken: StatusTokens.New());
                await transaction.CommitAsync();
            }
        }
        var messages = await smtp.WaitForAsync(EmailKind.All.Count);
        Assert.That(messages, Has.Count.EqualTo(EmailKind.All.Count));
        return messages;
    }

    private sealed class PublicKeys((string Domain, string Selector) name, AsymmetricKeyParameter key) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            (domain, selector) == name ? key : throw new InvalidOperationException($"no key for {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
