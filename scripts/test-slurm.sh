#!/usr/bin/env bash
# `make test-slurm`: runs a small sweep under a throw-away one-node Slurm
# cluster on this machine, every stage as `srun -N1 -n1 --exclusive`, and
# checks that its results are byte-identical to the same sweep run locally.
#
# Needs root (it installs Debian packages and starts munged, slurmctld and
# slurmd). Everything Slurm writes (config, state, spool, logs) lives in a
# temporary directory, found through SLURM_CONF; the daemons this script
# starts are stopped by process id on exit, failure included.
#
#   make test-slurm [VAR=value ...]         extra variables for both make runs
#   scripts/test-slurm.sh [VAR=value ...]   the same
#   KEEP_TMP=1 scripts/test-slurm.sh        keep the temporary directory
set -euo pipefail

# --- what to run: the make goal and variables, in one place ----------------
# Both runs are `make -j$JOBS <goal> <vars> <RUN_VAR>=<dir>`; the Slurm one adds
# LAUNCH. Files named in COMPARE (relative to that directory) must be identical.
# A small learning-curve sweep: 2 seeds × 2 sizes × (W V u, all) = 8 points.
GOAL=(learning-curve)
VARS=(D=7 "SWEEP_SEEDS=1 2" "SWEEP_M=50 100" M_TEST=500)
RUN_VAR=SWEEP_ROOT
COMPARE=(learning-curve/report/results.csv learning-curve/report/summary.csv)
JOBS=2
LAUNCH_CMD="srun -N1 -n1 --exclusive"

cd "$(dirname "$0")/.."
say() { printf 'test-slurm: %s\n' "$*"; }
fail() { printf 'test-slurm: FAILED: %s\n' "$*" >&2; exit 1; }
t0=$SECONDS
elapsed() { echo "$((SECONDS - t0))s"; }
quoted() { local a out=(); for a; do out+=("$(printf '%q' "$a")"); done; echo "${out[*]}"; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (installs packages, starts munged/slurmctld/slurmd)"

# Variables given to an enclosing `make test-slurm VAR=value` arrive in
# MAKEFLAGS, after " -- ", with spaces in values escaped ("LAYERS=W\ V"; `read`
# without -r unescapes them); they go to both runs, after the defaults above,
# and so do this script's arguments. Nothing else of the enclosing make (its
# -j, its jobserver) reaches the two runs, nor anything of an enclosing Slurm
# job (SLURM_JOB_ID and the like would make srun think it is inside one).
from_make=()
if [[ "${MAKEFLAGS:-}" == *" -- "* ]]; then read -a from_make <<< "${MAKEFLAGS#* -- }"; fi
for v in "${from_make[@]}" "$@"; do
  case $v in
    LAUNCH=* | "$RUN_VAR"=*) say "ignoring $v: this test sets it" ;;
    *) VARS+=("$v") ;;
  esac
done
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL
while read -r v; do unset "$v"; done < <(compgen -e | grep '^SLURM_' || true)

# --- state for cleanup -------------------------------------------------------
tmp=""
munged_pid=""
slurmctld_pid=""
slurmd_pid=""
policy_rc_added=""

stop_pid() { # name pid: SIGTERM, wait up to 10 s, then SIGKILL; reap
  local name=$1 pid=$2 i
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  say "stopped $name (pid $pid)"
}

show_logs() { # each daemon's log file, or its stdout if it never opened one
  local name f
  for name in apt-get munged slurmctld slurmd; do
    f=$tmp/log/$name.log
    [ -s "$f" ] || f=$tmp/log/$name-stdout.log
    [ -s "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 15 "$f" >&2
  done
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  [ -n "$policy_rc_added" ] && rm -f /usr/sbin/policy-rc.d
  if [ -n "$slurmctld_pid" ] && kill -0 "$slurmctld_pid" 2>/dev/null; then
    # Jobs left by a failed run would leave slurmstepd processes behind.
    if [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
      say "cancelling leftover jobs"
      scancel --quiet --full --user=root 2>/dev/null
      for _ in $(seq 50); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    fi
  fi
  stop_pid slurmd "$slurmd_pid"
  stop_pid slurmctld "$slurmctld_pid"
  stop_pid munged "$munged_pid"
  if [ "$status" -ne 0 ] && [ -n "$tmp" ]; then show_logs; fi
  if [ -n "$tmp" ]; then
    if [ "${KEEP_TMP:-}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
  fi
  if [ "$status" -eq 0 ]; then
    say "1 passed, 0 failed ($(elapsed))"
  else
    say "0 passed, 1 failed ($(elapsed))" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() { # seconds description command...: poll until command succeeds
  local secs=$1 what=$2 i
  shift 2
  for i in $(seq $((secs * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    [ -z "$slurmctld_pid" ] || kill -0 "$slurmctld_pid" 2>/dev/null || fail "slurmctld exited (waiting for $what)"
    [ -z "$slurmd_pid" ] || kill -0 "$slurmd_pid" 2>/dev/null || fail "slurmd exited (waiting for $what)"
    sleep 0.2
  done
  fail "timed out after ${secs}s waiting for $what"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-slurm.XXXXXX")
mkdir -p "$tmp/log" "$tmp/state" "$tmp/spool" "$tmp/run"

is_running() { # pid name: the pid we recorded is that daemon itself
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || fail "pid $1 is not $2"
}

# --- 1. packages ---------------------------------------------------------------
packages=(slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  # Keep package scripts from starting daemons of their own: we start ours.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_rc_added=1
  fi
  { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Use-Pty=0 "${missing[@]}"; } > "$tmp/log/apt-get.log" 2>&1 ||
    fail "apt-get install ${missing[*]} failed"
  if [ -n "$policy_rc_added" ]; then rm -f /usr/sbin/policy-rc.d; policy_rc_added=""; fi
  say "installed ($(elapsed))"
else
  say "slurm-wlm and munge already installed"
fi
say "$(slurmctld -V)"

# --- 2. build the stages once, before any daemon --------------------------------
say "building the stage binaries (make build)"
t=$SECONDS
make --no-print-directory build > "$tmp/log/build.log" 2>&1 ||
  { tail -n 30 "$tmp/log/build.log" >&2; fail "make build failed"; }
say "built in $((SECONDS - t))s"

# --- 3. munge --------------------------------------------------------------------
munge_ok() { munge -n </dev/null | unmunge >/dev/null; }
if munge_ok 2>/dev/null; then
  say "munged already running; using it"
else
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 0700 /etc/munge
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  # setsid and setpriv exec in place (no intermediate process), so $! is
  # munged; setsid keeps a Ctrl-C at the terminal from reaching the daemons,
  # so they are still up to clean up after (see section 5).
  setsid setpriv --reuid=munge --regid=munge --init-groups \
    /usr/sbin/munged --foreground > "$tmp/log/munged-stdout.log" 2>&1 < /dev/null &
  munged_pid=$!
  say "started munged (pid $munged_pid)"
  for _ in $(seq 50); do
    munge_ok 2>/dev/null && break
    kill -0 "$munged_pid" 2>/dev/null || { cp /var/log/munge/munged.log "$tmp/log/munged.log" 2>/dev/null; fail "munged exited"; }
    sleep 0.2
  done
  munge_ok || fail "munge -n | unmunge does not work"
  is_running "$munged_pid" munged
fi

# --- 4. slurm.conf ---------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while ! port_free "$p"; do p=$((p + 2)); done; echo "$p"; }
ctld_port=$(free_port 6817)
slurmd_port=$(free_port $((ctld_port + 1)))
node=$(hostname -s)
cpus=$(nproc)
avail_mb=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
mem_mb=$((avail_mb * 9 / 10))
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<EOF
# One-node cluster for scripts/test-slurm.sh; everything under $tmp.
ClusterName=testslurm
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# No cgroups in this container: plain /proc process tracking, no task plugin.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Start a pending job as soon as the node frees up: with the defaults, each
# queued --exclusive step waits ~2 s for the scheduler; with these, ~0.6 s.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
KillWait=5
Waittime=0
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
say "wrote $SLURM_CONF (node $node, $cpus CPUs, ${mem_mb} MB, ports $ctld_port/$slurmd_port)"

# --- 5. slurmctld and slurmd, in the foreground (-D) as background jobs ----------
# In their own session (setsid, which execs in place: $! is the daemon), so a
# Ctrl-C reaches make and srun but not the daemons. (srun needs two Ctrl-Cs
# within a second to abort; after one, make waits for the current stage, then
# this script stops the daemons.)
setsid slurmctld -D -f "$SLURM_CONF" > "$tmp/log/slurmctld-stdout.log" 2>&1 < /dev/null &
slurmctld_pid=$!
say "started slurmctld (pid $slurmctld_pid)"
wait_for 30 "slurmctld to answer" scontrol ping
setsid slurmd -D -f "$SLURM_CONF" -N "$node" > "$tmp/log/slurmd-stdout.log" 2>&1 < /dev/null &
slurmd_pid=$!
say "started slurmd (pid $slurmd_pid)"
node_idle() { [ "$(sinfo -h -n "$node" -o %t)" = idle ]; }
wait_for 60 "node $node to be idle" node_idle
is_running "$slurmctld_pid" slurmctld
is_running "$slurmd_pid" slurmd
say "node $node idle ($(elapsed))"
timeout 60 srun -N1 -n1 true || fail "srun -N1 -n1 true failed"
say "srun -N1 -n1 true works"

# --- 6. the pipeline, under Slurm and locally -------------------------------------
run_make() { # dir [make args...]
  local dir=$1
  shift
  make --no-print-directory -j"$JOBS" "${GOAL[@]}" "${VARS[@]}" "$RUN_VAR=$dir" "$@" \
    > "$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; fail "make ${GOAL[*]} into $dir failed (log above)"; }
}
say "make -j$JOBS $(quoted "${GOAL[@]}" "${VARS[@]}" "$RUN_VAR=$tmp/slurm" LAUNCH="$LAUNCH_CMD")"
t=$SECONDS
# HDF5_USE_FILE_LOCKING=FALSE: srun passes the environment on to each step. On
# a real cluster, with runs on NFS or Lustre, HDF5's file locks can fail or hang;
# here everything is on one local disk so it is not needed, but it is harmless
# and keeps the test close to how the pipeline runs on a cluster.
HDF5_USE_FILE_LOCKING=FALSE run_make "$tmp/slurm" LAUNCH="$LAUNCH_CMD"
say "slurm run done in $((SECONDS - t))s"
say "make -j$JOBS $(quoted "${GOAL[@]}" "${VARS[@]}" "$RUN_VAR=$tmp/local" LAUNCH=)"
t=$SECONDS
run_make "$tmp/local" LAUNCH=
say "local run done in $((SECONDS - t))s"

# Every stage must have gone through srun: the Slurm log names each command.
n_srun=$(grep -c "^$LAUNCH_CMD " "$tmp/slurm.log" || true)
n_local=$(grep -c '^\.build/release/ntk-' "$tmp/local.log" || true)
[ "$n_srun" -gt 0 ] && [ "$n_srun" -eq "$n_local" ] ||
  fail "$n_srun stages launched with srun, but the local run ran $n_local"
say "all $n_srun stages launched with srun"

for f in "${COMPARE[@]}"; do
  [ -s "$tmp/local/$f" ] || fail "local run made no $f"
  cmp "$tmp/slurm/$f" "$tmp/local/$f" || fail "$f differs between the Slurm and local runs"
  say "$f identical ($(wc -l < "$tmp/local/$f") lines)"
done
