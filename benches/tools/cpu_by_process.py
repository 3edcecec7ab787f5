#!/usr/bin/env python3
"""CPU seconds per process kind (Chromium's browser, renderers, GPU, utilities; the tool)
while a command runs, sampled from /proc every 30 ms (a process's last < 30 ms are missed).

    BENCH_URL=http://127.0.0.1:8765 python3 benches/tools/cpu_by_process.py -- \
        target/release/panoptic run benches/e2e/suite.yaml --output /tmp/o --workers 1
"""
import collections
import os
import re
import subprocess
import sys
import time

cmd = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]
run = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
tool = os.path.basename(cmd[0])
peak, kind = {}, {}
while run.poll() is None:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            # Zygote-forked helpers rewrite their command line into one space-separated string.
            line = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            exe = os.path.basename(line.split(" ", 1)[0])
            if "chrom" not in exe and exe not in (tool, "node", "ffmpeg"):
                continue
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            t = re.search(r"--type=([a-z-]+)", line)
            k = t.group(1) if t else ("browser" if "chrom" in exe else exe)
            sub = re.search(r"--utility-sub-type=([\w.]+)", line)
            if sub:
                k += ":" + sub.group(1)
            peak[pid] = max(peak.get(pid, 0.0), cpu)
            kind[pid] = k
        except (OSError, IndexError, ValueError):
            pass
    time.sleep(0.03)
total, count = collections.Counter(), collections.Counter()
for pid, cpu in peak.items():
    total[kind[pid]] += cpu
    count[kind[pid]] += 1
for k, cpu in total.most_common():
    print(f"{k:45s} {cpu:6.2f} CPU-s in {count[k]} process(es)")
print(f"{'total':45s} {sum(total.values()):6.2f} CPU-s; exit {run.returncode}")
