#!/usr/bin/env bash
# CUT against ODCR on unpaired dehazing of the demo photographs (issue 13, algorithms.md §6.2):
# synthetic haze (`--degrade haze`: I = J·t + A(1−t), t = exp(−β·d) over a procedural depth map)
# on three photographs for the hazy set, three other photographs clear for the clean set (disjoint
# scenes: unpaired), and a held-out photograph hazed and clear for paired validation. Trains `cut`
# and `odcr` in both readings of w_h (printed, swapped) with cluster/configs/dehaze-demo.yaml plus
# cut-demo.yaml / odcr-demo.yaml (same networks, data, optimiser and steps; one rank and one thread
# each, side by side), scores each with `noiseda eval` (EMA weights) beside the hazy inputs' own
# score (`noiseda eval --inputs`), and writes OUT/runs/report.md (launch/demo-dehaze-report.py): the
# table, ODCR against CUT for each reading, ‖ΘᵀΘ − I‖ over training (orthogonality.png) and the
# validation grids.
# Usage: launch/demo-dehaze.sh [--quick] [--out DIR (default .build/demo-dehaze)] [--seed S (default 0)]
#   --quick: a few steps on small crops (the end-to-end test in launch/test.sh).
# NOISEDA=path/to/noiseda uses that binary and skips set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=demo-dehaze
. launch/demo-lib.sh

out=.build/demo-dehaze
quick=0
seed=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "demo-dehaze: unknown argument $1 (use --quick, --out DIR, --seed S)" >&2; exit 2 ;;
  esac
done
start=$(date +%s)
demo_binary

# Data: hazy 64-px tiles of three photographs, clear tiles of three others, 128-px validation tiles
# of a held-out one hazed (input) and clear (target). Haze draws come from the converter's seed.
photos=$(demo_photos)
data="$out/data"
rm -rf "$data"
mkdir -p "$data/photos/hazy" "$data/photos/clear" "$data/photos/val"
for photo in astronaut.png coffee.png motorcycle_left.png; do cp "$photos/$photo" "$data/photos/hazy/"; done
for photo in chelsea.png hubble_deep_field.jpg ihc.png; do cp "$photos/$photo" "$data/photos/clear/"; done
cp "$photos/rocket.jpg" "$data/photos/val/"
"$NOISEDA" convert --layout folder --input "$data/photos/hazy" --kind real --task dehaze --degrade haze --seed 1 \
  --tile 64 --shard-size 512 --deflate 1 --out "$data/hazy" >/dev/null
"$NOISEDA" convert --layout folder --input "$data/photos/clear" --kind clean --task dehaze \
  --tile 64 --shard-size 512 --deflate 1 --out "$data/clear" >/dev/null
"$NOISEDA" convert --layout folder --input "$data/photos/val" --kind pairs --task dehaze --degrade haze --seed 2 \
  --tile 128 --deflate 1 --out "$data/val" >/dev/null
echo "demo-dehaze: shards in $data"

runs="$out/runs"
settings=(--set run.out_dir="$runs" --set run.seed="$seed" --set data.real="$data/hazy" --set data.clean="$data/clear"
  --set data.val="$data/val")
if [ "$quick" = 1 ]; then
  settings+=(--set train.steps=4 --set data.patch=32 --set data.batch=1 --set train.log_every=1
    --set train.val_every=0 --set train.checkpoint_every=2 --set cut.patches=16)
fi
rm -rf "$runs"
mkdir -p "$runs"
printf 'run\tstart\tend\n' >"$runs/timing.tsv"
# train NAME METHOD [SETTINGS…]: one run on one rank and one thread, its log in runs/NAME.log.
train() {
  local name=$1 method=$2 began
  shift 2
  began=$(date +%s.%N)
  NOISEDA="$NOISEDA" launch/train.sh -n 1 -t 1 -- --config cluster/configs/dehaze-demo.yaml \
    --config "cluster/configs/$method-demo.yaml" --set run.name="$name" "${settings[@]}" "$@" >"$runs/$name.log" 2>&1 || return 1
  printf '%s\t%s\t%s\n' "$name" "$began" "$(date +%s.%N)" >>"$runs/timing.tsv"
}
names=(cut odcr-printed odcr-swapped)
echo "demo-dehaze: training ${names[*]} side by side (logs in $runs)"
train cut cut &
pids=($!)
train odcr-printed odcr --set odcr.reading=printed &
pids+=($!)
train odcr-swapped odcr --set odcr.reading=swapped &
pids+=($!)
status=0
for i in 0 1 2; do
  wait "${pids[$i]}" || { echo "demo-dehaze: training ${names[$i]} failed:"; tail -n 20 "$runs/${names[$i]}.log"; status=1; }
done
[ "$status" -eq 0 ] || exit 1

"$NOISEDA" eval --inputs --data "$data/val" --json "$runs/eval-inputs.json" >/dev/null
for name in "${names[@]}"; do
  checkpoint=$(ls "$runs/$name"/step-*.h5 | sort | tail -n 1)
  echo "demo-dehaze: eval $name ($checkpoint)"
  "$NOISEDA" eval --checkpoint "$checkpoint" --data "$data/val" --json "$runs/$name/eval.json" >/dev/null
done
/usr/bin/python3 launch/demo-dehaze-report.py --runs "$runs" --names "${names[@]}" --seed "$seed"
echo "demo-dehaze: done in $(($(date +%s) - start)) s; report in $runs/report.md"
