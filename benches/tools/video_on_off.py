#!/usr/bin/env python3
"""Video on vs off on the demo suite: N alternating runs of examples/demo.yaml with
`video.mode` off and on, wall and CPU seconds (of the whole process tree) per run, medians
and the on/off ratio. Serves examples/site itself; uses the release binary.

    cargo build --release -p panoptic && python3 benches/tools/video_on_off.py [N=5]
"""
import ctypes
import functools
import http.server
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
binary = os.path.join(target, "release", "panoptic")
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5

handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=os.path.join(root, "examples/site"))
handler.log_message = lambda *a: None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
env = dict(os.environ, DEMO_URL=f"http://127.0.0.1:{server.server_address[1]}", DEMO_PASSWORD="demo-password-1234")

demo = open(os.path.join(root, "examples/demo.yaml")).read()
anchor = "\nsettings:\n"
assert anchor in demo, "examples/demo.yaml has no settings block"
tmp = tempfile.mkdtemp()
configs = {}
for mode in ("off", "on"):
    configs[mode] = os.path.join(tmp, f"demo-{mode}.yaml")
    with open(configs[mode], "w") as f:
        f.write(demo.replace(anchor, f"{anchor}  video: {{ mode: {mode} }}\n", 1))

# This script is the child subreaper of everything its runs leave behind: panoptic does not
# wait for the browser it killed (it is still dying when panoptic exits), and re-parented to
# init its CPU would be missing from RUSAGE_CHILDREN.
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_everything():
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


runs = {"off": [], "on": []}
for _ in range(reps):
    for mode in ("off", "on"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.monotonic()
        subprocess.run([binary, "run", configs[mode], "--output", os.path.join(tmp, mode)], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall = time.monotonic() - t
        reap_everything()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        runs[mode].append((wall, cpu))
for mode in ("off", "on"):
    walls = sorted(round(w, 2) for w, _ in runs[mode])
    print(f"video {mode:>3}: wall {walls} median {statistics.median(walls):.2f} s, "
          f"CPU median {statistics.median(c for _, c in runs[mode]):.1f} s")
ratio = statistics.median(w for w, _ in runs["on"]) / statistics.median(w for w, _ in runs["off"])
print(f"on / off: {ratio:.2f}x (target <= 1.5)")
server.shutdown()
