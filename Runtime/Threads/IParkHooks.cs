namespace Sim.Runtime.Threads;

/// <summary>Callbacks around a detaching park or an OS join, registered per thread (<see cref="SimThread.AddParkHooks"/>).</summary>
public interface IParkHooks
{
    /// <summary>Called after the thread is queued and before it blocks (<c>_PyThreadState_Detach</c>).</summary>
    void BeforeBlock();

    /// <summary>Called after the thread resumes (<c>_PyThreadState_Attach</c>).</summary>
    void AfterBlock();
}
