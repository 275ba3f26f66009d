"""The reference for Benchmarks/usage.sh: the same measurement of running trials as hypertop's
UsageSampler, done the way Python monitors (nvitop, glances) do it, with psutil: every process's
CPU times, resident memory, thread count and parents, each trial's processes found by process
group, by HYPERTOP_TRIAL_DIR in the environment (read once per new process) and by parent.
Prints one JSON line: CPU milliseconds of the first sample and the median of the steady ones."""
import json, os, subprocess, sys, tempfile, time

import psutil

trials = int(sys.argv[1]) if len(sys.argv) > 1 else 64
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 20
interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25

root = tempfile.mkdtemp(prefix="usage-psutil-")
jobs = []
for n in range(trials):
    d = os.path.join(root, str(n))
    os.makedirs(d)
    env = dict(os.environ, HYPERTOP_TRIAL_DIR=d)
    p = subprocess.Popen(["/bin/sh", "-c", "sleep 600 & setsid sleep 600 & wait"], env=env, cwd=d, start_new_session=True)
    jobs.append((n, p, d))
time.sleep(0.5)
by_group = {p.pid: n for n, p, _ in jobs}
by_dir = {d: n for n, _, d in jobs}
me = os.getpid()
environments = {}  # pid -> (create_time, trial dir or None)


def sample():
    owner, info = {}, {}
    for proc in psutil.process_iter(["pid", "ppid", "create_time"]):
        pid = proc.info["pid"]
        if pid == me:
            continue
        try:
            with proc.oneshot():
                times = proc.cpu_times()
                rss = proc.memory_info().rss
                threads = proc.num_threads()
                group = os.getpgid(pid)
        except (psutil.Error, OSError):
            continue
        info[pid] = (proc.info["ppid"], times.user + times.system + times.children_user + times.children_system, rss, threads)
        if group in by_group:
            owner[pid] = by_group[group]
            continue
        known = environments.get(pid)
        if known is None or known[0] != proc.info["create_time"]:
            try:
                d = proc.environ().get("HYPERTOP_TRIAL_DIR")
            except psutil.Error:
                d = None
            known = (proc.info["create_time"], d)
            environments[pid] = known
        if known[1] in by_dir:
            owner[pid] = by_dir[known[1]]
    for pid, (ppid, *_rest) in info.items():
        if pid not in owner and ppid in owner:
            owner[pid] = owner[ppid]
    totals = {}
    for pid, n in owner.items():
        _, cpu, rss, threads = info[pid]
        t = totals.setdefault(n, [0.0, 0, 0, 0])
        t[0] += cpu
        t[1] += rss
        t[2] += threads
        t[3] += 1
    return totals


t = time.process_time()
totals = sample()
first = (time.process_time() - t) * 1000
steady = []
for _ in range(samples):
    time.sleep(interval)
    t = time.process_time()
    totals = sample()
    steady.append((time.process_time() - t) * 1000)
for _, p, _ in jobs:
    try:
        os.killpg(p.pid, 9)
    except OSError:
        pass
    p.wait()
# The sleeps that left their group (setsid) are found as the trials' strays are: by environment.
for q in psutil.process_iter(["pid"]):
    try:
        if q.environ().get("HYPERTOP_TRIAL_DIR", "").startswith(root):
            q.kill()
    except psutil.Error:
        pass
steady.sort()
median = steady[len(steady) // 2]
print(json.dumps({"trials": trials, "trial_processes": sum(v[3] for v in totals.values()), "first_ms": first, "steady_ms": median,
                  "percent_of_a_core_at_1s": median / 10}))
