using Sim.Runtime.Trace;

namespace Sim.Runtime.Scheduling;

/// <summary>How a thread goes on when a scheduling step lets it run.</summary>
public enum OpPhase : byte
{
    /// <summary>It runs for the first time (it was started since it last could be scheduled).</summary>
    Start,

    /// <summary>It takes the step it stopped before: a shared access, a park, an unpark, a join, a yield.</summary>
    Step,

    /// <summary>It stops waiting: it was woken, its timer fired, or what it waited for happened.</summary>
    Wake,

    /// <summary>It begins a timed wait whose timeout may fire early (a scheduling point before the wait).</summary>
    Wait,
}

/// <summary>
/// What a thread does when a scheduling step lets it run: the schedule record keeps it for every step, so that a replay
/// can tell that the program asks for something else than it recorded. Made without formatting (the target is a name the
/// model already holds); <see cref="ToString"/> is the text trace files hold.
/// </summary>
/// <param name="Phase">Whether it starts, steps, wakes, or begins a timed wait.</param>
/// <param name="Kind">The kind of step (for <see cref="OpPhase.Step"/>).</param>
/// <param name="Target">What it acts on: a cell or address name, a thread, or what it waits for.</param>
public readonly record struct ScheduleOp(OpPhase Phase, AccessKind Kind, string Target)
{
    /// <summary>A new thread's first run.</summary>
    public static ScheduleOp Start { get; } = new(OpPhase.Start, AccessKind.Spawn, string.Empty);

    /// <summary>A step of <paramref name="kind"/> on <paramref name="target"/>.</summary>
    public static ScheduleOp Step(AccessKind kind, string target) => new(OpPhase.Step, kind, target);

    /// <summary>A blocked thread's wake-up from what <paramref name="waitsFor"/> describes.</summary>
    public static ScheduleOp Wake(string waitsFor) => new(OpPhase.Wake, AccessKind.Park, waitsFor);

    /// <summary>The scheduling point before a timed wait whose timeout may fire early.</summary>
    public static ScheduleOp Wait(string waitsFor) => new(OpPhase.Wait, AccessKind.Park, waitsFor);

    /// <summary><c>load m._bits</c>, <c>start</c>, <c>wake: parked on m._bits</c>, <c>wait: parked on m._bits with a timeout</c>.</summary>
    public override string ToString() => Phase switch
    {
        OpPhase.Start => "start",
        OpPhase.Wake => "wake: " + Target,
        OpPhase.Wait => "wait: " + Target,
        _ => $"{Verb(Kind)} {Target}",
    };

    /// <summary>Reads the text <see cref="ToString"/> writes; false if it is not one.</summary>
    public static bool TryParse(string? text, out ScheduleOp op)
    {
        op = default;
        if (text is null)
        {
            return false;
        }

        if (text == "start")
        {
            op = Start;
            return true;
        }

        foreach (var (prefix, phase) in new[] { ("wake: ", OpPhase.Wake), ("wait: ", OpPhase.Wait) })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                op = phase == OpPhase.Wake ? Wake(text[prefix.Length..]) : Wait(text[prefix.Length..]);
                return true;
            }
        }

        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }

        var verb = text[..space];
        foreach (var kind in Enum.GetValues<AccessKind>())
        {
            if (Verb(kind) == verb)
            {
                op = Step(kind, text[(space + 1)..]);
                return true;
            }
        }

        return false;
    }

    /// <summary>The verb of a step kind, as schedule records write it.</summary>
    public static string Verb(AccessKind kind) => kind switch
    {
        AccessKind.Load => "load",
        AccessKind.Store => "store",
        AccessKind.Exchange => "exchange",
        AccessKind.CompareExchange => "cas",
        AccessKind.FetchAdd => "fetch_add",
        AccessKind.FetchOr => "fetch_or",
        AccessKind.FetchAnd => "fetch_and",
        AccessKind.Read => "read",
        AccessKind.Write => "write",
        AccessKind.Spawn => "spawn",
        AccessKind.Join => "join",
        AccessKind.Detach => "detach",
        AccessKind.Park => "park",
        AccessKind.Unparked => "unparked",
        AccessKind.Unpark => "unpark",
        AccessKind.UnparkAll => "unpark_all",
        AccessKind.Choose => "choose",
        AccessKind.Yield => "yield",
        AccessKind.Fork => "fork",
        AccessKind.Note => "note",
        _ => "failure",
    };
}
