namespace Sim.Model.Objects.Types;

/// <summary>
/// An interned attribute name (an exact, interned <c>str</c>): the type cache compares names by address, and hashes them
/// with the string's hash (<c>MCACHE_HASH_METHOD</c>, <c>Objects/typeobject.c</c>, 3.13).
/// </summary>
/// <remarks>Deviation: names are not heap objects and are not reference-counted (interned names are immortal in 3.13).</remarks>
/// <param name="Text">The characters.</param>
/// <param name="Hash">The string's hash (<c>((PyASCIIObject *)name)-&gt;hash</c>), which the scenario picks.</param>
public sealed record PyInternedStr(string Text, uint Hash)
{
    /// <inheritdoc/>
    public override string ToString() => Text;
}
