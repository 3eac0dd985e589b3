#!/usr/bin/env bash
# checkpoint-identity.sh: proves that two builds of noiseda train bit-identically (issue 10: a
# refactor of the training core must not change a bit of what DA, vanilla and da-unpaired
# compute). Both binaries train the same runs from the same tiny shards into the same run-folder
# path (so even the stored config text can match): vanilla, da and da-unpaired with unet-tiny +
# diffusion-tiny for STEPS steps (default 50), and da with unet-cpu + diffusion-cpu for 10 steps,
# each on 1 rank and under mpirun -np 2. Then launch/checkpoint-digests.py compares the SHA-256 of
# every dataset and attribute of the final checkpoints. One line per run; exit 1 when any differs.
# Usage: launch/checkpoint-identity.sh OLD_NOISEDA NEW_NOISEDA [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
steps=${3:-50}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 Tests/TrainCheck/traincheck.py images "$work/img/train" 8 64 1 >/dev/null
/usr/bin/python3 Tests/TrainCheck/traincheck.py images "$work/img/clean" 8 64 3 >/dev/null
"$new" convert --layout folder --input "$work/img/train" --kind pairs --degrade awgn:25 --tile 32 --out "$work/shards/pairs" >/dev/null
"$new" convert --layout folder --input "$work/img/train" --kind real --degrade awgn:15 --seed 1 --tile 32 --out "$work/shards/real" >/dev/null
"$new" convert --layout folder --input "$work/img/clean" --kind clean --tile 32 --out "$work/shards/clean" >/dev/null

# name|overrides: the runs both binaries train (DA's keys only for DA runs: a key the method does
# not read is an error).
da="model.diffusion=diffusion-tiny model.diffusion_dropout=0.1 data.real=$work/shards/real da.ramp_fraction=0.5"
runs=(
  "vanilla|method.name=vanilla"
  "da|method.name=da $da"
  "da-unpaired|method.name=da-unpaired $da data.clean=$work/shards/clean"
  "da-cpu|method.name=da $da model.restorer=unet-cpu model.diffusion=diffusion-cpu data.patch=32 train.steps=10 train.checkpoint_every=10"
)
common=(
  --set "run.out_dir=$work/runs" --set run.seed=11 --set run.threads=1 --set model.restorer=unet-tiny
  --set "data.pairs=$work/shards/pairs" --set data.patch=16 --set data.batch=2
  --set "train.steps=$steps" --set "train.checkpoint_every=$steps" --set train.log_every=5 --set train.val_every=0
  --set train.diagnostics_every=10 --set optim.lr=1e-3
)

# train BIN NP NAME OVERRIDES: one run; its final checkpoint is the newest step-*.h5.
train() {
  local bin=$1 np=$2 name=$3 sets=()
  for o in $4; do sets+=(--set "$o"); done
  local launcher=()
  [ "$np" -gt 1 ] && launcher=(mpirun --bind-to none -np "$np")
  "${launcher[@]}" "$bin" train "${common[@]}" "${sets[@]}" --set "run.name=$name-np$np" >"$work/$name-np$np.log" 2>&1 \
    || { echo "checkpoint-identity: $bin failed on $name (np $np):"; tail -n 20 "$work/$name-np$np.log"; exit 1; }
}

for side in old new; do
  bin=$old
  [ "$side" = new ] && bin=$new
  for run in "${runs[@]}"; do
    for np in 1 2; do train "$bin" "$np" "${run%%|*}" "${run#*|}"; done
  done
  mv "$work/runs" "$work/$side"
done

failed=0
for run in "${runs[@]}"; do
  for np in 1 2; do
    name="${run%%|*}-np$np"
    checkpoint=$(cd "$work/old/$name" && ls step-*.h5 | tail -n 1)
    /usr/bin/python3 launch/checkpoint-digests.py "$work/old/$name/$checkpoint" "$work/new/$name/$checkpoint" --label "$name" || failed=1
  done
done
exit "$failed"
