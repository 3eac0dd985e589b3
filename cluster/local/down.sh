#!/usr/bin/env bash
# Removes the test hosts of cluster/local/up.sh, and only what it made (it records every
# namespace, link and folder in $NOISEDA_CLUSTER_STATE/made): the processes running inside
# those namespaces (its sshds and whatever they started), the namespaces, the bridge and veth
# links, the "# noiseda-cluster" lines of /etc/hosts, the state folder with its keys, and
# /run/sshd or /run/netns when up.sh created them; and first the Slurm of slurm-up.sh, if up
# (slurm-down.sh). Safe to run again, or when nothing is up.
# Usage (as root): cluster/local/down.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "down.sh: refused: needs root; run it as root or with sudo" >&2; exit 2; }

if [ ! -d "$state" ] && ! grep -q "$mark" /etc/hosts; then
  echo "down.sh: nothing to remove (no $state, no marked lines in /etc/hosts)"
  exit 0
fi
# The Slurm of slurm-up.sh first: munged and slurmctld run outside the namespaces.
[ ! -d "$state/slurm" ] || "$here/slurm-down.sh"
made=$(cat "$state/made" 2>/dev/null || true)
namespaces=$(echo "$made" | awk '$1 == "netns" { print $2 }')

# Every process inside our namespaces: TERM, then KILL whatever is left after 3 s.
pids() { for ns in $namespaces; do ip netns pids "$ns" 2>/dev/null || true; done; }
left=$(pids)
if [ -n "$left" ]; then
  kill -TERM $left 2>/dev/null || true
  for _ in $(seq 30); do
    left=$(pids)
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -z "$left" ] || { kill -KILL $left 2>/dev/null || true; sleep 0.2; }
fi
killed=$(pids)
[ -z "$killed" ] || echo "down.sh: processes $killed would not die" >&2

for ns in $namespaces; do ip netns del "$ns" 2>/dev/null || true; done
for link in $(echo "$made" | awk '$1 == "link" { print $2 }'); do
  ! ip link show "$link" >/dev/null 2>&1 || ip link del "$link"
done
if grep -q "$mark" /etc/hosts; then
  hosts_file=$(mktemp)
  grep -v "$mark" /etc/hosts >"$hosts_file" || true
  cat "$hosts_file" >/etc/hosts
  rm -f "$hosts_file"
fi
for dir in $(echo "$made" | awk '$1 == "dir" { print $2 }'); do
  if [ "$dir" = /run/netns ]; then release_netns_dir; else rmdir "$dir" 2>/dev/null || true; fi
done
rm -rf "$state"
echo "down.sh: removed $(echo $namespaces | wc -w) test hosts and everything cluster/local/up.sh made"
