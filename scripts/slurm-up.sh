#!/usr/bin/env bash
# Installs and starts a one-node Slurm (cluster "hypertop", node and controller "localhost",
# partition "debug") on Debian, without systemd, so that tests can submit jobs with sbatch.
# Idempotent: a second run installs nothing, leaves running daemons alone and exits 0 once Slurm
# answers. Accounting is off; ended jobs are recorded in the job completion file
# /var/log/slurm/jobcomp.log (read with `sacct -c`) and stay in squeue for MinJobAge seconds.
# Needs root (or sudo). Logs: /var/log/slurm/slurmctld.log, /var/log/slurm/slurmd.log,
# /var/log/munge/munged.log.
set -euo pipefail

sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"

fail() { # message, log file...
  echo "slurm-up: $1" >&2
  shift
  for log in "$@"; do
    if $sudo test -f "$log"; then
      echo "--- tail of $log" >&2
      $sudo tail -n 30 "$log" >&2
    fi
  done
  exit 1
}

# 1. Packages.
missing=0
for cmd in slurmctld slurmd sbatch squeue sinfo scontrol munged munge unmunge mungekey; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing=1
done
if [ "$missing" -eq 1 ]; then
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge
fi

# 2. Munge (authentication between the Slurm commands and daemons).
$sudo install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
$sudo install -d -o munge -g munge -m 0755 /run/munge
if ! $sudo test -s /etc/munge/munge.key; then
  $sudo mungekey -c -f -k /etc/munge/munge.key
fi
$sudo chown munge:munge /etc/munge/munge.key
$sudo chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  force=()
  # No munged alive: a socket or lock left over by a dead one must not stop the new one.
  pgrep -x munged >/dev/null 2>&1 || force=(--force)
  $sudo runuser -u munge -- /usr/sbin/munged "${force[@]}" || fail "munged did not start" /var/log/munge/munged.log
  for _ in $(seq 1 20); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.25
  done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || fail "munge does not answer" /var/log/munge/munged.log
fi

# 3. Configuration.
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
# A bit below what slurmd measures, or it drains the node ("Low RealMemory").
real_mem=$(( mem_mb * 95 / 100 ))
[ "$real_mem" -ge 1 ] || real_mem=1
$sudo install -d -m 0755 /etc/slurm /var/log/slurm /var/spool/slurmctld /var/spool/slurmd
conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
cat >"$conf" <<EOF
# Written by hypertop's scripts/slurm-up.sh: a one-node Slurm for tests.
ClusterName=hypertop
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
ReturnToService=2
MinJobAge=300
KillWait=5
OverTimeLimit=0
InactiveLimit=0
MailProg=/bin/true
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=localhost CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
changed=0
if ! $sudo cmp -s "$conf" /etc/slurm/slurm.conf; then
  $sudo install -m 0644 "$conf" /etc/slurm/slurm.conf
  changed=1
fi

# 4. Daemons.
running() { pgrep -x "$1" >/dev/null 2>&1; }
stop() { # daemon, pid file: stops the one this script started, by its pid
  local pid
  pid=$($sudo cat "$2" 2>/dev/null || true)
  if [ -n "$pid" ] && $sudo kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 40); do $sudo kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
    fail "$1 (pid $pid) did not stop"
  fi
}
if [ "$changed" -eq 1 ]; then
  # A new slurm.conf (other CPUs or memory): restart what runs with the old one.
  running slurmd && stop slurmd /run/slurmd.pid
  running slurmctld && stop slurmctld /run/slurmctld.pid
fi
start() {
  if ! running slurmctld; then
    $sudo slurmctld || fail "slurmctld did not start" /var/log/slurm/slurmctld.log
  fi
  if ! running slurmd; then
    $sudo slurmd -N localhost || fail "slurmd did not start" /var/log/slurm/slurmd.log
  fi
}

# 5. Wait until the node takes jobs (up to 20 s). The controller reports the node idle for a while
# after its slurmd died, so the daemons are looked for again afterwards: one that was just then
# stopping (found, so not started) is started now.
ok() { case "$1" in idle|mixed|allocated|completing) return 0 ;; esac; return 1; }
state=""
for attempt in 1 2; do
  start
  for _ in $(seq 1 80); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null | head -n 1 || true)
    ok "$state" && break
    sleep 0.25
  done
  ok "$state" || fail "node localhost is '${state:-not reported}' after 20 s" \
    /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log
  sleep 0.5
  running slurmctld && running slurmd && break
  if [ "$attempt" -eq 2 ]; then
    fail "a Slurm daemon exits right after starting" /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log
  fi
done
echo "slurm-up: cluster hypertop up, node localhost $state ($cpus CPUs, ${real_mem} MB), partition debug (default)"
