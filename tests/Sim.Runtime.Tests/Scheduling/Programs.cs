using Sim.Runtime.Cells;

namespace Sim.Runtime.Tests.Scheduling;

/// <summary>Small programs with known schedules, shared by the scheduling tests.</summary>
internal static class Programs
{
    /// <summary>
    /// Two threads each read a plain counter and write it back incremented; the main thread joins both and checks the
    /// total. Failing needs one preemption: a thread switched out between its read and its write.
    /// </summary>
    public static void LostUpdate(SimRuntime rt)
    {
        var x = new PlainCell<int>(rt, "x");
        var a = rt.StartThread("a", () => x.Write(x.Read() + 1));
        var b = rt.StartThread("b", () => x.Write(x.Read() + 1));
        a.Join();
        b.Join();
        rt.Check(x.Peek() == 2, $"lost update: x is {x.Peek()}");
    }

    /// <summary>Two threads each add to an atomic counter twice; never fails.</summary>
    public static void AtomicCounter(SimRuntime rt)
    {
        var x = new AtomicInt(rt, "x");
        var a = rt.StartThread("a", () =>
        {
            x.FetchAdd(1);
            x.FetchAdd(1);
        });
        var b = rt.StartThread("b", () => x.FetchAdd(10));
        a.Join();
        b.Join();
        rt.Check(x.Peek() == 12, $"x is {x.Peek()}");
    }

    /// <summary>
    /// A check that needs two preemptions to fail: b must load x between a's two stores (a preempted after its first) and
    /// load it again after the second (b preempted after its first load).
    /// </summary>
    public static void NeedsTwoPreemptions(SimRuntime rt)
    {
        var x = new AtomicInt(rt, "x");
        var a = rt.StartThread("a", () =>
        {
            x.Store(1);
            x.Store(2);
        });
        var b = rt.StartThread("b", () =>
        {
            var first = x.Load();
            var second = x.Load();
            rt.Check(!(first == 1 && second == 2), "b saw both of a's stores");
        });
        a.Join();
        b.Join();
    }

    /// <summary>A thread takes a controlled choice, and the program fails only for one of its values.</summary>
    public static void FailsOnChoice(SimRuntime rt)
    {
        var x = new AtomicInt(rt, "x");
        var t = rt.StartThread("t", () => x.Store(rt.ChooseInt("which value to store", 3)));
        t.Join();
        rt.Check(x.Peek() != 2, "stored 2");
    }
}
