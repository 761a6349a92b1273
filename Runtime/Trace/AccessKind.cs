namespace Sim.Runtime.Trace;

/// <summary>What a thread did at one step of a trace.</summary>
public enum AccessKind : byte
{
    /// <summary>An atomic load.</summary>
    Load,

    /// <summary>An atomic store.</summary>
    Store,

    /// <summary>An atomic exchange.</summary>
    Exchange,

    /// <summary>An atomic compare-and-exchange.</summary>
    CompareExchange,

    /// <summary>An atomic fetch-and-add.</summary>
    FetchAdd,

    /// <summary>An atomic fetch-and-or.</summary>
    FetchOr,

    /// <summary>An atomic fetch-and-and.</summary>
    FetchAnd,

    /// <summary>A plain (non-atomic) read.</summary>
    Read,

    /// <summary>A plain (non-atomic) write.</summary>
    Write,

    /// <summary>A thread was started.</summary>
    Spawn,

    /// <summary>A thread waits for another to finish (the OS join).</summary>
    Join,

    /// <summary>A thread detached another (the OS detach).</summary>
    Detach,

    /// <summary>A thread parks on an address.</summary>
    Park,

    /// <summary>A parked thread resumed: woken, timed out, or told to retry.</summary>
    Unparked,

    /// <summary>A thread wakes one waiter on an address.</summary>
    Unpark,

    /// <summary>A thread wakes every waiter on an address.</summary>
    UnparkAll,

    /// <summary>A controlled choice.</summary>
    Choose,

    /// <summary>A spinning thread yields.</summary>
    Yield,

    /// <summary>The process forked; the caller continues as the child.</summary>
    Fork,

    /// <summary>A note written by the model.</summary>
    Note,

    /// <summary>An invariant failed.</summary>
    Failure,

    /// <summary>A thread's join of another returned: the other has exited.</summary>
    Joined,
}
