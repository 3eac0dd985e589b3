#!/usr/bin/env bash
# Runs `noiseda train` on this machine: one rank directly, or N ranks under mpirun with the
# flags this machine needs (--allow-run-as-root as root, --oversubscribe when ranks > cores).
# Usage: launch/train.sh [-n RANKS] [-t THREADS_PER_RANK] -- <noiseda train arguments>
#   e.g. launch/train.sh -n 2 -- --config cluster/configs/demo.yaml
set -euo pipefail
cd "$(dirname "$0")/.."

ranks=1
threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) ranks="$2"; shift 2 ;;
    -t) threads="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

# NOISEDA=path/to/noiseda runs that binary (default .build/release/noiseda, built if missing).
noiseda=${NOISEDA:-.build/release/noiseda}
[ -x "$noiseda" ] || launch/setup.sh
cores=$(nproc)
# Each rank's OpenBLAS and our loops share the cores its rank owns (docs/distributed.md).
[ -n "$threads" ] || threads=$(( cores / ranks > 0 ? cores / ranks : 1 ))
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"

if [ "$ranks" -eq 1 ]; then
  exec "$noiseda" train --set run.threads="$threads" "$@"
fi
flags=(-np "$ranks" --bind-to none -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
[ "$ranks" -gt "$cores" ] && flags+=(--oversubscribe)
exec mpirun "${flags[@]}" "$noiseda" train --set run.threads="$threads" "$@"
