using Microsoft.Extensions.Logging;
using Pipeline.Actors.Outbox;

namespace Pipeline.Actors.Projections;

/// <summary>
/// Reads Akka.Persistence.Sql's journal in position order from a stored checkpoint and applies it to the read side and
/// the outbox: the rows the entities' behaviors project, and one outbox message (with its work items) per journaled
/// <see cref="OutboxMessageRecorded"/>, in its event's row (<see cref="EventWithMessages"/>) or its own. Rows, outbox and
/// checkpoint are written in one transaction, so a crash repeats nothing twice and skips nothing.
/// </summary>
/// <remarks>
/// Positions are identities taken at insert, so a write that commits late shows a hole below later rows. Akka's live
/// tag query waits 10 s at such a hole and then skips it for good; here the hole is remembered in the checkpoint and
/// re-read on every poll for <see cref="JournalProjectionSettings.Retention"/>, so a late commit is still applied
/// (an entity writes its next events only after its previous ones are stored, so its events still arrive in order).
/// </remarks>
public sealed class JournalProjection(
    string name,
    IProjectionStore store,
    IReadOnlyList<IEntityProjector> projectors,
    Func<JournalRow, object> decode,
    JournalProjectionSettings settings,
    TimeProvider time,
    ILogger logger)
{
    private readonly Dictionary<string, IEntityProjector> _byType = projectors.ToDictionary(p => p.EntityType, StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ProjectionCheckpoint? _checkpoint;

    public string Name => name;

    /// <summary>
    /// Applies every row committed before the call (and any late one that showed up); one poll at a time. A backlog is
    /// read up to the journal's head as it was after the first full page, not beyond: under a sustained stream of writes
    /// the pages keep coming back full, and chasing the head would keep every caller waiting for writes made after its call.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await PollAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            var head = await store.HighestOrderingAsync(cancellationToken).ConfigureAwait(false);
            while (_checkpoint!.Ordering < head && await PollAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One page; true when it was full (more may be waiting).</summary>
    private async Task<bool> PollAsync(CancellationToken ct)
    {
        var checkpoint = _checkpoint ??= await store.LoadCheckpointAsync(name, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var late = checkpoint.Gaps.Count == 0
            ? []
            : await store.ReadAtAsync(checkpoint.Gaps.Select(g => g.Ordering).ToList(), ct).ConfigureAwait(false);
        var rows = await store.ReadAfterAsync(checkpoint.Ordering, settings.PageSize, ct).ConfigureAwait(false);

        var filled = late.Select(r => r.Ordering).ToHashSet();
        var gaps = checkpoint.Gaps.Where(g => !filled.Contains(g.Ordering) && now - g.Since < settings.Retention).ToList();
        var expired = checkpoint.Gaps.Count - filled.Count - gaps.Count;
        if (rows.Count == 0 && late.Count == 0 && expired == 0)
        {
            return false;
        }
        var expected = checkpoint.Ordering + 1;
        foreach (var row in rows)
        {
            for (var missing = expected; missing < row.Ordering; missing++)
            {
                gaps.Add(new ProjectionGap(missing, now));
            }
            expected = row.Ordering + 1;
        }
        if (expired > 0)
        {
            logger.LogInformation("Projection {Projection}: {Count} journal positions missing for {Retention} taken as rolled back",
                name, expired, settings.Retention);
        }
        if (gaps.Count > settings.MaxGaps)
        {
            logger.LogWarning("Projection {Projection}: {Count} journal positions missing; giving up the oldest", name, gaps.Count - settings.MaxGaps);
            gaps = gaps.Skip(gaps.Count - settings.MaxGaps).ToList();
        }

        var outbox = new List<OutboxMessage>();
        var next = new ProjectionCheckpoint(rows.Count > 0 ? rows[^1].Ordering : checkpoint.Ordering, gaps);
        try
        {
            var page = late.Concat(rows).ToList();
            await RebuildMissingCopiesAsync(page, ct).ConfigureAwait(false);
            foreach (var row in page)
            {
                await ApplyAsync(row, outbox, ct).ConfigureAwait(false);
            }
            var views = projectors.SelectMany(p => p.TakeViews()).ToList();
            await store.ApplyAsync(name, views, outbox, next, ct).ConfigureAwait(false);
        }
        catch
        {
            // The copies moved past what was stored: rebuild them from the journal on the next poll.
            foreach (var projector in projectors)
            {
                projector.Reset();
            }
            throw;
        }
        _checkpoint = next;
        return rows.Count == settings.PageSize;
    }

    /// <summary>
    /// Rebuilds, with one read for the whole page, the copies of the entities whose first event in the page follows events
    /// the projector no longer holds (evicted, or applied before a restart): one read per such row would cap the
    /// projection at one round trip per changed entity.
    /// </summary>
    private async Task RebuildMissingCopiesAsync(IReadOnlyList<JournalRow> page, CancellationToken ct)
    {
        var missing = new Dictionary<string, EntityHistory>(StringComparer.Ordinal);
        foreach (var row in page)
        {
            if (missing.ContainsKey(row.PersistenceId) || ProjectorOf(row) is not { } projector)
            {
                continue;
            }
            var held = projector.SeqOf(row.PersistenceId);
            missing[row.PersistenceId] = new EntityHistory(row.PersistenceId, held + 1, row.SequenceNr - 1);
        }
        var wanted = missing.Values.Where(h => h.FromSeq <= h.ToSeq).ToList();
        if (wanted.Count > 0)
        {
            await ApplyHistoriesAsync(wanted, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Applies, without projecting, the earlier events that follow what each copy holds.</summary>
    private async Task ApplyHistoriesAsync(IReadOnlyCollection<EntityHistory> histories, CancellationToken ct)
    {
        foreach (var earlier in await store.ReadHistoriesAsync(histories, ct).ConfigureAwait(false))
        {
            var projector = ProjectorOf(earlier)!;
            if (earlier.SequenceNr == projector.SeqOf(earlier.PersistenceId) + 1)
            {
                projector.Apply(earlier.PersistenceId, earlier.SequenceNr, EventWithMessages.EventOf(Decode(earlier)), project: false);
            }
        }
    }

    private IEntityProjector? ProjectorOf(JournalRow row)
    {
        var slash = row.PersistenceId.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 && _byType.TryGetValue(row.PersistenceId[..slash], out var projector) ? projector : null;
    }

    private async Task ApplyAsync(JournalRow row, List<OutboxMessage> outbox, CancellationToken ct)
    {
        if (ProjectorOf(row) is not { } projector)
        {
            return;
        }
        var held = projector.SeqOf(row.PersistenceId);
        if (row.SequenceNr <= held)
        {
            return; // applied already
        }
        if (row.SequenceNr > held + 1)
        {
            // Not rebuilt with the page (an event between the page's rows of this entity): read what is missing.
            await ApplyHistoriesAsync([new EntityHistory(row.PersistenceId, held + 1, row.SequenceNr - 1)], ct).ConfigureAwait(false);
        }
        var payload = Decode(row);
        IReadOnlyList<OutboxMessageRecorded> messages = payload switch
        {
            EventWithMessages carried => carried.Messages,
            OutboxMessageRecorded own => [own], // journaled in a row of its own (before messages rode in their event's row)
            _ => [],
        };
        foreach (var message in messages)
        {
            outbox.Add(new OutboxMessage(message.Id, message.Type, row.PersistenceId, message.Data, message.At));
        }
        projector.Apply(row.PersistenceId, row.SequenceNr, EventWithMessages.EventOf(payload), project: true);
    }

    private object Decode(JournalRow row)
    {
        try
        {
            return decode(row);
        }
        catch (Exception error)
        {
            throw new InvalidOperationException(
                $"Journal row {row.Ordering} ({row.PersistenceId} #{row.SequenceNr}, {row.Manifest}) could not be read.", error);
        }
    }
}
