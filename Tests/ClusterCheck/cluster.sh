#!/usr/bin/env bash
# The multi-host promises on a cluster on one machine (issue 24; docs/distributed.md, "A cluster
# on one machine"), run by launch/test.sh: cluster/local/up.sh starts 2 test hosts (network
# namespaces on a bridge, an sshd each); then mpirun --hostfile over ssh and TCP (shared memory
# off) converts and trains the tiny DA settings of Tests/TrainCheck with 2 ranks per host, a
# host loses its processes or its link mid-run, the run is resumed on the surviving host, and
# cluster/local/down.sh must leave nothing behind; with Debian's slurm-wlm installed, the same
# hosts run a real Slurm (cluster/local/slurm-up.sh): srun --mpi=pmix ranks for convert and
# train, cluster/slurm/train.sbatch to the end, scancel --signal=TERM and scontrol requeue.
# One line per promise ("cluster: ok|FAIL
# NAME"), then a summary line; exits 1 when any failed. Skips with one line and exit 0 when
# the machine cannot run it (not root, no sshd or mpirun, namespaces forbidden, a cluster of
# up.sh already up).
# Usage: Tests/ClusterCheck/cluster.sh [NOISEDA_BINARY] (default .build/release/noiseda);
# CLUSTERCHECK_KEEP=1 keeps the temporary folder (runs, logs).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bin=$(realpath "${1:-.build/release/noiseda}")
traincheck=(/usr/bin/python3 "$repo/Tests/TrainCheck/traincheck.py")
clustercheck=(/usr/bin/python3 "$repo/Tests/ClusterCheck/clustercheck.py")
state=/run/noiseda-cluster
net=10.77.1
export NOISEDA_CLUSTER_STATE=$state NOISEDA_CLUSTER_NET=$net NOISEDA_CLUSTER_SLOTS=2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 SLURM_CONF=$state/slurm/slurm.conf
unset OMPI_MCA_rmaps_base_oversubscribe

skip() { echo "cluster checks: skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root (network namespaces, a bridge and sshd need root)"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (launch/setup.sh --test installs openssh-server)"
for tool in ip mpirun ssh; do command -v "$tool" >/dev/null || skip "no $tool on PATH (launch/setup.sh --test)"; done
[ -x "$bin" ] || skip "no binary $bin"
[ ! -e "$state/hosts" ] || skip "a cluster of cluster/local/up.sh is up; the check would take it down (cluster/local/down.sh first)"

work=$(mktemp -d)
# What must look the same again after down.sh.
snapshot() {
  ip netns list | sort
  ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort
  cat /etc/hosts
  ls -d /run/sshd /run/netns "$state" 2>/dev/null
  grep " /run/netns " /proc/self/mountinfo | cut -d' ' -f4-5
  ls -a ~/.ssh 2>/dev/null
  pgrep -a sshd | grep -c "$state" || true
  pgrep -a 'slurm|munged' | grep -c "$state" || true
}
snapshot >"$work/before"
job=""
cleanup() {
  [ -z "$job" ] || kill -9 "$job" 2>/dev/null || true
  "$repo/cluster/local/down.sh" >/dev/null 2>&1 || true
  if [ -n "${CLUSTERCHECK_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start the cluster; a machine that refuses namespaces (up.sh's exit 2) skips the whole check.
up_log=$work/up.log
"$repo/cluster/local/up.sh" 2 >"$up_log" 2>&1
up_status=$?
[ "$up_status" -ne 2 ] || skip "$(tail -n 1 "$up_log")"
passed=0
failed=0

# The ranks' flags: the generated hostfile and ssh configuration, TCP only (no shared memory)
# on the test subnet; Open MPI's daemon connections send keepalives after 10 s of silence and
# give up after 3 missed at 2 s, so a host that vanishes is noticed within about 16 s.
hostfile=$state/hostfile
mpi=(mpirun --hostfile "$hostfile" --mca plm_rsh_agent "ssh -F $state/ssh_config" --mca plm_rsh_no_tree_spawn 1
  --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24"
  --mca oob_tcp_keepalive_time 10 --mca oob_tcp_keepalive_intvl 2 --mca oob_tcp_keepalive_probes 3
  --bind-to none -x OPENBLAS_NUM_THREADS=1 -x OMP_NUM_THREADS=1)
# Tests/TrainCheck's tiny DA settings.
common=(
  --set "run.out_dir=$work/runs" --set run.seed=7 --set run.threads=1 --set data.patch=16 --set data.batch=2
  --set train.log_every=1 --set train.val_every=0 --set train.checkpoint_every=2 --set train.keep_last=100
  --set dist.timeout=120 --set method.name=da --set model.restorer=unet-tiny --set "data.pairs=$work/shards/pairs"
  --set model.diffusion=diffusion-tiny --set model.diffusion_dropout=0.1 --set "data.real=$work/shards/real"
  --set da.ramp_fraction=0 --set da.ramp_epochs=2 --set optim.lr=1e-3
)

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
# on_host NAME: the pids of test host NAME except its sshd listener (what mpirun started there).
on_host() { ip netns pids "$1" | grep -vx "$(cat "$state/$1/sshd.pid")"; }

# 1. up.sh made two hosts (idempotently: a second run changes nothing) that answer ssh without a
#    prompt, from here and from each other (BatchMode: a prompt would be a failure).
up() {
  [ "$up_status" -eq 0 ] || { cat "$up_log"; return 1; }
  "$repo/cluster/local/up.sh" 2 || return 1
  [ "$(grep -c "# noiseda-cluster" /etc/hosts)" -eq 2 ] || { echo "/etc/hosts: $(grep "# noiseda-cluster" /etc/hosts)"; return 1; }
  [ "$(pgrep -a sshd | grep -c "$state/nd-node")" -eq 2 ] || { pgrep -a sshd; return 1; }
  [ "$(ssh -F "$state/ssh_config" nd-node2 hostname)" = nd-node2 ] &&
    [ "$(ip netns exec nd-node1 ssh -F "$state/ssh_config" nd-node2 hostname)" = nd-node2 ] &&
    [ "$(ip netns exec nd-node2 ssh -F "$state/ssh_config" nd-node1 'hostname; ip -4 -o addr show eth0')" != "" ] &&
    echo "2 hosts, 2 sshds, 2 /etc/hosts lines after two runs of up.sh; ssh between them without a prompt"
}

# 2. mpirun --hostfile places 2 ranks on each host, launched over ssh.
placement() {
  local got
  got=$(cd "$work" && timeout --kill-after=5 60 "${mpi[@]}" -np 4 hostname | sort | tr '\n' ' ')
  [ "$got" = "nd-node1 nd-node1 nd-node2 nd-node2 " ] || { echo "ranks ran on: $got"; return 1; }
  echo "ranks ran on: $got"
}

# Test data as Tests/TrainCheck makes it (one rank, no mpirun).
data() {
  "${traincheck[@]}" images "$work/img/train" 8 32 1 &&
    "$bin" convert --layout folder --input "$work/img/train" --kind pairs --degrade awgn:25 --tile 16 --out "$work/shards/pairs" &&
    "$bin" convert --layout folder --input "$work/img/train" --kind real --degrade awgn:15 --seed 1 --tile 16 --out "$work/shards/real"
}

# 3. noiseda convert under the hostfile (4 ranks, 2 hosts): every rank writes its own shards,
#    the manifest lists each once, and together they hold exactly one rank's samples.
convert() {
  (cd "$work" && timeout --kill-after=5 120 "${mpi[@]}" -np 4 "$bin" convert --layout folder --input "$work/img/train" \
    --kind pairs --degrade awgn:25 --tile 16 --shard-size 4 --out "$work/shards/pairs-4") &&
    "${clustercheck[@]}" shards "$work/shards/pairs" "$work/shards/pairs-4" 4
}

# 4. DA over TCP between hosts, 4 ranks: every rank's parameter checksum agrees after every step
#    (train.verify_every 1), and the checkpoint is bit-identical to 4 ranks on one host over
#    shared memory with the same seed.
tcp_train() {
  (cd "$work" && timeout --kill-after=5 300 "${mpi[@]}" -np 4 "$bin" train "${common[@]}" --set run.name=tcp \
    --set train.steps=3 --set train.verify_every=1) >"$work/tcp.out" 2>&1 || { tail -n 20 "$work/tcp.out"; return 1; }
  timeout --kill-after=5 300 mpirun --oversubscribe --bind-to none -np 4 -x OPENBLAS_NUM_THREADS=1 "$bin" train "${common[@]}" \
    --set run.name=shm --set train.steps=3 >"$work/shm.out" 2>&1 || { tail -n 20 "$work/shm.out"; return 1; }
  "${clustercheck[@]}" verified "$work/runs/tcp/metrics.jsonl" 3 4 &&
    "${traincheck[@]}" same "$work/runs/tcp/step-000003.h5" "$work/runs/shm/step-000003.h5"
}

# lose NAME HOW BOUND: a 4-rank run over both hosts until its step-4 checkpoint, then host
# nd-node2 vanishes (HOW: "processes" = SIGKILL of everything mpirun started there, "link" = its
# link taken down); mpirun must exit non-zero within BOUND s naming nd-node2, whose ranks the
# job map printed at the start lists; nothing of the run stays alive on nd-node2; every
# checkpoint reads back.
lose() {
  local name=$1 how=$2 bound=$3 start elapsed status
  (cd "$work" && exec "${mpi[@]}" -np 4 --display-map "$bin" train "${common[@]}" --set "run.name=$name" --set train.steps=100000) \
    >"$work/$name.out" 2>&1 &
  job=$!
  until_true 240 test -e "$work/runs/$name/step-000004.h5" || { kill -9 "$job"; return 1; }
  if [ "$how" = link ]; then
    ip link set nd-node2-v down
  else
    kill -9 $(on_host nd-node2)
  fi
  start=$SECONDS
  until_true $((bound + 30)) bash -c "! kill -0 $job 2>/dev/null" || { kill -9 "$job"; ip link set nd-node2-v up; return 1; }
  wait "$job"
  status=$?
  elapsed=$((SECONDS - start))
  until_true 60 test -z "$(on_host nd-node2)" || { echo "left on nd-node2: $(on_host nd-node2)"; ip link set nd-node2-v up; return 1; }
  local gone=$((SECONDS - start))
  [ "$how" != link ] || ip link set nd-node2-v up
  grep -B2 -A12 "ORTE has lost\|mpirun noticed" "$work/$name.out" | head -n 14
  [ "$status" -ne 0 ] && [ "$elapsed" -le "$bound" ] || { echo "mpirun exited with $status after $elapsed s (bound $bound s)"; return 1; }
  grep -Eq "Remote daemon: .* on node nd-node2|rank [23] .* on node nd-node2" "$work/$name.out" ||
    { echo "mpirun's message does not name nd-node2"; tail -n 30 "$work/$name.out"; return 1; }
  grep -q "Process rank: 2" <<<"$(grep -A2 "Data for node: nd-node2" "$work/$name.out")" || { echo "no job map naming nd-node2's ranks"; return 1; }
  "${traincheck[@]}" loadable "$work/runs/$name" || return 1
  echo "nd-node2 lost ($how): mpirun exited $status after $elapsed s (bound $bound s), naming nd-node2 (ranks 2, 3 in its job map); nd-node2's ranks gone after $gone s"
}

# 5. The link variant, then resume: with fewer ranks (2 on nd-node1) the trainer refuses, naming
#    the rank counts; with the same 4 ranks on the surviving host it continues from the newest
#    checkpoint and ends bit-identical to a straight 4-rank run (every rank's RNG and data
#    cursor restored: no sample lost or seen twice).
resume() {
  local newest step target
  newest=$("${traincheck[@]}" loadable "$work/runs/lost-link" | sed 's/.*newest //') || return 1
  step=$((10#$(basename "$newest" .h5 | cut -d- -f2)))
  target=$((step + 2))
  if (cd "$work" && timeout --kill-after=5 120 "${mpi[@]}" --host nd-node1:2 -np 2 "$bin" train "${common[@]}" \
    --set run.name=lost-link --set train.steps=$target --resume auto) >"$work/fewer.out" 2>&1; then
    echo "a 2-rank run resumed a 4-rank checkpoint"
    return 1
  fi
  grep -q "was written by 4 ranks, this run has 2; resume with the same rank count" "$work/fewer.out" || { tail -n 20 "$work/fewer.out"; return 1; }
  (cd "$work" && timeout --kill-after=5 300 "${mpi[@]}" --host nd-node1:4 -np 4 "$bin" train "${common[@]}" \
    --set run.name=lost-link --set train.steps=$target --resume auto) >>"$work/lost-link.out" 2>&1 || { tail -n 20 "$work/lost-link.out"; return 1; }
  grep -q "resuming from $newest at step $step" "$work/lost-link.out" || { echo "did not resume from $newest"; return 1; }
  timeout --kill-after=5 300 mpirun --oversubscribe --bind-to none -np 4 -x OPENBLAS_NUM_THREADS=1 "$bin" train "${common[@]}" \
    --set run.name=straight --set train.steps=$target >"$work/straight.out" 2>&1 || { tail -n 20 "$work/straight.out"; return 1; }
  local name
  name=step-$(printf %06d "$target").h5
  "${traincheck[@]}" same "$work/runs/lost-link/$name" "$work/runs/straight/$name" &&
    echo "2 ranks refused; 4 ranks on nd-node1 resumed at step $step and reached $target bit-identical to a straight run"
}

# ---- Slurm (cluster/local/slurm-up.sh) on the same two hosts ----
squeue_state() { grep -oE "JobState=[A-Z_]+" <<<"$(scontrol show job "$1" -o 2>/dev/null)" | cut -d= -f2; }
job_ended() { [[ "$(squeue_state "$1")" =~ ^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|PREEMPTED)$ ]]; }
job_field() { grep -oE "(^| )$2=[^ ]+" <<<"$(scontrol show job "$1" -o)" | head -n 1 | cut -d= -f2; }
reached() { [ "$("${traincheck[@]}" last_step "$work/runs/$1/metrics.jsonl")" -ge "$2" ]; }
# The run settings of `common` as a config file, for cluster/slurm/train.sbatch.
tiny_config() {
  cat >"$work/tiny.yaml" <<EOF
run: {out_dir: $work/runs, seed: 7, threads: 1}
method: {name: da}
model: {restorer: unet-tiny, diffusion: diffusion-tiny, diffusion_dropout: 0.1}
data: {pairs: $work/shards/pairs, real: $work/shards/real, patch: 16, batch: 2}
optim: {lr: 1.0e-3}
da: {ramp_fraction: 0, ramp_epochs: 2}
train: {log_every: 1, val_every: 0, checkpoint_every: 2, keep_last: 100}
dist: {timeout: 120}
EOF
}

# 7. slurm-up.sh (twice: idempotent) starts munged, slurmctld and a slurmd per host; both nodes idle.
slurm_up() {
  "$repo/cluster/local/slurm-up.sh" && "$repo/cluster/local/slurm-up.sh" || return 1
  local nodes
  nodes=$(sinfo -h -N -o '%N %t' | tr '\n' ' ')
  [ "$nodes" = "nd-node1 idle nd-node2 idle " ] || { echo "sinfo: $nodes"; return 1; }
  [ "$(pgrep -af "slurmd -f $state" | wc -l)" -eq 2 ] && [ "$(pgrep -af "slurmctld -f $state" | wc -l)" -eq 1 ] || { pgrep -af slurm; return 1; }
  echo "slurmctld, munged and 2 slurmds after two runs of slurm-up.sh; sinfo: $nodes"
}

# 8. srun --mpi=pmix, 2 nodes × 2 tasks: every task its own rank (PMIx, as NoiseDA reads it), in
#    node order; noiseda convert under srun writes each rank's shards once.
srun_ranks() {
  local got
  got=$(cd "$work" && timeout --kill-after=5 60 srun -N2 --ntasks-per-node=2 --mpi=pmix bash -c 'echo "$PMIX_RANK/$SLURM_STEP_NUM_TASKS@$(hostname)"' | sort | tr '\n' ' ')
  [ "$got" = "0/4@nd-node1 1/4@nd-node1 2/4@nd-node2 3/4@nd-node2 " ] || { echo "tasks: $got"; return 1; }
  (cd "$work" && timeout --kill-after=5 120 srun -N2 --ntasks-per-node=2 --mpi=pmix --kill-on-bad-exit=1 "$bin" convert --layout folder \
    --input "$work/img/train" --kind pairs --degrade awgn:25 --tile 16 --shard-size 4 --out "$work/shards/pairs-srun") &&
    "${clustercheck[@]}" shards "$work/shards/pairs" "$work/shards/pairs-srun" 4 &&
    echo "ranks $got; convert: each rank's shards once"
}

# submit NAME ARGS…: cluster/slurm/train.sbatch on 2 nodes × 2 tasks with the tiny config; sets $slurm_job.
submit() {
  local name=$1
  shift
  slurm_job=$(cd "$work" && NOISEDA=$bin sbatch --parsable --nodes=2 --ntasks-per-node=2 --cpus-per-task=1 \
    "$repo/cluster/slurm/train.sbatch" "$work/tiny.yaml" --set "run.name=$name" "$@") || return 1
  echo "job $slurm_job: $name"
}

# 9. sbatch cluster/slurm/train.sbatch runs a short DA job to the end: COMPLETED with exit 0,
#    every rank's checksum equal after each step, bit-identical to 4 ranks on one host.
sbatch_end() {
  tiny_config
  submit sbatch --set train.steps=3 --set train.verify_every=1 --set train.checkpoint_every=3 || return 1
  until_true 180 job_ended "$slurm_job" || return 1
  tail -n 3 "$work/noiseda-$slurm_job.out"
  [ "$(squeue_state "$slurm_job")" = COMPLETED ] && [ "$(job_field "$slurm_job" ExitCode)" = 0:0 ] ||
    { echo "job $slurm_job: $(squeue_state "$slurm_job") $(job_field "$slurm_job" ExitCode)"; return 1; }
  "${clustercheck[@]}" verified "$work/runs/sbatch/metrics.jsonl" 3 4 &&
    "${traincheck[@]}" same "$work/runs/sbatch/step-000003.h5" "$work/runs/shm/step-000003.h5" &&
    echo "job $slurm_job COMPLETED (exit 0:0) on $(job_field "$slurm_job" NodeList), bit-identical to 4 ranks on one host"
}

# 10. scancel --signal=TERM mid-run: the ranks agree on a checkpoint and the job ends COMPLETED,
#     exit 0; scontrol requeue runs the script again, which resumes from that checkpoint and
#     ends bit-identical to a straight 4-rank run.
sbatch_term_requeue() {
  local steps=30 start stopped_at
  [ -e "$work/tiny.yaml" ] || tiny_config
  submit term --set train.steps=$steps || return 1
  until_true 180 reached term 2 || { scancel "$slurm_job"; return 1; }
  scancel --signal=TERM "$slurm_job"
  start=$SECONDS
  until_true 60 job_ended "$slurm_job" || return 1
  [ "$(squeue_state "$slurm_job")" = COMPLETED ] && [ "$(job_field "$slurm_job" ExitCode)" = 0:0 ] ||
    { echo "after TERM: $(squeue_state "$slurm_job") $(job_field "$slurm_job" ExitCode)"; tail -n 20 "$work/noiseda-$slurm_job.out"; return 1; }
  "${traincheck[@]}" stopped "$work/runs/term/metrics.jsonl" || return 1
  stopped_at=$("${traincheck[@]}" last_step "$work/runs/term/metrics.jsonl")
  [ "$stopped_at" -lt "$steps" ] || { echo "the job ran to the end before the signal"; return 1; }
  echo "TERM: COMPLETED 0:0 after $((SECONDS - start)) s at step $stopped_at"
  # A requeued job may start again only ~2 minutes later (Slurm's default); start it now.
  scontrol requeue "$slurm_job" || return 1
  scontrol update JobId="$slurm_job" StartTime=now 2>/dev/null
  until_true 30 test "$(job_field "$slurm_job" Restarts)" = 1 || return 1
  until_true 180 job_ended "$slurm_job" || return 1
  [ "$(squeue_state "$slurm_job")" = COMPLETED ] && [ "$(job_field "$slurm_job" ExitCode)" = 0:0 ] ||
    { echo "requeued: $(squeue_state "$slurm_job") $(job_field "$slurm_job" ExitCode)"; tail -n 20 "$work/noiseda-$slurm_job.out"; return 1; }
  grep -q "resuming from $work/runs/term/step-0000[0-9][0-9].h5" "$work/noiseda-$slurm_job.out" || { head -n 5 "$work/noiseda-$slurm_job.out"; return 1; }
  timeout --kill-after=5 300 mpirun --oversubscribe --bind-to none -np 4 -x OPENBLAS_NUM_THREADS=1 "$bin" train "${common[@]}" \
    --set run.name=straight-$steps --set train.steps=$steps >"$work/straight-$steps.out" 2>&1 || { tail -n 20 "$work/straight-$steps.out"; return 1; }
  "${traincheck[@]}" same "$work/runs/term/step-0000$steps.h5" "$work/runs/straight-$steps/step-0000$steps.h5" &&
    echo "TERM at step $stopped_at: COMPLETED 0:0; requeued: $(grep -o "resuming from .*" "$work/noiseda-$slurm_job.out" | sed "s|$work/runs/||"), COMPLETED 0:0 at step $steps, bit-identical to a straight run"
}

# 11. slurm-down.sh stops every Slurm daemon and removes its folder; the test hosts stay up.
slurm_down() {
  "$repo/cluster/local/slurm-down.sh" || return 1
  [ -z "$(pgrep -af 'slurm|munged' | grep "$state")" ] || { pgrep -af 'slurm|munged'; return 1; }
  [ ! -e "$state/slurm" ] && [ -z "$(unset SLURM_CONF; . "$state/env"; echo "${SLURM_CONF:-}")" ] && [ "$(ssh -F "$state/ssh_config" nd-node2 hostname)" = nd-node2 ] &&
    echo "no slurmctld, slurmd or munged left, $state/slurm gone; the test hosts still answer"
}

# 6. down.sh removes everything up.sh made (namespaces, links, sshds, hosts lines, keys) and
#    nothing else; a second run finds nothing to do.
down() {
  "$repo/cluster/local/down.sh" || return 1
  snapshot >"$work/after"
  diff "$work/before" "$work/after" || { echo "the machine differs from before up.sh"; return 1; }
  [ ! -e "$state" ] || { echo "$state is left"; return 1; }
  grep -q "nothing to remove" <<<"$("$repo/cluster/local/down.sh")" || return 1
  echo "namespaces, links, /etc/hosts, sshds, /run/sshd and /run/netns as before up.sh; $state (keys) gone"
}

# scenario NAME CMD…: runs CMD (a function above), prints one ok/FAIL line with its log on failure.
scenario() {
  local name=$1 start=$SECONDS
  shift
  if "$@" >"$work/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "cluster: ok   $name ($((SECONDS - start)) s): $(tail -n 1 "$work/$name.log")"
  else
    failed=$((failed + 1))
    echo "cluster: FAIL $name ($((SECONDS - start)) s)"
    tail -n 25 "$work/$name.log" | sed 's/^/    /'
    return 1
  fi
}

started=$SECONDS
# Without hosts the rest cannot run.
scenario up-two-hosts up || { echo "Cluster checks: 0 passed, 1 failed (no test hosts)"; exit 1; }
scenario mpirun-placement placement
scenario data data
scenario convert-under-hostfile convert
scenario train-tcp-equals-one-host tcp_train
scenario host-processes-killed lose lost-processes processes 20
scenario host-link-down lose lost-link link 45
scenario resume-on-survivor resume
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
  scenario slurm-up slurm_up &&
    { scenario srun-pmix-ranks srun_ranks; scenario sbatch-to-the-end sbatch_end; scenario sbatch-term-requeue sbatch_term_requeue; }
  scenario slurm-down slurm_down
else
  echo "cluster: skip Slurm checks: slurmctld, slurmd or munged not installed (launch/setup.sh --test installs them)"
fi
scenario down-leaves-nothing down
echo "Cluster checks: $passed passed, $failed failed ($((SECONDS - started)) s)"
[ "$failed" -eq 0 ]
