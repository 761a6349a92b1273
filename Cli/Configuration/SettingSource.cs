namespace Sim.Cli.Configuration;

/// <summary>Where a setting's value came from, lowest precedence first.</summary>
internal enum SettingSource
{
    /// <summary>The tool's built-in default.</summary>
    BuiltIn,

    /// <summary>Coyote.config.</summary>
    File,

    /// <summary>A <c>SIM_*</c> environment variable.</summary>
    Environment,

    /// <summary>A command-line flag.</summary>
    Flag,
}

/// <summary>Where one setting's value came from: the layer and the place (<c>Coyote.config:12</c>, <c>SIM_SEED</c>, <c>--seed</c>).</summary>
internal sealed record SettingOrigin(SettingSource Source, string Where);
