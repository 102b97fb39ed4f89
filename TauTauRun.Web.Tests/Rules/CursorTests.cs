using TauTauRun.Web.Pages.Admin.Participants;

namespace TauTauRun.Rules.Tests;

/// <summary>The participant list's "next page" links: what one page writes, the next reads back.</summary>
public sealed class CursorTests
{
    private static readonly ParticipantSearch.Row Row = new(42, "TTR-7K3M9Q", "Anna de Vries", "anna@example.org", "+31612345678",
        "PAID", 1042, "M", 2500, "EUR", new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), null, "10K");

    [Test]
    public void Each_sort_reads_back_the_cursor_it_wrote()
    {
        Assert.That(ParticipantSearch.Cursor.Parse(ParticipantSearch.Cursor.Of(Row, "name"), "name"),
            Is.EqualTo(new ParticipantSearch.Cursor("anna de vries", null, null, 42)));
        Assert.That(ParticipantSearch.Cursor.Parse(ParticipantSearch.Cursor.Of(Row, "bib"), "bib"),
            Is.EqualTo(new ParticipantSearch.Cursor(null, 1042, null, 42)));
        Assert.That(ParticipantSearch.Cursor.Parse(ParticipantSearch.Cursor.Of(Row, "reference"), "reference"),
            Is.EqualTo(new ParticipantSearch.Cursor("TTR-7K3M9Q", null, null, 42)));
        Assert.That(ParticipantSearch.Cursor.Parse(ParticipantSearch.Cursor.Of(Row, "newest"), "newest"),
            Is.EqualTo(new ParticipantSearch.Cursor(null, null, Row.CreatedAt, 42)));
    }

    [Test]
    public void A_name_with_the_separator_in_it_still_reads_back() =>
        Assert.That(ParticipantSearch.Cursor.Parse("a~b~7", "name"), Is.EqualTo(new ParticipantSearch.Cursor("a~b", null, null, 7)));

    [TestCase(null, "name")]
    [TestCase("no-separator", "name")]
    [TestCase("x~notanid", "name")]
    [TestCase("abc~5", "bib")]
    [TestCase("-1~5", "newest")]
    [TestCase("99999999999999999999~5", "newest")]
    [TestCase("5~5", "unknown")]
    public void A_cursor_that_was_not_written_by_the_list_is_refused(string? value, string sort) =>
        Assert.That(ParticipantSearch.Cursor.Parse(value, sort), Is.Null);
}
