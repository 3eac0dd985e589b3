#!/usr/bin/env bash
# Stops the Slurm of cluster/local/slurm-up.sh (its slurmds, slurmctld and munged, and any job
# step left on the test hosts) and removes its folder ($NOISEDA_CLUSTER_STATE/slurm: config,
# munge key, state, spool, logs, its env lines); the test hosts stay up.
# Safe to run again, or when Slurm is not up. Usage (as root): cluster/local/slurm-down.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "slurm-down.sh: refused: needs root; run it as root or with sudo" >&2; exit 2; }
slurm=$state/slurm
[ -d "$slurm" ] || { echo "slurm-down.sh: nothing to remove (no $slurm)"; exit 0; }

# Jobs first (their steps and tasks run on the test hosts), while slurmctld can still cancel them.
export SLURM_CONF=$slurm/slurm.conf
stepds() {
  local name pid
  for name in $(cat "$state/hosts" 2>/dev/null); do
    for pid in $(ip netns pids "$name" 2>/dev/null); do
      [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] && echo "$pid"
    done
  done
  return 0
}
if [ -n "$(stepds)" ]; then
  scancel --partition=debug >/dev/null 2>&1 || true
  for _ in $(seq 100); do [ -z "$(stepds)" ] && break; sleep 0.1; done
fi
# Then our daemons by their pid files, checked against their command lines, and whatever step
# daemon is left on the test hosts, with its children (the tasks it started).
pids=$(stepds)
for pid in $pids; do
  pids="$pids $(pgrep -P "$pid" | tr '\n' ' ' || true)"
done
for file in "$slurm"/slurmd-*.pid "$slurm/slurmctld.pid" "$slurm/munge/munged.pid"; do
  pid=$(cat "$file" 2>/dev/null) || continue
  grep -qE "slurmd|slurmctld|munged" <<<"$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" && pids="$pids $pid"
done
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 50); do
    alive=""
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  [ -z "$alive" ] || kill -KILL $alive 2>/dev/null || true
fi
rm -rf "$slurm"
[ ! -d "$state" ] || chmod 700 "$state"
echo "slurm-down.sh: stopped Slurm ($(echo $pids | wc -w) processes) and removed $slurm"
