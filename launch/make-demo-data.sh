#!/usr/bin/env bash
# Builds demo shard folders from the photographs shipped in Debian's python3-skimage (installed
# when missing): synthetic denoising pairs, an unlabelled "real-world" domain made with the
# camera-pipeline degradation, a held-out validation split of that domain with ground truth (val),
# a synthetic validation split: the same held-out photos with AWGN σ = 25 (val-awgn), and a wider
# real-world validation split of eight more held-out photos for the study (val-wide).
# Usage: launch/make-demo-data.sh [OUT (default .build/demo/data)] [--stored-awgn]
# No Python runs here: the photos are read by noiseda itself. Takes well under a minute.
# NOISEDA=path/to/noiseda picks another binary (default .build/release/noiseda, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

out=".build/demo/data"
stored_awgn=0
for argument in "$@"; do
  case "$argument" in
    --stored-awgn) stored_awgn=1 ;;
    -*) echo "make-demo-data: unknown option $argument (use --stored-awgn)" >&2; exit 2 ;;
    *) out="$argument" ;;
  esac
done

photos=/usr/lib/python3/dist-packages/skimage/data
if [ ! -f "$photos/astronaut.png" ]; then
  echo "make-demo-data: installing python3-skimage for its sample photographs"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "make-demo-data: need root or sudo to install python3-skimage" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-skimage >/dev/null
fi

noiseda=${NOISEDA:-.build/release/noiseda}
[ -x "$noiseda" ] || launch/setup.sh

# Disjoint photo sets: the validation photos are never seen by the real-domain training split.
declare -A split=(
  [pairs]="astronaut.png hubble_deep_field.jpg ihc.png"
  [real]="chelsea.png coffee.png motorcycle_left.png"
  [val]="rocket.jpg motorcycle_right.png"
  [val-wide]="brick.png camera.png cell.png coins.png grass.png gravel.png moon.png retina.jpg"
)
for name in pairs real val val-wide; do
  rm -rf "$out/photos/$name"
  mkdir -p "$out/photos/$name"
  for photo in ${split[$name]}; do cp "$photos/$photo" "$out/photos/$name/"; done
done

pairs_degrade=()
[ "$stored_awgn" = 1 ] && pairs_degrade=(--degrade awgn:0-75)
"$noiseda" convert --layout folder --input "$out/photos/pairs" --kind pairs --task denoise \
  --tile 128 --shard-size 256 --deflate 1 --out "$out/pairs" "${pairs_degrade[@]}"
"$noiseda" convert --layout folder --input "$out/photos/real" --kind real --task denoise \
  --degrade camera --seed 1 --tile 128 --shard-size 256 --deflate 1 --out "$out/real"
"$noiseda" convert --layout folder --input "$out/photos/val" --kind val --task denoise \
  --degrade camera --seed 2 --deflate 1 --out "$out/val"
"$noiseda" convert --layout folder --input "$out/photos/val" --kind val --task denoise \
  --degrade awgn:25 --seed 3 --deflate 1 --out "$out/val-awgn"
"$noiseda" convert --layout folder --input "$out/photos/val-wide" --kind val --task denoise \
  --degrade camera --seed 5 --deflate 1 --out "$out/val-wide"

for name in pairs real val val-awgn val-wide; do "$noiseda" inspect shards "$out/$name"; done
echo "make-demo-data: shards in $out/{pairs,real,val,val-awgn,val-wide}"
