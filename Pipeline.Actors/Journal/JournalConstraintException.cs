namespace Pipeline.Actors.Journal;

/// <summary>
/// The storage refused the transaction because a read-side uniqueness rule would break (for example a payment
/// id applied twice). Definite: nothing of the transaction was written.
/// </summary>
public sealed class JournalConstraintException(string constraint, Exception inner)
    : Exception($"The write would break the storage rule '{constraint}'.", inner)
{
    public string Constraint { get; } = constraint;
}
