using Sim.Runtime.Races;

namespace Sim.Runtime.Tests.Races;

public class VectorClockTests
{
    [Fact]
    public void Join_TakesTheEntryWiseMaximum_AndCopyFromForgetsWhatTheOtherLacks()
    {
        var a = new VectorClock();
        var b = new VectorClock();
        a.Set(1, 3);
        a.Set(2, 1);
        b.Set(2, 5);
        b.Set(6, 2);

        a.Join(b);
        Assert.Equal((3, 5, 2), (a[1], a[2], a[6]));

        b.CopyFrom(new VectorClock());
        Assert.Equal((0, 0, 0), (b[1], b[2], b[6]));
    }

    [Fact]
    public void ClocksJoinedBackAndForth_StayAsLongAsTheHighestThreadIdNeeds()
    {
        var a = new VectorClock(8);
        var b = new VectorClock(7);
        for (var i = 0; i < 1000; i++)
        {
            a.Join(b);
            b.Join(a);
            b.Set(7, i);
        }

        Assert.Equal(8, a.Length);
        Assert.Equal(8, b.Length);
    }
}
