namespace Sim.Model.Locks;

/// <summary>
/// The bits of the one-byte lock words of <c>Include/internal/pycore_lock.h</c> (3.13), shared by <see cref="PyMutex"/>,
/// <see cref="PyEvent"/> and <see cref="PyOnceFlag"/>.
/// <code>
///   bit 0  _Py_LOCKED            the mutex is held / the event is set / the once flag is being initialised
///   bit 1  _Py_HAS_PARKED        at least one thread is (or is about to be) parked on the byte
///   bit 2  _Py_ONCE_INITIALIZED  a once flag's initialiser succeeded (the byte is exactly 4)
/// </code>
/// </summary>
public static class LockBits
{
    /// <summary><c>_Py_UNLOCKED</c>.</summary>
    public const int Unlocked = 0;

    /// <summary><c>_Py_LOCKED</c>.</summary>
    public const int Locked = 1;

    /// <summary><c>_Py_HAS_PARKED</c>.</summary>
    public const int HasParked = 2;

    /// <summary><c>_Py_ONCE_INITIALIZED</c>.</summary>
    public const int OnceInitialized = 4;

    /// <summary>Formats a lock byte for messages: <c>LOCKED|HAS_PARKED</c>.</summary>
    public static string Describe(int bits)
    {
        if (bits == Unlocked)
        {
            return "UNLOCKED";
        }

        var parts = new List<string>();
        if ((bits & Locked) != 0)
        {
            parts.Add("LOCKED");
        }

        if ((bits & HasParked) != 0)
        {
            parts.Add("HAS_PARKED");
        }

        if ((bits & OnceInitialized) != 0)
        {
            parts.Add("ONCE_INITIALIZED");
        }

        return string.Join("|", parts);
    }
}

/// <summary><c>PyLockStatus</c> of <c>Include/internal/pycore_lock.h</c>.</summary>
public enum PyLockStatus
{
    /// <summary><c>PY_LOCK_FAILURE</c>: timed out (or would block, with a zero timeout).</summary>
    Failure = 0,

    /// <summary><c>PY_LOCK_ACQUIRED</c>.</summary>
    Acquired = 1,

    /// <summary><c>PY_LOCK_INTR</c>: interrupted by a signal handler that raised (never in the simulation).</summary>
    Interrupted = 2,
}

/// <summary><c>_PyLockFlags</c> of <c>Include/internal/pycore_lock.h</c>.</summary>
[Flags]
public enum PyLockFlags
{
    /// <summary><c>_Py_LOCK_DONT_DETACH</c>: keep the thread state attached while waiting (HEAD_LOCK, weakref stripes).</summary>
    DontDetach = 0,

    /// <summary><c>_PY_LOCK_DETACH</c>: detach the thread state while parked (<c>PyMutex_Lock</c>).</summary>
    Detach = 1,

    /// <summary><c>_PY_LOCK_HANDLE_SIGNALS</c>: run signal handlers on interruption (no signals in the simulation).</summary>
    HandleSignals = 2,
}
