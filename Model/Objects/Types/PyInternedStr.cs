namespace Sim.Model.Objects.Types;

/// <summary>
/// An attribute name: an exact, interned, immortal <c>str</c> object (<see cref="Dict.InternedStrings"/>), the key of
/// <c>tp_dict</c>'s entries, with its hash. The type cache compares names by identity and indexes entries with the hash
/// (<c>MCACHE_HASH_METHOD</c>, <c>Objects/typeobject.c</c>, 3.13); <c>find_name_in_mro</c> passes the same hash to each dict
/// lookup. Made by <see cref="TypesState.Intern"/>.
/// </summary>
/// <remarks>
/// Deviations: the scenario picks the hash (no string hashing), the same value the str object caches; 3.13's
/// <c>MCACHE_HASH_METHOD</c> hashes the name's address (<c>((Py_ssize_t)(name)) &gt;&gt; 3</c>), for which the picked hash
/// stands in, so that a scenario can make two names share an entry.
/// </remarks>
public sealed class PyInternedStr
{
    internal PyInternedStr(string text, uint hash, PyObjectPtr str)
    {
        Text = text;
        Hash = hash;
        Str = str;
    }

    /// <summary>The characters.</summary>
    public string Text { get; }

    /// <summary>The string's hash (<c>((PyASCIIObject *)name)-&gt;hash</c>), which the scenario picks.</summary>
    public uint Hash { get; }

    /// <summary>The interned str object: the key in <c>tp_dict</c>.</summary>
    public PyObjectPtr Str { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
