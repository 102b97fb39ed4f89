using System.Text.RegularExpressions;
using TauTauRun.Web.Data;

namespace TauTauRun.Web.Email;

/// <summary>
/// An email kind in the organiser's own words: plain text with placeholders such as <c>{name}</c>.
/// Nothing typed becomes markup: every character is HTML-escaped by <see cref="EmailBody"/>, a blank
/// line starts a new paragraph, and two placeholders standing alone in a paragraph become blocks: the
/// payment table (<c>{payment_details}</c>) and the status-page link as a button (<c>{status_link}</c>;
/// inside a sentence it is the address itself). The values the placeholders stand for (dates, amounts,
/// "to be assigned") and the table's labels are written in the runner's language, the organiser's words as typed.
/// </summary>
public sealed partial record OrganiserTemplate(string Subject, string Body)
{
    private const string StatusLink = "status_link";
    private const string PaymentDetails = "payment_details";

    /// <summary>Every placeholder, with what it stands for (shown on the editing page).</summary>
    public static IReadOnlyDictionary<string, string> Placeholders { get; } = new Dictionary<string, string>
    {
        ["name"] = "the runner's full name",
        ["reference"] = "the registration reference, e.g. TTR-7K3M9Q",
        ["race"] = "the race, e.g. 10K",
        ["amount"] = "the amount to pay, e.g. EUR 25.00",
        ["bib"] = "the bib number (\"to be assigned\" before payment)",
        ["event"] = "the event's name",
        ["start"] = "the start's date and time",
        ["place"] = "where the event is",
        ["payment_deadline"] = "until when the place is held unpaid",
        ["offer_expires"] = "until when a waiting-list offer can be accepted",
        [PaymentDetails] = "alone in a paragraph: the table of amount, reference and bank details",
        [StatusLink] = "the runner's status page (only in kinds that link to it)",
    };

    /// <summary>Why the template cannot be saved for this kind, one line each; empty when it can.</summary>
    public IReadOnlyList<string> Problems(string kind)
    {
        var problems = new List<string>();
        foreach (var (field, text) in new[] { ("subject", Subject), ("body", Body) })
        {
            if (Stray().IsMatch(Placeholder().Replace(text, "")))
                problems.Add($"The {field} has a {{ or }} that is not part of a placeholder like {{name}}.");
            foreach (var name in Names(text).Distinct())
            {
                if (!Placeholders.ContainsKey(name))
                    problems.Add($"The {field} uses {{{name}}}, which is not a placeholder. Known: {string.Join(", ", Placeholders.Keys.Select(k => $"{{{k}}}"))}.");
                else if (name == StatusLink && !EmailTemplates.LinksToStatusPage(kind))
                    problems.Add($"The {field} uses {{{StatusLink}}}, but this kind of email is sent without a status link.");
                else if (name == PaymentDetails && field == "subject")
                    problems.Add($"{{{PaymentDetails}}} is a table: it can only stand alone in a paragraph of the body.");
            }
        }
        return problems;
    }

    public RenderedEmail Render(EventSettings settings, RunnerDetails runner, string? statusUrl)
    {
        var values = new Dictionary<string, string>
        {
            ["name"] = runner.FullName,
            ["reference"] = runner.Reference,
            ["race"] = runner.CategoryName,
            ["amount"] = Money.Format(runner.AmountDueMinor, runner.Currency),
            ["bib"] = EmailTemplates.Bib(runner),
            ["event"] = settings.Name,
            ["start"] = EmailTemplates.When(settings, settings.StartsAt),
            ["place"] = settings.Place,
            ["payment_deadline"] = EmailTemplates.When(settings, runner.PendingSince.AddDays(settings.PaymentDeadlineDays)),
            ["offer_expires"] = EmailTemplates.When(settings, runner.OfferExpiresAt ?? runner.PendingSince),
            [PaymentDetails] = "",
            [StatusLink] = statusUrl ?? "",
        };
        string Fill(string text) => Placeholder().Replace(text, match => values[match.Groups[1].Value]);

        var body = new EmailBody();
        foreach (var paragraph in Paragraphs().Split(Body.Replace("\r\n", "\n").Trim()))
        {
            var trimmed = paragraph.Trim();
            if (trimmed == $"{{{PaymentDetails}}}")
                body.Facts(EmailTemplates.PaymentFacts(settings, runner));
            else if (trimmed == $"{{{StatusLink}}}" && statusUrl is not null)
                body.Link(EmailText.Get("LinkRegistrationShort"), statusUrl);
            else if (trimmed.Length > 0)
                body.Paragraph(Fill(trimmed));
        }
        return body.Build(Fill(Subject.ReplaceLineEndings(" ").Trim()), settings.Name);
    }

    private static IEnumerable<string> Names(string text) => Placeholder().Matches(text).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"[{}]")]
    private static partial Regex Stray();

    [GeneratedRegex(@"\n[ \t]*\n")]
    private static partial Regex Paragraphs();
}
