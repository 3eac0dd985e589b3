#!/usr/bin/env bash
# compare.sh: NoiseDA's training step against the PyTorch reference on this machine. For every
# config of the grid (restorer unet-t/unet-s × patch 64/128 × batch 4/8 × 1/2 threads × vanilla/DA
# step, diffusion-s; then the I2SB step, i2sb-cpu × patch 32/64 × batch 8 × 1/2 threads) it runs
# `noiseda bench step` and Tests/reference/torch_reference/step_bench.py
# in turn (the order alternating from run to run), RUNS times each, and prints per config the
# median seconds per step of each and the median of the per-run throughput ratios
# NoiseDA/PyTorch (> 1: NoiseDA is faster). Then 2 MPI ranks × 1 thread (batch B/2 each, same
# global batch) against 1 rank × 2 threads, for unet-s + diffusion-s at patch 128, batch 8.
#
# Needs a release build (swift build -c release) and torch in a venv (docs/performance.md).
# Usage: launch/compare.sh [--runs N] [--steps S] [--warmup W] [--only REGEX] [--no-mpi]
#                          [--priority] [--out DIR]
#   --only REGEX   keep grid configs whose name (e.g. da-unet-s-p128-b8-t2) matches REGEX
#   --priority     run each benchmark in its own session at autogroup nice -20 (root; on a
#                  shared machine this keeps other sessions' jobs from taking the cores)
# Env: NOISEDA_TORCH_PYTHON (default ~/.venvs/torch/bin/python), NOISEDA_BIN (default
# .build/release/noiseda).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5 steps=3 warmup=1 only="" mpi=1 priority=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --no-mpi) mpi=0; shift ;;
    --priority) priority=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

python=${NOISEDA_TORCH_PYTHON:-$HOME/.venvs/torch/bin/python}
noiseda=${NOISEDA_BIN:-.build/release/noiseda}
reference=Tests/reference/torch_reference/step_bench.py
[ -x "$noiseda" ] || { echo "compare.sh: $noiseda not found; build it with: swift build -c release" >&2; exit 1; }
"$python" -c "import torch" 2>/dev/null || {
  echo "compare.sh: $python cannot import torch; install it as docs/performance.md shows or set NOISEDA_TORCH_PYTHON" >&2; exit 1; }
out=${out:-$(mktemp -d /tmp/noiseda-compare.XXXXXX)}
mkdir -p "$out"

# Runs "$@" (in its own session at autogroup nice -20 with --priority), output appended to $log.
launch() {
  if [ "$priority" = 1 ]; then
    setsid sh -c 'echo -20 > /proc/self/autogroup; exec "$@"' sh "$@" >>"$log" 2>&1
  else
    "$@" >>"$log" 2>&1
  fi
}

# One config: name, engine-specific argument lists share these flags.
run_config() {
  local name=$1 method=$2 restorer=$3 patch=$4 batch=$5 threads=$6
  local common=(--restorer "$restorer" --diffusion diffusion-s --method "$method" --patch "$patch"
    --steps "$steps" --warmup "$warmup")
  for r in $(seq 1 "$runs"); do
    local n=("$noiseda" bench step "${common[@]}" --batch "$batch" --threads "$threads" --json "$out/$name.noiseda.$r.json")
    local t=("$python" "$reference" "${common[@]}" --batch "$batch" --threads "$threads" --json "$out/$name.pytorch.$r.json")
    if [ $((r % 2)) = 1 ]; then launch "${n[@]}"; launch "${t[@]}"; else launch "${t[@]}"; launch "${n[@]}"; fi
  done
}

# 2 ranks × 1 thread (B/2 each) against 1 rank × 2 threads, NoiseDA and PyTorch.
run_mpi() {
  local name=$1 method=$2
  local common=(--restorer unet-s --diffusion diffusion-s --method "$method" --patch 128 --steps "$steps" --warmup "$warmup")
  for r in $(seq 1 "$runs"); do
    launch mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 \
      "$noiseda" bench step "${common[@]}" --batch 4 --threads 1 --json "$out/$name.noiseda.$r.json"
    launch "$python" "$reference" "${common[@]}" --batch 8 --threads 2 --json "$out/$name.pytorch.$r.json"
    launch "$noiseda" bench step "${common[@]}" --batch 8 --threads 2 --json "$out/$name.noiseda-1x2.$r.json"
  done
}

log=$out/log.txt
echo "compare.sh $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs, $warmup+$steps steps, results in $out" | tee -a "$log"
for method in vanilla da; do
  for restorer in unet-t unet-s; do
    for patch in 64 128; do
      for batch in 4 8; do
        for threads in 1 2; do
          name=$method-$restorer-p$patch-b$batch-t$threads
          if [ -n "$only" ] && ! [[ $name =~ $only ]]; then continue; fi
          echo "$(date -u +%T) $name (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$log"
          run_config "$name" "$method" "$restorer" "$patch" "$batch" "$threads"
        done
      done
    done
  done
done
# I2SB's step (i2sb-cpu, AdamW) at the demo's and twice the demo's patch.
for patch in 32 64; do
  for threads in 1 2; do
    name=i2sb-p$patch-b8-t$threads
    if [ -n "$only" ] && ! [[ $name =~ $only ]]; then continue; fi
    echo "$(date -u +%T) $name (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$log"
    run_config "$name" i2sb unet-s "$patch" 8 "$threads"
  done
done
if [ "$mpi" = 1 ]; then
  for method in vanilla da; do
    name=mpi-$method-unet-s-p128-b8
    if [ -n "$only" ] && ! [[ $name =~ $only ]]; then continue; fi
    echo "$(date -u +%T) $name (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$log"
    run_mpi "$name" "$method"
  done
fi
echo "finished $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"

# Summary: per config, median s/step of each engine, the median of the per-run ratios of
# throughput NoiseDA/PyTorch (run r of one against run r of the other), the same ratio of CPU
# seconds per image (less disturbed by other processes on a shared machine) and peak memory.
"$python" - "$out" <<'PY' | tee "$out/summary.txt"
import glob, json, os, re, statistics, sys
out = sys.argv[1]
runs = {}
for path in glob.glob(os.path.join(out, "*.json")):
    name, engine, r = re.match(r"(.+)\.([a-z0-9-]+)\.(\d+)\.json$", os.path.basename(path)).groups()
    with open(path) as f:
        d = json.load(f)
    runs.setdefault(name, {}).setdefault(engine, {})[int(r)] = d
print(f"{'config':34} {'NoiseDA s':>9} {'PyTorch s':>9} {'ratio':>5} {'min-max':>9} {'CPU ratio':>9} {'NoiseDA MiB':>11} {'PyTorch MiB':>11} runs")
for name in sorted(runs, key=lambda n: (n.startswith("mpi"), n)):
    e = runs[name]
    n, t = e.get("noiseda", {}), e.get("pytorch", {})
    pairs = sorted(set(n) & set(t))
    if not pairs:
        continue
    ratios = [n[r]["imagesPerSecond"] / t[r]["images_per_second"] for r in pairs]
    # CPU seconds per image of PyTorch over NoiseDA's (ranks' CPU time is rank 0's times ranks).
    cpu = [t[r]["cpu_seconds_per_step"] / t[r]["batch"] / (n[r]["cpuSecondsPerStep"] * n[r]["ranks"] / (n[r]["options"]["batch"] * n[r]["ranks"])) for r in pairs]
    ns = statistics.median(n[r]["secondsPerStep"] for r in pairs)
    ts = statistics.median(t[r]["seconds_per_step"] for r in pairs)
    nm = max(max(n[r]["peakResidentMiB"]) for r in pairs)
    tm = max(t[r]["peak_rss_mib"] for r in pairs)
    label = name + (" (2 ranks x 1 thread)" if name.startswith("mpi") else "")
    print(f"{label:34} {ns:9.3f} {ts:9.3f} {statistics.median(ratios):5.2f} {min(ratios):4.2f}-{max(ratios):<4.2f} {statistics.median(cpu):9.2f} {nm:11.0f} {tm:11.0f} {len(pairs)}")
    one = e.get("noiseda-1x2", {})
    both = sorted(set(one) & set(n))
    if both:
        r12 = [n[r]["imagesPerSecond"] / one[r]["imagesPerSecond"] for r in both]
        r1t = [one[r]["imagesPerSecond"] / t[r]["images_per_second"] for r in sorted(set(one) & set(t))]
        print(f"{'  NoiseDA 1 rank x 2 threads':34} {statistics.median(one[r]['secondsPerStep'] for r in both):9.3f} {'':9} {statistics.median(r1t):5.2f}   (2x1 over 1x2: {statistics.median(r12):.2f})")
PY
