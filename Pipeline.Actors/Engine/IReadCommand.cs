namespace Pipeline.Actors.Engine;

/// <summary>A command its entity answers from state alone: it never persists an event.</summary>
public interface IReadCommand;
