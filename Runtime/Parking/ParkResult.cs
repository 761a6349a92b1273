namespace Sim.Runtime.Parking;

/// <summary>The result of <see cref="ParkingLot.Park"/>, as the <c>Py_PARK_*</c> codes of <c>Include/internal/pycore_parking_lot.h</c>.</summary>
public enum ParkResult
{
    /// <summary><c>Py_PARK_OK</c>: another thread unparked this one.</summary>
    Ok = 0,

    /// <summary><c>Py_PARK_AGAIN</c>: the word did not hold the expected value, so the thread did not park.</summary>
    Again = -1,

    /// <summary><c>Py_PARK_TIMEOUT</c>: the timeout elapsed before anyone unparked the thread.</summary>
    Timeout = -2,

    /// <summary><c>Py_PARK_INTR</c>: interrupted by a signal. The simulation delivers no signals, so this never occurs.</summary>
    Interrupted = -3,
}
