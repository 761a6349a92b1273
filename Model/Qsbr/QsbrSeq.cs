namespace Sim.Model.Qsbr;

/// <summary>
/// The QSBR sequence numbers (<c>Include/internal/pycore_qsbr.h</c>, 3.13). The shared write sequence is always odd and
/// moves by <see cref="Incr"/>; a thread's read sequence is <see cref="Offline"/> while it is detached. Comparisons are
/// wrap-around safe, a holdover from FreeBSD's 32-bit GUS.
/// </summary>
public static class QsbrSeq
{
    /// <summary><c>QSBR_OFFLINE</c>: the read sequence of a detached or unregistered thread.</summary>
    public const long Offline = 0;

    /// <summary><c>QSBR_INITIAL</c>: the first write sequence.</summary>
    public const long Initial = 1;

    /// <summary><c>QSBR_INCR</c>: how far <c>_Py_qsbr_advance</c> moves the write sequence.</summary>
    public const long Incr = 2;

    /// <summary><c>QSBR_LT(a, b)</c>.</summary>
    public static bool Lt(long a, long b) => unchecked(a - b) < 0;

    /// <summary><c>QSBR_LEQ(a, b)</c>.</summary>
    public static bool Leq(long a, long b) => unchecked(a - b) <= 0;
}
