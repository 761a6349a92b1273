using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Runtime.Parking;
using Sim.Runtime.Threads;

namespace Sim.Model.Locks;

/// <summary>
/// <c>_PyOnceFlag</c>: runs an initialiser once (<c>Include/internal/pycore_lock.h</c>, <c>Python/lock.c</c>, 3.13).
/// The byte is <c>_Py_UNLOCKED</c>, <c>_Py_LOCKED</c> (a caller is running the initialiser), <c>_Py_LOCKED|_Py_HAS_PARKED</c>
/// (and others wait) or <c>_Py_ONCE_INITIALIZED</c>. An initialiser that fails (returns -1) resets the flag, so the next
/// caller retries; waiters are woken either way.
/// </summary>
/// <remarks>The flag remembers the thread running the initialiser (ghost state) for deadlock reports (<see cref="IWaitTarget"/>).</remarks>
public sealed class PyOnceFlag : IWaitTarget
{
    private readonly SimRuntime _rt;
    private readonly LockDesign _design;
    private SimThread? _initializer;

    /// <summary>Creates a flag in the <c>_Py_UNLOCKED</c> state.</summary>
    public PyOnceFlag(SimRuntime runtime, string name, LockDesign? design = null)
    {
        _rt = runtime;
        _design = design ?? LockDesign.Cpython313;
        Name = name;
        V = new AtomicInt(runtime, $"{name}.v", LockBits.Unlocked) { FormatValue = LockBits.Describe };
        V.WaitTarget = this;
    }

    /// <summary>The flag's name.</summary>
    public string Name { get; }

    /// <summary><c>v</c>: the flag byte.</summary>
    public AtomicInt V { get; }

    /// <summary>True if initialised, read without a scheduling point (for checks).</summary>
    public bool IsInitializedForCheck => V.Peek() == LockBits.OnceInitialized;

    /// <summary>
    /// <c>_PyOnceFlag_CallOnce</c>: runs <paramref name="fn"/> unless it already succeeded; waits while another caller runs
    /// it. Returns 0 once the flag is initialised, or -1 if this caller's run of <paramref name="fn"/> failed.
    /// </summary>
    /// <param name="fn">The initialiser: 0 on success, -1 on failure.</param>
    public int CallOnce(Func<int> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        using var _ = _rt.Enter($"_PyOnceFlag_CallOnce({Name})");
        return V.Load() == LockBits.OnceInitialized ? 0 : CallOnceSlow(fn);
    }

    /// <inheritdoc/>
    string IWaitTarget.WaitsFor => $"once flag {Name} (its initialiser to finish)";

    /// <inheritdoc/>
    SimThread? IWaitTarget.Holder => (V.Peek() & LockBits.Locked) != 0 ? _initializer : null;

    /// <summary>Sets the flag to initialised with a plain store: the after-fork marking of <c>_PyThread_AfterFork</c>.</summary>
    public void MarkInitializedAfterFork() => V.Reinitialize(LockBits.OnceInitialized);

    /// <inheritdoc/>
    public override string ToString() => $"_PyOnceFlag {Name} ({LockBits.Describe(V.Peek())})";

    private int CallOnceSlow(Func<int> fn)
    {
        var v = V.Load();
        for (;;)
        {
            if (v == LockBits.Unlocked)
            {
                if (!V.CompareExchange(ref v, LockBits.Locked))
                {
                    continue;
                }

                _rt.RecordHolder(ref _initializer);
                var res = fn();
                return UnlockOnce(res);
            }

            if (v == LockBits.OnceInitialized)
            {
                return 0;
            }

            // The once flag is initializing (locked).
            _rt.Check((v & LockBits.Locked) != 0, $"{Name}: once flag byte was {LockBits.Describe(v)}");
            if ((v & LockBits.HasParked) == 0)
            {
                // We are the first waiter. Set the _Py_HAS_PARKED flag.
                var newValue = v | LockBits.HasParked;
                if (!V.CompareExchange(ref v, newValue))
                {
                    continue;
                }

                v = newValue;
            }

            // Wait for initialization to finish.
            _rt.ParkingLot.Park(V, v, -1, parkArg: null, detach: true);
            v = V.Load();
        }
    }

    /// <summary><c>unlock_once</c>.</summary>
    private int UnlockOnce(int res)
    {
        if (res is not (0 or -1))
        {
            _rt.Fail($"invalid result {res} from _PyOnceFlag_CallOnce({Name})");
        }

        if (res == -1 && _design.OnceFailure == OnceFailureProtocol.ResetWithoutUnpark)
        {
            V.Store(LockBits.Unlocked);
            return res;
        }

        var newValue = res == 0 || _design.OnceFailure == OnceFailureProtocol.MarkInitialized
            ? LockBits.OnceInitialized
            : LockBits.Unlocked;
        var oldValue = V.Exchange(newValue);
        if ((oldValue & LockBits.HasParked) != 0)
        {
            // wake up anyone waiting on the once flag
            _rt.ParkingLot.UnparkAll(V);
        }

        return res;
    }
}
