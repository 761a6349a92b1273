using Sim.Model.Interpreter;

namespace Sim.Model.CriticalSections;

/// <summary>
/// The block between a <c>Py_BEGIN_CRITICAL_SECTION</c> macro and its <c>Py_END_CRITICAL_SECTION</c>: disposing it ends the
/// section (<c>_PyCriticalSection_End</c> or <c>_PyCriticalSection2_End</c>). The default value ends nothing: a null
/// object's <c>Py_XBEGIN_CRITICAL_SECTION</c>, or any section in the default build.
/// </summary>
public readonly struct CriticalSectionScope : IDisposable
{
    private readonly PyThreadState? _tstate;
    private readonly PyCriticalSection? _section;
    private readonly bool _twoMutexes;

    internal CriticalSectionScope(PyThreadState tstate, PyCriticalSection section, bool twoMutexes)
    {
        _tstate = tstate;
        _section = section;
        _twoMutexes = twoMutexes;
    }

    /// <summary>The section, or null for a scope that locked nothing.</summary>
    public PyCriticalSection? Section => _section;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_tstate is null)
        {
            return;
        }

        if (_twoMutexes)
        {
            CriticalSection.End2(_tstate, (PyCriticalSection2)_section!);
        }
        else
        {
            CriticalSection.End(_tstate, _section!);
        }
    }
}
