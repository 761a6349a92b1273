namespace Sim.Cli.Configuration;

/// <summary>The settings a command runs with, where each came from, and the config file read (if any).</summary>
internal sealed record ResolvedSettings(SimSettings Settings, IReadOnlyDictionary<string, SettingOrigin> Origins, ConfigFile? File)
{
    /// <summary>The seed to run with: the configured one, or a fresh one when the setting is "random".</summary>
    public uint Seed { get; } = Settings.Exploration.Seed ?? (uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1);
}

/// <summary>A flag given on the command line for a setting: the setting's key, the flag as typed, its value.</summary>
internal sealed record FlagValue(string Key, string Flag, string Text);
