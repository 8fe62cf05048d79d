using Akka.Actor;

namespace Pipeline.Actors.Engine;

/// <summary>
/// Props from a plain factory: <c>Props.Create(() => new ...)</c> compiles an expression per entity started, which
/// showed in profiles of many short-lived entities.
/// </summary>
public sealed class FactoryProducer<TActor>(Func<TActor> factory) : IIndirectActorProducer where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public ActorBase Produce() => factory();

    public void Release(ActorBase actor)
    {
    }

    public static Props Props(Func<TActor> factory) => Akka.Actor.Props.CreateBy(new FactoryProducer<TActor>(factory));
}
