#!/usr/bin/env bash
# The study of issue 9 (docs/method.md, "The study"): trains the runs below with
# cluster/configs/study.yaml (plus study-da.yaml for DA runs) and each run's overrides, side by side (one rank each),
# scores each finished run's last checkpoint with its EMA weights on the real-world split (val),
# the synthetic AWGN split (val-awgn) and a wider real-world split of eight more held-out photos
# (val-wide), and prints the table of docs/method.md
# (launch/study-report.py). Run folders live in STUDY_DIR (default ../noiseda-study, outside the
# repository); a second call resumes unfinished runs with --resume auto and scores finished ones on
# any split they lack, so long runs continue across sittings. Never in CI (launch/test.sh runs
# --quick only).
# Usage: launch/study.sh [--jobs N] [--threads N] [--quick] [--list] [RUN ...]
#   RUN: names from the table below (default: all, in table order).
#   --jobs N: runs trained at once (default: the number of cores).
#   --threads N: compute threads per run (default 1). Threads change summation order only.
#   --quick: two steps per run on small crops, into STUDY_DIR/quick (the end-to-end test).
# A run counts as finished when its trainer's closing summary says it reached train.steps; a run
# stopped by a signal (it checkpoints and exits 0) is left unscored, and the next call resumes it.
# NOISEDA=path uses that binary; otherwise .build/release/noiseda is copied to STUDY_DIR/bin
# first, so rebuilding the repository does not change runs in flight.
set -euo pipefail
cd "$(dirname "$0")/.."

# name | overrides of cluster/configs/study.yaml (@data: the study's data folder). Stage 1: the base
# pair, a margin that keeps the hinge active, and the oracle: vanilla trained on camera-pipeline
# pairs of the same photos, the best a restorer of this size gets on the real-world split from this
# data (what DA could at most recover). Chance: vanilla with four other seeds, da and the oracle
# with two, for how far runs differ by chance alone and whether DA's effect and the headroom hold
# across seeds. Stage 2: λ both ways and at full strength from the start, patch, longer runs, a
# wider diffusion net, a 16× larger restorer (with its own vanilla and oracle: its headroom may
# differ). Table 4's ablation order (the paper's t ranges, then +CS, +CS+RS) at the study's setting.
runs=(
  "vanilla|method.name=vanilla"
  "da|"
  "da-margin1|da.margin=1.0"
  "oracle-camera|method.name=vanilla data.pairs=@data/pairs-camera"
  "vanilla-seed1|method.name=vanilla run.seed=1"
  "vanilla-seed2|method.name=vanilla run.seed=2"
  "vanilla-seed3|method.name=vanilla run.seed=3"
  "vanilla-seed4|method.name=vanilla run.seed=4"
  "oracle-camera-seed1|method.name=vanilla data.pairs=@data/pairs-camera run.seed=1"
  "oracle-camera-seed2|method.name=vanilla data.pairs=@data/pairs-camera run.seed=2"
  "da-seed1|run.seed=1"
  "da-seed2|run.seed=2"
  "da-lambda0.05|da.lambda_max=0.05"
  "da-lambda0.8|da.lambda_max=0.8"
  "da-t1-100|da.t_range=[1,100] da.channel_shuffle=false da.residual_swap=false"
  "da-t900-999|da.t_range=[900,999] da.channel_shuffle=false da.residual_swap=false"
  "da-fullt|da.channel_shuffle=false da.residual_swap=false"
  "da-fullt-cs|da.residual_swap=false"
  "vanilla-p48|method.name=vanilla data.patch=48"
  "da-p48|data.patch=48"
  "vanilla-30k|method.name=vanilla train.steps=30000"
  "da-30k|train.steps=30000"
  "da-diffusion-s|model.diffusion=diffusion-s"
  "da-ramp0.01|da.ramp_fraction=0.01"
  "vanilla-unet-t|method.name=vanilla model.restorer=unet-t"
  "oracle-camera-unet-t|method.name=vanilla model.restorer=unet-t data.pairs=@data/pairs-camera"
  "da-unet-t|model.restorer=unet-t"
)

jobs=$(nproc)
threads=1
quick=0
list=0
selected=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --list) list=1; shift ;;
    -*) echo "study: unknown option $1 (use --jobs N, --threads N, --quick, --list, RUN names)" >&2; exit 2 ;;
    *) selected+=("$1"); shift ;;
  esac
done

names=()
declare -A overrides
for entry in "${runs[@]}"; do
  names+=("${entry%%|*}")
  overrides["${entry%%|*}"]="${entry#*|}"
done
if [ "$list" = 1 ]; then
  for name in "${names[@]}"; do printf '%-16s %s\n' "$name" "${overrides[$name]:-(study.yaml as is)}"; done
  exit 0
fi
for name in "${selected[@]}"; do
  [ -n "${overrides[$name]+set}" ] || { echo "study: unknown run $name (launch/study.sh --list shows them)" >&2; exit 2; }
done
[ ${#selected[@]} -gt 0 ] || selected=("${names[@]}")

study=${STUDY_DIR:-../noiseda-study}
mkdir -p "$study"
study=$(cd "$study" && pwd)
if [ -z "${NOISEDA:-}" ]; then
  [ -x .build/release/noiseda ] || launch/setup.sh
  mkdir -p "$study/bin"
  cp .build/release/noiseda "$study/bin/noiseda.tmp" && mv "$study/bin/noiseda.tmp" "$study/bin/noiseda"
  export NOISEDA="$study/bin/noiseda"
fi
data="$study/data"
[ -f "$data/val-wide/manifest.json" ] || launch/make-demo-data.sh "$data"
# The oracle's pairs: the training photos through the real-world (camera-pipeline) degradation.
[ -f "$data/pairs-camera/manifest.json" ] || "$NOISEDA" convert --layout folder --input "$data/photos/pairs" \
  --kind pairs --task denoise --degrade camera --seed 4 --tile 128 --shard-size 256 --deflate 1 --out "$data/pairs-camera"

runs_dir="$study/runs"
extra=()
if [ "$quick" = 1 ]; then
  runs_dir="$study/quick"
  rm -rf "$runs_dir"
  extra=(--set train.steps=2 --set data.patch=32 --set data.batch=2 --set train.log_every=1
    --set train.val_every=2 --set train.checkpoint_every=2 --set train.diagnostics_every=1)
fi
mkdir -p "$runs_dir"

# One run: train (resuming) unless it has been scored, then, if training reached train.steps, score
# its newest checkpoint on each split it has no score for.
splits=(val val-awgn val-wide)
study_run() {
  local name=$1 run="$runs_dir/$1" settings=() split
  for override in ${overrides[$name]}; do settings+=(--set "${override//@data/$data}"); done
  # DA runs layer study-da.yaml (DA's own keys) on study.yaml; vanilla runs read study.yaml alone.
  local configs=(--config cluster/configs/study.yaml)
  [[ " ${overrides[$name]} " == *" method.name=vanilla "* ]] \
    || configs+=(--config cluster/configs/study-da.yaml --set data.real="$data/real")
  mkdir -p "$run"
  [ -f "$run/eval-${splits[-1]}.json" ] && return 0  # scored on the last split: finished
  echo "${overrides[$name]}" >"$run/overrides.txt"
  {
    if [ ! -f "$run/eval-val.json" ]; then
      echo "study: $name started $(date -u +%FT%TZ)"
      launch/train.sh -n 1 -t "$threads" -- "${configs[@]}" --resume auto \
        --set run.out_dir="$runs_dir" --set run.name="$name" --set data.pairs="$data/pairs" \
        --set data.val="$data/val" "${settings[@]}" "${extra[@]}"
      if ! grep '"kind":"summary"' "$run/metrics.jsonl" | tail -n 1 | grep -q '"stopped_by_signal":"false"'; then
        echo "study: $name stopped before train.steps; not scored (launch/study.sh $name resumes it)"
        return 1
      fi
    fi
    checkpoint=$(ls "$run"/step-*.h5 | sort | tail -n 1)
    for split in "${splits[@]}"; do
      [ -f "$run/eval-$split.json" ] && continue
      "$NOISEDA" eval --checkpoint "$checkpoint" --data "$data/$split" --json "$run/eval-$split.json.tmp"
      mv "$run/eval-$split.json.tmp" "$run/eval-$split.json"
    done
    echo "study: $name finished $(date -u +%FT%TZ)"
  } >>"$run/study.log" 2>&1
}

status=0
running=0
for name in "${selected[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  echo "study: $name -> $runs_dir/$name (log: study.log)"
  study_run "$name" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
[ "$status" -eq 0 ] || echo "study: a run failed or was stopped; see its study.log" >&2

/usr/bin/python3 launch/study-report.py --runs "$runs_dir"
exit "$status"
