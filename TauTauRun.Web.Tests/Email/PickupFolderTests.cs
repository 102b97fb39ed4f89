using Dapper;
using MimeKit;
using TauTauRun.Web.Email;
using TauTauRun.Web.Tests.Infrastructure;

namespace TauTauRun.Web.Tests.Email;

/// <summary>Without SMTP_HOST, mail is written as .eml files (the run command's default).</summary>
public sealed class PickupFolderTests : DatabaseTest
{
    [Test]
    public async Task Without_smtp_host_a_message_is_written_as_an_eml_file_and_marked_sent()
    {
        using var app = new TestApp(settings: new Dictionary<string, string?> { ["Email:PollInterval"] = "00:00:00.100" });
        var pickup = Path.Combine(app.LogDirectory, "mail");
        long emailId;
        await using (var connection = await OpenAsync())
        {
            var participant = await TestData.ParticipantAsync(connection, await TestData.CategoryAsync(connection), "PAID");
            await using var transaction = await connection.BeginTransactionAsync();
            emailId = await app.Services.GetRequiredService<EmailOutbox>().QueueAsync(transaction, participant, EmailKind.PaymentConfirmed);
            await transaction.CommitAsync();
        }

        var messageId = await ScalarAsync<string>("SELECT message_id FROM email_logs WHERE id = @emailId", emailId);
        var file = Path.Combine(pickup, $"{messageId}.eml");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ScalarAsync<string>("SELECT status FROM email_logs WHERE id = @emailId", emailId) != "SENT" && DateTime.UtcNow < deadline)
            await Task.Delay(50);

        Assert.That(File.Exists(file), Is.True);
        var message = await MimeMessage.LoadAsync(file);
        Assert.That(message.MessageId, Is.EqualTo(messageId));
        Assert.That(message.Subject, Does.StartWith("Payment confirmed"));
        Assert.That(Directory.GetFiles(pickup, "*.tmp"), Is.Empty);
    }

    [Test]
    public void The_pickup_folder_is_there_once_the_service_has_started_before_any_message()
    {
        using var app = new TestApp();
        _ = app.Server; // starts the service

        Assert.That(Directory.Exists(Path.Combine(app.LogDirectory, "mail")), Is.True);
    }

    private static async Task<T?> ScalarAsync<T>(string sql, long emailId)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<T>(sql, new { emailId });
    }
}
