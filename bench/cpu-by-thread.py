#!/usr/bin/env python3
"""CPU of one command by thread name: where an exploration's cores go.

usage: bench/cpu-by-thread.py COMMAND...   (for example: dotnet Cli/bin/Release/net10.0/sim.dll explore ...)

Samples /proc/PID/task/*/stat every 50 ms until the command exits and prints its wall time, user and system CPU,
CPU/wall (how many cores it kept busy), and the CPU of each named thread group as last seen (.NET's background JIT
".NET Tiered Com", thread-pool workers, the main thread). Threads that live for less than a sample (the OS threads of an
iteration's simulated threads and Coyote's operations) are not seen one by one: their CPU is the total minus what was
seen. docs/exploration-steps.md, "Where an iteration's time goes", was measured with it.
"""
import collections
import os
import re
import resource
import subprocess
import sys
import time

ticks = os.sysconf('SC_CLK_TCK')
start = time.time()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
last = {}
while p.poll() is None:
    try:
        tids = os.listdir(f'/proc/{p.pid}/task')
    except FileNotFoundError:
        break
    for tid in tids:
        try:
            stat = open(f'/proc/{p.pid}/task/{tid}/stat').read()
        except OSError:
            continue
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat[stat.rindex(')') + 2:].split()
        last[tid] = (name, int(fields[11]) / ticks, int(fields[12]) / ticks)
    time.sleep(0.05)
wall = time.time() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
total = usage.ru_utime + usage.ru_stime
print(f'wall {wall:.2f} s  user {usage.ru_utime:.2f} s  sys {usage.ru_stime:.2f} s  cores busy {total / wall:.2f}  '
      f'peak resident {usage.ru_maxrss / 1024:.0f} MB  exit {p.returncode}')
groups = collections.defaultdict(lambda: [0.0, 0.0, 0])
for name, user, system in last.values():
    g = groups['sim threads' if name.startswith('sim ') else re.sub(r'\d+', '#', name)]
    g[0] += user
    g[1] += system
    g[2] += 1
for name, (user, system, count) in sorted(groups.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
    if user + system >= 0.05:
        print(f'  {name:20s} threads seen {count:5d}  user {user:7.2f} s  sys {system:7.2f} s')
print(f'  threads too short-lived to see: {total - sum(u + s for u, s, _ in groups.values()):.2f} s')
