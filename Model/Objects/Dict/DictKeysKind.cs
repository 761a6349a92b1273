namespace Sim.Model.Objects.Dict;

/// <summary><c>DictKeysKind</c> (<c>Include/internal/pycore_dict.h</c>, 3.13): what a keys object's entries hold.</summary>
public enum DictKeysKind
{
    /// <summary><c>DICT_KEYS_GENERAL</c>: any keys, entries with a hash (not modelled: every key is an interned str).</summary>
    General = 0,

    /// <summary><c>DICT_KEYS_UNICODE</c>: str keys only; entries are <c>PyDictUnicodeEntry</c> (<c>me_key</c>, <c>me_value</c>).</summary>
    Unicode = 1,

    /// <summary><c>DICT_KEYS_SPLIT</c>: str keys shared by the instances of a class; values live in each dict's <c>ma_values</c>.</summary>
    Split = 2,
}
