#!/usr/bin/env bash
# I2SB against its conditional-DDPM baseline on 4× super-resolution of the demo photographs
# (issue 11): builds SR shards from the photos in Debian's python3-skimage (sr4:pool: 4×4 block
# means, nearest-neighbour upsampling), trains `i2sb` and `cond-ddpm` with
# cluster/configs/sr4-demo.yaml plus i2sb-demo.yaml / cond-ddpm-demo.yaml (same network size,
# data and steps; side by side, one rank and one thread each), scores both with `noiseda eval` (EMA weights, seed 0) at NFE 1, 2, 5, 10 and
# 20 beside the degraded inputs' own score (`noiseda eval --inputs`), and writes OUT/report.md
# with the table, a plot of PSNR against NFE (psnr-nfe.png) and the validation grids
# (launch/demo-i2sb-report.py).
# Usage: launch/demo-i2sb.sh [--quick] [--out DIR (default .build/demo-i2sb)]
#   --quick: a few steps on small crops and NFE 1, 2 (the end-to-end test in launch/test.sh).
# NOISEDA=path/to/noiseda uses that binary and skips set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=demo-i2sb
. launch/demo-lib.sh

out=.build/demo-i2sb
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --out) out="$2"; shift 2 ;;
    *) echo "demo-i2sb: unknown argument $1 (use --quick, --out DIR)" >&2; exit 2 ;;
  esac
done
start=$(date +%s)
demo_binary

# Data: 64-px SR tiles of six photographs; validation on the 20 128-px tiles of a held-out one.
photos=$(demo_photos)
data="$out/data"
rm -rf "$data"
mkdir -p "$data/photos/train" "$data/photos/val"
for photo in astronaut.png hubble_deep_field.jpg ihc.png chelsea.png coffee.png motorcycle_left.png; do cp "$photos/$photo" "$data/photos/train/"; done
cp "$photos/rocket.jpg" "$data/photos/val/"
"$NOISEDA" convert --layout folder --input "$data/photos/train" --kind pairs --task sr4 --degrade sr4:pool \
  --tile 64 --shard-size 512 --deflate 1 --out "$data/pairs" >/dev/null
"$NOISEDA" convert --layout folder --input "$data/photos/val" --kind pairs --task sr4 --degrade sr4:pool \
  --tile 128 --deflate 1 --out "$data/val" >/dev/null
echo "demo-i2sb: shards in $data ($("$NOISEDA" inspect shards "$data/pairs" --no-verify | head -n 1))"

settings=(--set run.out_dir="$out/runs" --set data.pairs="$data/pairs" --set data.val="$data/val")
nfes=(1 2 5 10 20)
if [ "$quick" = 1 ]; then
  settings+=(--set train.steps=4 --set data.patch=32 --set data.batch=2 --set train.log_every=1
    --set train.val_every=0 --set train.checkpoint_every=2)
  nfes=(1 2)
fi
rm -rf "$out/runs"
mkdir -p "$out/runs"
printf 'method\tstart\tend\n' >"$out/runs/timing.tsv"
# train METHOD: one run on one rank and one thread, its log in runs/METHOD.log, its times in timing.tsv.
train() {
  local began
  began=$(date +%s.%N)
  NOISEDA="$NOISEDA" launch/train.sh -n 1 -t 1 -- --config cluster/configs/sr4-demo.yaml \
    --config "cluster/configs/$1-demo.yaml" "${settings[@]}" >"$out/runs/$1.log" 2>&1 || return 1
  printf '%s\t%s\t%s\n' "$1" "$began" "$(date +%s.%N)" >>"$out/runs/timing.tsv"
}
echo "demo-i2sb: training i2sb and cond-ddpm side by side (logs in $out/runs)"
train i2sb &
bridge=$!
train cond-ddpm &
baseline=$!
status=0
wait "$bridge" || { echo "demo-i2sb: training i2sb failed:"; tail -n 20 "$out/runs/i2sb.log"; status=1; }
wait "$baseline" || { echo "demo-i2sb: training cond-ddpm failed:"; tail -n 20 "$out/runs/cond-ddpm.log"; status=1; }
[ "$status" -eq 0 ] || exit 1

"$NOISEDA" eval --inputs --data "$data/val" --json "$out/runs/eval-inputs.json" >/dev/null
for method in i2sb cond-ddpm; do
  checkpoint=$(ls "$out/runs/$method"/step-*.h5 | sort | tail -n 1)
  for nfe in "${nfes[@]}"; do
    echo "demo-i2sb: eval $method at NFE $nfe ($checkpoint)"
    "$NOISEDA" eval --checkpoint "$checkpoint" --data "$data/val" --nfe "$nfe" --seed 0 \
      --json "$out/runs/$method/eval-nfe-$nfe.json" >/dev/null
  done
done
/usr/bin/python3 launch/demo-i2sb-report.py --runs "$out/runs" --nfe "${nfes[@]}"
echo "demo-i2sb: done in $(($(date +%s) - start)) s; report in $out/runs/report.md"
