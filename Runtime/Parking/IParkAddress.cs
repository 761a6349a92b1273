using Sim.Runtime.Cells;
namespace Sim.Runtime.Parking;

/// <summary>
/// A word that threads can park on: the <c>address</c> argument of <c>_PyParkingLot_Park</c>
/// (<c>Python/parking_lot.c</c>). Implemented by <see cref="AtomicInt"/> and <see cref="AtomicLong"/>.
/// </summary>
public interface IParkAddress
{
    /// <summary>The name of the word, for traces.</summary>
    string Name { get; }

    /// <summary>
    /// Compares the word with <paramref name="expected"/> without a scheduling point; the parking lot calls
    /// this under its bucket lock, as <c>_PyParkingLot_Park</c> compares <c>*address</c> with <c>expected</c>.
    /// </summary>
    bool Holds(long expected);

    /// <summary>What a thread parked here waits for and who holds it, if the Model says (<see cref="IWaitTarget"/>).</summary>
    IWaitTarget? WaitTarget => null;
}
