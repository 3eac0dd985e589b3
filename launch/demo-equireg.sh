#!/usr/bin/env bash
# EquiReg on the demo photographs (issue 12, algorithms.md §6.4): trains the diffusion prior
# (cluster/configs/ddpm-prior-demo.yaml) and the MPE function (mpe-demo.yaml) side by side on
# 32-px crops of six photographs' clean tiles, checks the MPE property on 32-px crops of a held-out
# photograph (`noiseda inspect mpe`, with the prior's early-step x̂₀), then solves box inpainting
# and 4× super-resolution of those crops (σ_y 0.05, ζ 0.5 and 0.3) at 50, 100 and 250 steps with
# plain DPS and with EquiReg (α 0.003, 0.01, 0.03 at every step; α 0.01 every 10th step, the
# library's default), each with sampler seeds 0…S−1 (the seed draws the measurement noise and the
# sampler's noise: the variants of one seed share them), and writes OUT/runs/report.md
# (launch/demo-equireg-report.py): the PSNR/SSIM table, the equivariance error E of the results,
# EquiReg's paired gain over plain DPS with its spread over seeds, a plot of PSNR against steps
# (psnr-steps.png) and image grids.
# Usage: launch/demo-equireg.sh [--quick] [--out DIR (default .build/demo-equireg)]
#                               [--prior CKPT] [--mpe CKPT] [--images N (default 8)] [--seeds S (default 3)]
#   --quick: a few training steps, two images, steps 2 and 3, one α, one seed (the end-to-end test in launch/test.sh).
#   --prior / --mpe: use these checkpoints instead of training them (e.g. a longer prior run).
# NOISEDA=path/to/noiseda uses that binary and skips set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=demo-equireg
. launch/demo-lib.sh

out=.build/demo-equireg
quick=0
prior=""
mpe=""
count=8
seeds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --prior) prior="$2"; shift 2 ;;
    --mpe) mpe="$2"; shift 2 ;;
    --images) count="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    *) echo "demo-equireg: unknown argument $1 (use --quick, --out DIR, --prior CKPT, --mpe CKPT, --images N, --seeds S)" >&2; exit 2 ;;
  esac
done
start=$(date +%s)
demo_binary
for checkpoint in "$prior" "$mpe"; do
  [ -z "$checkpoint" ] || [ -f "$checkpoint" ] || { echo "demo-equireg: checkpoint $checkpoint does not exist" >&2; exit 1; }
done

# Data: clean 64-px tiles of six photographs for training; N 32-px crops of a held-out one to solve.
photos=$(demo_photos)
[ "$quick" = 1 ] && count=2
data="$out/data"
rm -rf "$data"
mkdir -p "$data/photos" "$data/test"
for photo in astronaut.png hubble_deep_field.jpg ihc.png chelsea.png coffee.png motorcycle_left.png; do cp "$photos/$photo" "$data/photos/"; done
"$NOISEDA" convert --layout folder --input "$data/photos" --kind clean --task prior --tile 64 --shard-size 512 --deflate 1 \
  --out "$data/clean" >/dev/null
/usr/bin/python3 - "$photos/rocket.jpg" "$data/test" "$count" <<'PY'
import sys
import numpy as np
import skimage.io
image, folder, count = skimage.io.imread(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)  # fixed crops: the same test set on every run
for i in range(count):
    y, x = rng.integers(0, image.shape[0] - 32), rng.integers(0, image.shape[1] - 32)
    skimage.io.imsave(f"{folder}/crop{i:02d}.png", image[y:y + 32, x:x + 32, :3], check_contrast=False)
PY
"$NOISEDA" convert --layout folder --input "$data/test" --kind clean --task prior --tile 32 --out "$data/test-clean" >/dev/null
echo "demo-equireg: training shards in $data/clean, $count test crops in $data/test"

runs="$out/runs"
mkdir -p "$runs"
settings=(--set run.out_dir="$runs" --set data.clean="$data/clean")
[ "$quick" = 1 ] && settings+=(--set train.steps=4 --set data.batch=2 --set train.log_every=1 --set train.checkpoint_every=2)
# train NAME: one run on one rank and one thread from cluster/configs/NAME-demo.yaml, its log in runs/NAME.log.
train() {
  rm -rf "${runs:?}/$2"
  demo_run "$2" "$runs/$2.log" launch/train.sh -n 1 -t 1 -- --config "cluster/configs/$1-demo.yaml" "${settings[@]}"
}
pids=()
[ -n "$prior" ] || { echo "demo-equireg: training the prior (log in $runs/prior.log)"; train ddpm-prior prior & pids+=($!); }
[ -n "$mpe" ] || { echo "demo-equireg: training the MPE function (log in $runs/mpe.log)"; train mpe mpe & pids+=($!); }
for pid in "${pids[@]}"; do wait "$pid"; done
[ -n "$prior" ] || prior=$(ls "$runs/prior"/step-*.h5 | sort | tail -n 1)
[ -n "$mpe" ] || mpe=$(ls "$runs/mpe"/step-*.h5 | sort | tail -n 1)
echo "demo-equireg: prior $prior, MPE function $mpe"

"$NOISEDA" inspect mpe "$mpe" --data "$data/test-clean" --prior "$prior" --json "$runs/mpe-check.json" | tee "$runs/mpe-check.txt"

steps=(50 100 250)
variants=("plain" "equireg-a0.003" "equireg-a0.01" "equireg-a0.03" "equireg-a0.01-f0.1")
if [ "$quick" = 1 ]; then
  steps=(2 3)
  variants=("plain" "equireg-a0.01")
  seeds=1
fi
# solve TASK: every step count, seed and variant of one task, in order, one thread.
solve() {
  local task=$1 zeta=0.3 n seed variant folder extra
  [ "$task" = inpaint-box ] && zeta=0.5
  for n in "${steps[@]}"; do
    for seed in $(seq 0 $((seeds - 1))); do
      for variant in "${variants[@]}"; do
        folder="$runs/solve/$task/steps-$n/$variant/seed-$seed"
        mkdir -p "$folder"
        case "$variant" in
          plain) extra=() ;;
          *-f0.1) extra=(--equireg --alpha "$(echo "$variant" | sed 's/equireg-a\([0-9.]*\)-f0.1/\1/')" --freq 0.1) ;;
          *) extra=(--equireg --alpha "${variant#equireg-a}" --freq 1) ;;
        esac
        OPENBLAS_NUM_THREADS=1 "$NOISEDA" solve --prior "$prior" --mpe "$mpe" --task "$task" --input "$data/test" --measure \
          --steps "$n" --zeta "$zeta" --seed "$seed" --output "$folder" --json "$folder/solve.json" "${extra[@]}" >"$folder/solve.log" 2>&1 ||
          { echo "demo-equireg: solve $task $n $variant seed $seed failed:"; tail -n 5 "$folder/solve.log"; return 1; }
        echo "demo-equireg: $task, $n steps, seed $seed, $variant: $(tail -n 2 "$folder/solve.log" | head -n 1)"
      done
    done
  done
}
solve inpaint-box &
box=$!
solve sr4 &
sr=$!
status=0
wait "$box" || status=1
wait "$sr" || status=1
[ "$status" -eq 0 ] || exit 1

/usr/bin/python3 launch/demo-equireg-report.py --runs "$runs" --test "$data/test" --steps "${steps[@]}" --variants "${variants[@]}" --seeds "$seeds" \
  --prior "$prior" --mpe "$mpe"
echo "demo-equireg: done in $(($(date +%s) - start)) s; report in $runs/report.md"
