# demo-lib.sh: what the demo scripts share, sourced by them (launch/demo*.sh) from the repository
# root. DEMO names the calling demo in messages.
#   demo_binary           NOISEDA: the given binary, or set up the machine and build the release one
#   demo_photos           prints the folder of python3-skimage's photographs, or fails with the fix
#   demo_run NAME LOG CMD…  runs CMD (one training, say) with its output in LOG; on failure prints
#                         LOG's tail under "training NAME failed" and returns 1

demo_binary() {
  if [ -z "${NOISEDA:-}" ]; then
    launch/setup.sh --demo
    export NOISEDA=.build/release/noiseda
  fi
  [ -x "$NOISEDA" ] || { echo "$DEMO: $NOISEDA is not an executable noiseda binary" >&2; return 1; }
}

demo_photos() {
  local photos=/usr/lib/python3/dist-packages/skimage/data
  [ -f "$photos/astronaut.png" ] || { echo "$DEMO: python3-skimage's photographs are missing; run launch/setup.sh --demo" >&2; return 1; }
  echo "$photos"
}

demo_run() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 || { echo "$DEMO: training $name failed:"; tail -n 20 "$log"; return 1; }
}
