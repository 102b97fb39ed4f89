namespace TauTauRun.Web.Email;

/// <summary>
/// Marks delivered messages SENT while the next ones are being sent, as many per statement as were
/// delivered during the previous commit. One commit per message made the disk's flush, not SMTP, the
/// pace of a drain (about 13 ms a message with fsync on, against about 1 ms to send one). A crash
/// loses at most the marks not yet committed: those messages go out again after their lease, with
/// the same Message-ID, as at-least-once delivery already allows.
/// </summary>
internal sealed class SentMarks(Func<long[], Task> markSent)
{
    private readonly List<long> waiting = [];
    private Task committing = Task.CompletedTask;

    public int Count { get; private set; }

    public void Add(long id)
    {
        waiting.Add(id);
        Count++;
        if (committing.IsCompleted)
            Start();
    }

    /// <summary>Waits until every mark added so far is committed.</summary>
    public async Task CommitAsync()
    {
        await committing;
        if (waiting.Count > 0)
        {
            Start();
            await committing;
        }
    }

    private void Start()
    {
        // A failed commit surfaces here (the worker reports the database as unreachable); its
        // messages stay claimed and are sent again after their lease.
        committing.GetAwaiter().GetResult();
        committing = markSent([.. waiting]);
        waiting.Clear();
    }
}
