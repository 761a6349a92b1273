#!/usr/bin/env python3
"""Interleaved A/B of whole commands, for settings that need a process each (runtime knobs, two builds).

usage: bench/interleaved-ab.py ROUNDS 'COMMAND with {dir} and {out}' NAME=DIR[,VAR=VALUE...] ...

Each round runs every configuration once, in an order rotated every round, so that a busy machine's load falls on all
of them alike; {dir} is the configuration's build folder (holding sim.dll), {out} a fresh output folder per run, and
VAR=VALUE are environment variables of its runs (DOTNET_TieredPGO=0 and the like). Prints each run's wall time, user
and system CPU, then per configuration the median wall and CPU and the median (min to max) of the rounds' ratios
against the first configuration. docs/exploration-steps.md, "Runtime settings tried", was measured with it.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

rounds, command = int(sys.argv[1]), sys.argv[2]
configs = []
for arg in sys.argv[3:]:
    name, rest = arg.split('=', 1)
    folder, *env = rest.split(',')
    configs.append((name, folder, dict(e.split('=', 1) for e in env)))

runs = {name: [] for name, _, _ in configs}
scratch = tempfile.mkdtemp(prefix='sim-ab-')
for r in range(rounds):
    for name, folder, env in configs[r % len(configs):] + configs[:r % len(configs)]:
        out = os.path.join(scratch, f'{name}-{r}')
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.time()
        load = open('/proc/loadavg').read().split()[0]
        p = subprocess.run(command.format(dir=folder, out=out), shell=True, env={**os.environ, **env},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.time() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
        runs[name].append((wall, user + system))
        print(f'round {r} {name:12s} wall {wall:7.2f} s  user {user:7.2f} s  sys {system:7.2f} s  exit {p.returncode}  load {load}', flush=True)
        if p.returncode != 0:
            print(p.stdout[-1500:])

base = configs[0][0]
print(f'{rounds} rounds; ratios: configuration / {base}, median of the rounds (min to max)')
for name, _, _ in configs:
    walls = [w / b for (w, _), (b, _) in zip(runs[name], runs[base])]
    cpus = [c / b for (_, c), (_, b) in zip(runs[name], runs[base])]
    print(f'{name:12s} wall {statistics.median(w for w, _ in runs[name]):7.2f} s  cpu {statistics.median(c for _, c in runs[name]):7.2f} s  '
          f'wall ratio {statistics.median(walls):.2f}x ({min(walls):.2f} to {max(walls):.2f})  '
          f'cpu ratio {statistics.median(cpus):.2f}x ({min(cpus):.2f} to {max(cpus):.2f})')
