#!/usr/bin/env bash
# Multi-rank scenarios of the real `noiseda train` under mpirun -np 2 (issue 5, "Done when"), run
# by launch/test.sh: identical parameters on every rank, 2 ranks × B ≡ 1 rank × 2B, stop/resume
# bit-identity, a killed rank, an injected NaN, SIGTERM. Tiny nets (unet-tiny, diffusion-tiny),
# 16-pixel tiles made by `noiseda convert` from PNGs written into a temporary folder. One line per
# scenario ("multi-rank train: ok|FAIL NAME"), then a summary line; exits 1 when any failed.
# Usage: Tests/TrainCheck/scenarios.sh [NOISEDA_BINARY] (default .build/release/noiseda);
# TRAINCHECK_KEEP=1 keeps the temporary folder (runs, logs) for inspection.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/release/noiseda}")
check=(/usr/bin/python3 "$PWD/Tests/TrainCheck/traincheck.py")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
[ -n "${TRAINCHECK_KEEP:-}" ] && echo "keeping $work" || trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# Test data: 8 clean 32×32 images → 32 stored (AWGN σ 25, clean) pairs, 32 real (σ 15) tiles and
# 32 clean tiles of 16 px (= data.patch, so every crop is the whole tile); 2 val images of 24 px.
setup() {
  "${check[@]}" images "$work/img/train" 8 32 1 &&
    "${check[@]}" images "$work/img/val" 2 24 2 &&
    "$bin" convert --layout folder --input "$work/img/train" --kind pairs --degrade awgn:25 --tile 16 --out "$work/shards/pairs" &&
    "$bin" convert --layout folder --input "$work/img/train" --kind real --degrade awgn:15 --seed 1 --tile 16 --out "$work/shards/real" &&
    "$bin" convert --layout folder --input "$work/img/train" --kind clean --tile 16 --out "$work/shards/clean" &&
    "$bin" convert --layout folder --input "$work/img/val" --kind val --degrade awgn:25 --out "$work/shards/val"
}

# Settings shared by every run.
common=(
  --set "run.out_dir=$work/runs" --set run.seed=7 --set run.threads=1 --set data.patch=16 --set data.batch=2
  --set train.log_every=1 --set train.val_every=0 --set train.checkpoint_every=5 --set train.keep_last=100
  --set dist.timeout=60
)
# The method's own keys, DA unless a scenario sets `method` (a key no method reads is an error).
# λ ramps over epochs (da.ramp_fraction 0), so a run extended by raising train.steps keeps the
# schedule of a straight one.
restorer=(--set model.restorer=unet-tiny --set "data.pairs=$work/shards/pairs")
method=(
  --set method.name=da "${restorer[@]}" --set model.diffusion=diffusion-tiny --set model.diffusion_dropout=0.1
  --set "data.real=$work/shards/real" --set da.ramp_fraction=0 --set da.ramp_epochs=2 --set optim.lr=1e-3
)

# train NP NAME [ARGS…]: one run to completion (bounded), its output in $work/NAME.out.
train() {
  local np=$1 name=$2
  shift 2
  timeout --kill-after=5 300 mpirun --bind-to none -np "$np" "$bin" train "${common[@]}" "${method[@]}" --set "run.name=$name" "$@" \
    >>"$work/$name.out" 2>&1 || { echo "run $name (np $np) failed:"; tail -n 15 "$work/$name.out"; return 1; }
}

# start NAME [ARGS…]: a 2-rank run in the background; sets $job (mpirun's pid).
start() {
  local name=$1
  shift
  mpirun --bind-to none -np 2 "$bin" train "${common[@]}" "${method[@]}" --set "run.name=$name" "$@" >>"$work/$name.out" 2>&1 &
  job=$!
}

# rank_pid R: the pid of rank R of $job (mpirun forks the local ranks itself).
rank_pid() {
  local p
  for p in $(pgrep -P "$job"); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# until_true BOUND CMD…: polls CMD every 0.2 s for up to BOUND seconds.
until_true() {
  local bound=$1 t=0
  shift
  until "$@"; do
    sleep 0.2
    t=$((t + 1))
    [ "$t" -lt $((bound * 5)) ] || { echo "waited $bound s for: $*"; return 1; }
  done
}

# finish BOUND: waits for $job for up to BOUND seconds; sets $status and $elapsed (seconds).
finish() {
  local start=$SECONDS
  until_true "$1" bash -c "! kill -0 $job 2>/dev/null" || { kill -9 "$job"; wait "$job"; status=timeout; return 1; }
  wait "$job"
  status=$?
  elapsed=$((SECONDS - start))
}

reached() { [ "$("${check[@]}" last_step "$work/runs/$1/metrics.jsonl")" -ge "$2" ]; }

# 1. After N steps (DA: both networks) every rank holds bit-identical parameters: train.verify_every 1
#    compares the checksum of every network's parameters across ranks after every phase of every
#    step (a mismatch stops the run) and records each passed step in metrics.jsonl.
identical() {
  train 2 identical --set train.steps=6 --set train.verify_every=1 &&
    "${check[@]}" verified "$work/runs/identical/metrics.jsonl" 6
}

# 2. 2 ranks × batch 2 ≡ 1 rank × batch 4. Vanilla method, stored pairs, no augmentation and
#    tiles of the patch size: no random choice depends on the rank, and the shared epoch
#    permutation split by rank (PyTorch's DistributedSampler) makes the union of the ranks'
#    batches the one-rank batch. Adam's first moment after step 1 is 0.1 × the averaged gradient,
#    so it tests the averaging itself (Adam's update is scale-invariant); optim.eps 1e-4 keeps the
#    update continuous in the gradient, so float noise in near-zero components cannot flip it. The
#    control (1 rank × batch 2, half the data) must differ, or the comparison proves nothing.
equivalent() {
  local method=(--set method.name=vanilla "${restorer[@]}")
  local args=(--set data.augment=false --set train.steps=3 --set train.checkpoint_every=1 --set optim.eps=1e-4)
  train 2 eq-2x2 "${args[@]}" --set data.batch=2 &&
    train 1 eq-1x4 "${args[@]}" --set data.batch=4 &&
    train 1 eq-1x2 "${args[@]}" --set data.batch=2 || return 1
  local r=$work/runs
  "${check[@]}" close "$r/eq-2x2/step-000001.h5" "$r/eq-1x4/step-000001.h5" "$r/eq-1x2/step-000001.h5" adam_m 1e-4 &&
    "${check[@]}" close "$r/eq-2x2/step-000003.h5" "$r/eq-1x4/step-000003.h5" "$r/eq-1x2/step-000003.h5" adam_m 1e-4 &&
    "${check[@]}" close "$r/eq-2x2/step-000003.h5" "$r/eq-1x4/step-000003.h5" "$r/eq-1x2/step-000003.h5" params 1e-4 "$r/eq-1x4/step-000001.h5"
}

# 3. Stopped at step 10 and resumed to 20 ≡ a straight run to 20, bit for bit (weights, EMA, Adam
#    moments and step, every rank's RNG state and loader cursors).
resumed() {
  train 2 straight --set train.steps=20 &&
    train 2 resumed --set train.steps=10 &&
    train 2 resumed --set train.steps=20 --resume auto || return 1
  grep -q "resuming from .*step-000010.h5 at step 10" "$work/resumed.out" || { echo "the second run did not resume at step 10"; return 1; }
  "${check[@]}" same "$work/runs/straight/step-000020.h5" "$work/runs/resumed/step-000020.h5"
}

# 4. kill -9 of rank R mid-run: mpirun exits non-zero within 60 s; every checkpoint on disk reads
#    back (a write cut short leaves only its temporary name), the newest scores with `noiseda
#    eval`, and `--resume auto` continues from it.
killed() {
  local rank=$1 name=killed-rank$1 pid found newest
  start "$name" --set train.steps=100000 --set train.checkpoint_every=2
  until_true 240 test -e "$work/runs/$name/step-000004.h5" && pid=$(rank_pid "$rank") || { kill -9 "$job"; wait "$job"; return 1; }
  kill -9 "$pid"
  finish 90 || { echo "mpirun still running 90 s after rank $rank was killed"; return 1; }
  echo "rank $rank (pid $pid) killed; mpirun exited with $status after $elapsed s; left: $(ls "$work/runs/$name" | tr '\n' ' ')"
  [ "$status" -ne 0 ] && [ "$elapsed" -le 60 ] || return 1
  found=$("${check[@]}" loadable "$work/runs/$name") || { echo "$found"; return 1; }
  echo "$found"
  newest=${found##*newest }
  "$bin" eval --checkpoint "$newest" --data "$work/shards/val" --json "$work/$name.json" 2>&1 | grep "^mean" || return 1
  train 2 "$name" --set train.steps=$((10#${newest: -9:6} + 2)) --set train.checkpoint_every=2 --resume auto &&
    grep -q "resuming from $newest" "$work/$name.out" && echo "resumed from $(basename "$newest") and trained 2 more steps"
}

# 5. A NaN loss on rank 1 at steps 3 and 6 (debug.nan_steps): both ranks skip those steps (the
#    cross-rank check after every other step would fail if only one had), the run goes on to 8.
nan() {
  train 2 nan --set train.steps=8 --set train.verify_every=1 --set "debug.nan_steps=[3, 6]" --set debug.nan_rank=1 &&
    "${check[@]}" skipped "$work/runs/nan/metrics.jsonl" 3,6 8 &&
    grep -q "step 3: non-finite loss or gradient" "$work/nan.out"
}

# 5b. Non-finite steps in a row up to train.max_bad_steps: the run stops non-zero, saying so, and
#     the last good checkpoint (step 1) is intact.
nan_stop() {
  local found
  if train 2 nan-stop --set train.steps=8 --set train.checkpoint_every=1 --set "debug.nan_steps=[2, 3]" --set train.max_bad_steps=2; then
    echo "the run went on after 2 non-finite steps in a row"
    return 1
  fi
  grep -q "2 non-finite steps in a row (train.max_bad_steps); stopped at step 3" "$work/nan-stop.out" || return 1
  found=$("${check[@]}" loadable "$work/runs/nan-stop") && echo "$found" && [ "${found##*/}" = step-000001.h5 ]
}

# 6. SIGTERM to both ranks (as Slurm before pre-emption): they agree on a step, checkpoint it and
#    exit 0; `--resume auto` then finishes, bit-identical to the straight run of scenario 3.
sigterm() {
  [ -e "$work/runs/straight/step-000020.h5" ] || { echo "needs the straight run of scenario resume"; return 1; }
  start sigterm --set train.steps=20
  until_true 240 reached sigterm 2 || { kill -9 "$job"; wait "$job"; return 1; }
  kill -TERM "$(rank_pid 0)" "$(rank_pid 1)"
  finish 60 || return 1
  echo "SIGTERM sent; mpirun exited with $status after $elapsed s"
  [ "$status" -eq 0 ] && "${check[@]}" stopped "$work/runs/sigterm/metrics.jsonl" || return 1
  ls "$work/runs/sigterm/" | grep -q "step-0000[01][0-9].h5" || { echo "no checkpoint before step 20"; return 1; }
  train 2 sigterm --set train.steps=20 --resume auto &&
    "${check[@]}" same "$work/runs/straight/step-000020.h5" "$work/runs/sigterm/step-000020.h5"
}

# 7. A method that is not DA (Methods/Examples/ToyAdversarial.swift): three roles, two phases per
#    step (the discriminator, then generator + head with the discriminator frozen), Adam β1 per
#    role. Under mpirun -np 2 every rank holds bit-identical parameters after every phase of
#    each of 10 steps (train.verify_every 1 checks after each phase), and a new run resumed from
#    the straight run's step-5 checkpoint ends bit-identical to it at step 10. (Its learning rates
#    decay over the second half of train.steps, so the resumed run keeps train.steps at 10.)
toy() {
  local method=(--set method.name=toy-adversarial --set "data.real=$work/shards/real" --set "data.clean=$work/shards/clean")
  train 2 toy-straight --set train.steps=10 --set train.verify_every=1 &&
    "${check[@]}" verified "$work/runs/toy-straight/metrics.jsonl" 10 &&
    grep -q '"phases":2' "$work/runs/toy-straight/metrics.jsonl" || { echo "no two-phase verify record"; return 1; }
  train 2 toy-resumed --set train.steps=10 --resume "$work/runs/toy-straight/step-000005.h5" &&
    grep -q "resuming from .*toy-straight/step-000005.h5 at step 5" "$work/toy-resumed.out" &&
    "${check[@]}" same "$work/runs/toy-straight/step-000010.h5" "$work/runs/toy-resumed/step-000010.h5"
}

# 8. I2SB (one role, AdamW with step decay, a sampler for validation): under mpirun -np 2 every
#    rank holds bit-identical weights after each of 4 steps, and a run stopped at step 2 and
#    resumed to 4 ends bit-identical to the straight one.
bridge() {
  local method=(--set method.name=i2sb --set method.task=sr4 --set i2sb.network=diffusion-tiny --set i2sb.nfe=2
    --set "data.pairs=$work/shards/pairs" --set "data.val=$work/shards/val" --set train.val_every=2)
  train 2 i2sb-straight --set train.steps=4 --set train.verify_every=1 --set train.checkpoint_every=2 &&
    "${check[@]}" verified "$work/runs/i2sb-straight/metrics.jsonl" 4 &&
    train 2 i2sb-resumed --set train.steps=2 --set train.checkpoint_every=2 &&
    train 2 i2sb-resumed --set train.steps=4 --set train.checkpoint_every=2 --resume auto &&
    "${check[@]}" same "$work/runs/i2sb-straight/step-000004.h5" "$work/runs/i2sb-resumed/step-000004.h5"
}

# 9. The ddpm prior (clean shards only): under mpirun -np 2 every rank holds bit-identical weights
#    after each of 3 steps.
prior() {
  local method=(--set method.name=ddpm --set method.task=prior --set ddpm.network=diffusion-tiny --set "data.clean=$work/shards/clean")
  train 2 prior --set train.steps=3 --set train.verify_every=1 &&
    "${check[@]}" verified "$work/runs/prior/metrics.jsonl" 3
}

# 10. CUT and ODCR (three and four roles, two phases, unpaired real and clean shards; ODCR's heads
#     updated by the method's own Riemannian step): under mpirun -np 2 every rank holds
#     bit-identical weights of every role after each of 3 steps.
unpaired() {
  local method=(--set method.task=dehaze --set "data.real=$work/shards/real" --set "data.clean=$work/shards/clean"
    --set data.batch=1 --set cut.patches=8)
  train 2 cut --set method.name=cut --set train.steps=3 --set train.verify_every=1 &&
    "${check[@]}" verified "$work/runs/cut/metrics.jsonl" 3 &&
    train 2 odcr --set method.name=odcr --set train.steps=3 --set train.verify_every=1 &&
    "${check[@]}" verified "$work/runs/odcr/metrics.jsonl" 3
}

# scenario NAME CMD…: runs CMD (a function above), prints one ok/FAIL line with its log on failure.
scenario() {
  local name=$1 start=$SECONDS
  shift
  if "$@" >"$work/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "multi-rank train: ok   $name ($((SECONDS - start)) s): $(tail -n 1 "$work/$name.log")"
  else
    failed=$((failed + 1))
    echo "multi-rank train: FAIL $name ($((SECONDS - start)) s)"
    tail -n 25 "$work/$name.log" | sed 's/^/    /'
  fi
}

scenario data setup
scenario identical-parameters identical
scenario two-ranks-equal-one equivalent
scenario resume-bit-identical resumed
scenario kill-rank1 killed 1
scenario kill-rank0 killed 0
scenario nan-skipped nan
scenario nan-stops-run nan_stop
scenario sigterm-checkpoint-resume sigterm
scenario toy-adversarial-phases toy
scenario i2sb-ranks-and-resume bridge
scenario ddpm-prior-ranks prior
scenario cut-odcr-ranks unpaired
echo "Multi-rank train checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
