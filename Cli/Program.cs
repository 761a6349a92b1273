using Sim.Cli;

return SimCli.Run(args, CliContext.FromProcess());
