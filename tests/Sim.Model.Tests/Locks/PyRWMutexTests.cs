using Sim.Model.Locks;
using Sim.Runtime;
using Sim.Runtime.Cells;
using Sim.Testing;

namespace Sim.Model.Tests.Locks;

public class PyRWMutexTests
{
    [Fact]
    public void ReadersAndWriters_Exclude_UnderExploration() =>
        Exploring.StaysClean(rt => ReadAndWrite(rt, writerTakesWriteLock: true));

    [Fact]
    public void ReadersAndWriters_Exclude_OnRealThreads() =>
        Exploring.RunsCleanOnRealThreads(rt => ReadAndWrite(rt, writerTakesWriteLock: true), runs: 200);

    [Fact]
    public void AWriterUnderTheReadLock_IsADataRace() =>
        Exploring.FindsBug(rt => ReadAndWrite(rt, writerTakesWriteLock: false), "data race on ");

    [Fact]
    public void AWriterUnderTheReadLock_LetsAReaderSeeAHalfWrittenPair_WithRaceDetectionOff() =>
        Exploring.FindsBug(rt => ReadAndWrite(rt, writerTakesWriteLock: false), "saw a half-written pair", Exploring.Options with { DetectRaces = false });

    private static void ReadAndWrite(SimRuntime rt, bool writerTakesWriteLock)
    {
        var rw = new PyRWMutex(rt, "rw");
        var a = new PlainCell<int>(rt, "a");
        var b = new PlainCell<int>(rt, "b");
        var writers = Enumerable.Range(0, 2).Select(i => rt.StartThread($"writer{i}", () =>
        {
            if (writerTakesWriteLock)
            {
                rw.Lock();
            }
            else
            {
                rw.RLock();
            }

            a.Write(a.Read() + 1);
            b.Write(b.Read() + 1);
            if (writerTakesWriteLock)
            {
                rw.Unlock();
            }
            else
            {
                rw.RUnlock();
            }
        })).ToList();
        var readers = Enumerable.Range(0, 2).Select(i => rt.StartThread($"reader{i}", () =>
        {
            rw.RLock();
            rt.Check(a.Read() == b.Read(), $"{rt.CurrentThread} saw a half-written pair");
            rw.RUnlock();
        })).ToList();
        writers.Concat(readers).ToList().ForEach(t => t.Join());
        rt.Check(a.Peek() == 2 && b.Peek() == 2, $"lost update: a={a.Peek()} b={b.Peek()}");
    }
}
