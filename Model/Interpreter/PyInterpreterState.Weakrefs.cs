using Sim.Model.Objects.Weakrefs;

namespace Sim.Model.Interpreter;

/// <summary>The weak references' part of the interpreter.</summary>
public sealed partial class PyInterpreterState
{
    /// <summary>Weak references and <c>interp-&gt;weakref_locks</c>, the striped locks keyed on the referent's address.</summary>
    public PyWeakrefs Weakrefs { get; }
}
