using System.Reflection;
using Microsoft.Coyote.Runtime;
using Sim.Runtime.Threads;

namespace Sim.Runtime.Platform;

/// <summary>
/// What Coyote 1.7.11 leaves on an OS thread that ran a controlled operation, and how to clear it, so that the thread can
/// run an operation of a later iteration (<see cref="HostThreads"/>). Coyote's public API cannot do this:
/// <see cref="Operation.OnStarted"/> binds the calling thread to the iteration's runtime through the private
/// <c>[ThreadStatic]</c> fields <c>CoyoteRuntime.ThreadLocalRuntime</c> and <c>CoyoteRuntime.ExecutingOperation</c> (and
/// the <c>AsyncLocal</c> <c>CoyoteRuntime.AsyncLocalRuntime</c>), and only the private
/// <c>CoyoteRuntime.CleanCurrentExecutionContext</c>, which Coyote calls when one of its own threads ends, unbinds it.
/// This class reaches those members by reflection: they are private to one Coyote build (1.7.11, commit 4d2f9dd), so it
/// binds only to that version, and when anything is missing it says why (<see cref="Problem"/>) and the Runtime runs
/// every simulated thread on an OS thread of its own instead. The same binding lets the iteration's end wake a body that
/// waits in Coyote (<see cref="OperationWithId"/>, <see cref="Wake"/>) instead of interrupting its OS thread.
/// </summary>
internal static class CoyoteThreadState
{
    /// <summary>The Coyote build whose private members this relies on.</summary>
    public static readonly Version PinnedVersion = new(1, 7, 11, 0);

    private const BindingFlags PrivateStatic = BindingFlags.Static | BindingFlags.NonPublic;

    private static readonly Binding? s_binding;

    static CoyoteThreadState()
    {
        try
        {
            (s_binding, Problem) = Bind();
        }
        catch (Exception ex) when (ex is ReflectionTypeLoadException or TargetInvocationException or AmbiguousMatchException or ArgumentException or InvalidOperationException or MemberAccessException)
        {
            Problem = $"reading Coyote's private members failed: {ex.Message}";
        }
    }

    /// <summary>Why OS threads cannot be reused with the Coyote in this process, or null if they can.</summary>
    public static string? Problem { get; }

    /// <summary>True if the members were found: <see cref="Clean"/> and <see cref="IsClean"/> work.</summary>
    public static bool IsAvailable => s_binding is not null;

    /// <summary>
    /// Unbinds the calling OS thread from the Coyote runtime and operation it last ran
    /// (<c>CoyoteRuntime.CleanCurrentExecutionContext</c>: the thread's runtime, its operation, and the runtime of its
    /// current execution context).
    /// </summary>
    public static void Clean() => (s_binding ?? throw new InvalidOperationException(Problem)).Clean();

    /// <summary>
    /// True if the calling OS thread holds nothing of any Coyote runtime or simulated thread: no runtime or operation bound
    /// to it, no runtime in its execution context, not inside Coyote's runtime lock (<c>SynchronizedSection.IsEntered</c>,
    /// a thread-static flag that makes later lock requests of the thread no-ops), no synchronization context, and no
    /// <see cref="SimThread.Current"/>. A thread that is not clean is never given another body.
    /// </summary>
    public static bool IsClean() => s_binding is { } b && b.IsClean();

    /// <summary>
    /// The calling thread's Coyote runtime's operation with <paramref name="id"/> (<c>CoyoteRuntime.Current</c>,
    /// <c>GetOperationWithId</c>), to be woken at the iteration's end (<see cref="Wake"/>); null if the members were not
    /// found or the runtime has no such operation.
    /// </summary>
    public static object? OperationWithId(ulong id) => s_binding?.OperationWithId(id);

    /// <summary>
    /// Wakes <paramref name="operation"/> where it waits in Coyote (<c>ControlledOperation.Signal</c>, which sets the event
    /// that <c>CoyoteRuntime.PauseOperation</c> waits on). Called once the iteration has ended: Coyote no longer runs, so
    /// the woken thread leaves its pause at once and returns to the Runtime, which unwinds it. Coyote itself wakes only its
    /// own threads, by <see cref="Thread.Interrupt"/>. False if the operation's event is already disposed.
    /// </summary>
    public static bool Wake(object operation)
    {
        try
        {
            (s_binding ?? throw new InvalidOperationException(Problem)).Signal.Invoke(operation, null);
            return true;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is ObjectDisposedException)
        {
            return false;
        }
    }

    private static (Binding? Binding, string? Problem) Bind()
    {
        var coyote = typeof(Operation).Assembly;
        var version = coyote.GetName().Version;
        if (version != PinnedVersion)
        {
            return (null, $"Microsoft.Coyote is {version}, not {PinnedVersion}, whose private members thread reuse was written for");
        }

        var runtime = coyote.GetType("Microsoft.Coyote.Runtime.CoyoteRuntime");
        var section = coyote.GetType("Microsoft.Coyote.Runtime.SynchronizedSection");
        var clean = runtime?.GetMethod("CleanCurrentExecutionContext", PrivateStatic, Type.EmptyTypes);
        var threadRuntime = ThreadStatic(runtime, "ThreadLocalRuntime");
        var executing = ThreadStatic(runtime, "ExecutingOperation");
        var entered = ThreadStatic(section, "IsEntered");
        var asyncRuntime = runtime?.GetField("AsyncLocalRuntime", PrivateStatic);
        var asyncValue = asyncRuntime?.FieldType.GetProperty("Value");
        var current = runtime?.GetProperty("Current", PrivateStatic);
        var withId = runtime?.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic).SingleOrDefault(m =>
            m is { Name: "GetOperationWithId", IsGenericMethodDefinition: false } && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(ulong));
        var signal = coyote.GetType("Microsoft.Coyote.Runtime.ControlledOperation")
            ?.GetMethod("Signal", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes);
        var missing = new (string Name, object? Member)[]
        {
            ("CoyoteRuntime", runtime),
            ("SynchronizedSection", section),
            ("CoyoteRuntime.CleanCurrentExecutionContext()", clean is { ReturnType: var r } && r == typeof(void) ? clean : null),
            ("[ThreadStatic] CoyoteRuntime.ThreadLocalRuntime", threadRuntime),
            ("[ThreadStatic] CoyoteRuntime.ExecutingOperation", executing),
            ("[ThreadStatic] bool SynchronizedSection.IsEntered", entered?.FieldType == typeof(bool) ? entered : null),
            ("AsyncLocal CoyoteRuntime.AsyncLocalRuntime", asyncValue is not null && asyncRuntime!.FieldType.IsGenericType
                && asyncRuntime.FieldType.GetGenericTypeDefinition() == typeof(AsyncLocal<>) ? asyncValue : null),
            ("CoyoteRuntime.Current", current?.PropertyType == runtime ? current : null),
            ("CoyoteRuntime.GetOperationWithId(ulong)", withId),
            ("ControlledOperation.Signal()", signal),
        }.Where(m => m.Member is null).Select(m => m.Name).ToList();
        if (missing.Count > 0)
        {
            return (null, $"Microsoft.Coyote {version} lacks {string.Join(", ", missing)}");
        }

        var local = asyncRuntime!.GetValue(null)!;
        object? OperationWithId(ulong id) => current!.GetValue(null) is { } rt ? withId!.Invoke(rt, [id]) : null;
        return (new Binding(clean!.CreateDelegate<Action>(), threadRuntime!, executing!, entered!, () => asyncValue!.GetValue(local),
            OperationWithId, signal!), null);
    }

    private static FieldInfo? ThreadStatic(Type? type, string name) =>
        type?.GetField(name, PrivateStatic) is { } f && f.IsDefined(typeof(ThreadStaticAttribute), inherit: false) ? f : null;

    private sealed record Binding(
        Action Clean, FieldInfo ThreadRuntime, FieldInfo Executing, FieldInfo Entered, Func<object?> AsyncRuntime,
        Func<ulong, object?> OperationWithId, MethodInfo Signal)
    {
        public bool IsClean() =>
            ThreadRuntime.GetValue(null) is null
            && Executing.GetValue(null) is null
            && Entered.GetValue(null) is false
            && AsyncRuntime() is null
            && SynchronizationContext.Current is null
            && SimThread.Current is null;
    }
}
