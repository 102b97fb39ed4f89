using System.Diagnostics;
using System.Globalization;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;

namespace TauTauRun.Bench.Data;

/// <summary>
/// Scenario 4's baseline: the queued messages of the outbox sent by a bare MailKit loop over one SMTP
/// connection, built as the app builds them (same From, Message-ID, subject and both bodies). The rows
/// are read and the messages built before the clock starts; the outbox is not changed. Options:
/// --conn, --smtp-port (on 127.0.0.1), --from. Prints "messages N seconds S".
/// </summary>
public static class MailBaseline
{
    public static async Task<int> RunAsync(Options options)
    {
        List<MimeMessage> messages;
        await using (var connection = new NpgsqlConnection(options.Required("conn")))
        {
            var from = MailboxAddress.Parse(options.Required("from"));
            messages = (await connection.QueryAsync<(string Recipient, string Subject, string HtmlBody, string TextBody, string MessageId)>(
                    "SELECT recipient, subject, html_body, text_body, message_id FROM email_logs WHERE status = 'QUEUED' ORDER BY id"))
                .Select(row =>
                {
                    var message = new MimeMessage
                    {
                        MessageId = row.MessageId,
                        Subject = row.Subject,
                        Body = new BodyBuilder { TextBody = row.TextBody, HtmlBody = row.HtmlBody }.ToMessageBody(),
                    };
                    message.From.Add(from);
                    message.To.Add(MailboxAddress.Parse(row.Recipient));
                    return message;
                })
                .ToList();
        }
        var started = Stopwatch.GetTimestamp();
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", int.Parse(options.Required("smtp-port"), CultureInfo.InvariantCulture), SecureSocketOptions.None);
        foreach (var message in messages)
            await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"messages {messages.Count} seconds {Stopwatch.GetElapsedTime(started).TotalSeconds:0.000}"));
        return 0;
    }
}
