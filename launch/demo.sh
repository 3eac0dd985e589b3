#!/usr/bin/env bash
# The README's main command: Denoising as Adaptation against vanilla training on the demo data.
# Sets up (packages, release build) when needed, builds the demo shards, trains `vanilla` and `da`
# with cluster/configs/demo.yaml (and demo-da.yaml for da) at equal steps (under mpirun -np 2, one thread per rank, when
# mpirun works here; else one rank), scores both (EMA weights) with `noiseda eval` on the held-out
# real-world split and on the synthetic AWGN split, writes OUT/runs/report.md with the table,
# comparison grids and a PSNR plot (launch/demo-report.py), and prints the table.
# Usage: launch/demo.sh [--quick] [--out DIR (default .build/demo)] [--ranks 1|2] [-- --set KEY=VALUE ...]
#   --quick: a handful of steps on small crops (the end-to-end test in launch/test.sh).
#   Arguments after -- go to both `noiseda train` runs (e.g. -- --set train.steps=200).
# Everything it writes stays under OUT; a second run starts the runs afresh.
# NOISEDA=path/to/noiseda uses that binary and skips set-up.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build/demo
quick=0
ranks=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "demo: unknown argument $1 (use --quick, --out DIR, --ranks N, -- TRAIN-ARGS)" >&2; exit 2 ;;
  esac
done
start=$(date +%s)

if [ -z "${NOISEDA:-}" ]; then
  launch/setup.sh --demo
  export NOISEDA=.build/release/noiseda
fi
[ -x "$NOISEDA" ] || { echo "demo: $NOISEDA is not an executable noiseda binary" >&2; exit 1; }
/usr/bin/python3 -c "import matplotlib" 2>/dev/null \
  || { echo "demo: Debian's python3-matplotlib is missing; run launch/setup.sh --demo" >&2; exit 1; }

data="$out/data"
runs="$out/runs"
launch/make-demo-data.sh "$data"

# Two ranks with one thread each when mpirun can start them here, else one rank.
if [ -z "$ranks" ]; then
  ranks=1
  if command -v mpirun >/dev/null; then
    probe=(-np 2 --bind-to none --oversubscribe)
    [ "$(id -u)" -eq 0 ] && probe+=(--allow-run-as-root)
    timeout 60 mpirun "${probe[@]}" true >/dev/null 2>&1 && ranks=2
  fi
fi
threads=$(( $(nproc) / ranks > 0 ? $(nproc) / ranks : 1 ))

settings=(--set run.out_dir="$runs" --set data.pairs="$data/pairs" --set data.val="$data/val")
if [ "$quick" = 1 ]; then
  settings+=(--set train.steps=6 --set data.patch=32 --set data.batch=2 --set train.log_every=1
    --set train.val_every=3 --set train.checkpoint_every=3)
fi
settings+=("$@")

rm -rf "$runs"
mkdir -p "$runs"
timing="$runs/timing.tsv"
printf 'method\tranks\tthreads\tstart\tend\n' >"$timing"
# vanilla: cluster/configs/demo.yaml; da: that plus demo-da.yaml (DA's own keys, its real shards).
for method in vanilla da; do
  echo "demo: training $method on $ranks rank(s) x $threads thread(s)"
  configs=(--config cluster/configs/demo.yaml)
  [ "$method" = da ] && configs+=(--config cluster/configs/demo-da.yaml --set data.real="$data/real")
  began=$(date +%s.%N)
  NOISEDA="$NOISEDA" launch/train.sh -n "$ranks" -t "$threads" -- "${configs[@]}" "${settings[@]}" --set run.name="demo-$method"
  printf '%s\t%s\t%s\t%s\t%s\n' "$method" "$ranks" "$threads" "$began" "$(date +%s.%N)" >>"$timing"
done

# The last checkpoint of each run (the same step for both), scored with its EMA weights.
for method in vanilla da; do
  run="$runs/demo-$method"
  checkpoint=$(ls "$run"/step-*.h5 | sort | tail -n 1)
  for split in val val-awgn; do
    echo "demo: eval $method on $split ($checkpoint)"
    warnings="$run/eval-$split.warnings"
    status=0
    "$NOISEDA" eval --checkpoint "$checkpoint" --data "$data/$split" --json "$run/eval-$split.json" 2>"$warnings" || status=$?
    cat "$warnings" >&2
    [ "$status" -eq 0 ] || exit "$status"
  done
done

/usr/bin/python3 launch/demo-report.py --runs "$runs" --seconds "$(( $(date +%s) - start ))"
