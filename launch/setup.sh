#!/usr/bin/env bash
# Installs the Debian packages NoiseDA needs (when missing) and builds the release binary.
# Idempotent: a second run only rebuilds what changed. Works as root or as a user with sudo.
# `--test` also installs what the tests cross-check against (Debian's h5py, skimage, numpy), what
# the demo needs, procps (pgrep/pkill, which the multi-rank and study checks use), iproute2 +
# openssh-server (the test hosts of cluster/local/up.sh) and Debian's Slurm + munge (its Slurm,
# cluster/local/slurm-up.sh), for Tests/ClusterCheck; `--demo`
# what launch/demo.sh needs (skimage's photos, matplotlib for its plot).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenmpi-dev openmpi-bin libopenblas-dev libhdf5-dev libpng-dev libjpeg-dev pkg-config)
[ "${1:-}" = "--test" ] && packages+=(python3-h5py python3-skimage python3-numpy python3-matplotlib procps iproute2 openssh-server slurmctld slurmd slurm-client munge)
[ "${1:-}" = "--demo" ] && packages+=(python3-skimage python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift not on PATH; install Swift 6 (swift.org) and retry" >&2; exit 1; }
swift build -c release --product noiseda 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
test -x .build/release/noiseda || { echo "setup: release build failed (see the errors above)" >&2; exit 1; }
echo "setup: built $(pwd)/.build/release/noiseda"
