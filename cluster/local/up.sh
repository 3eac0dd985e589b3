#!/usr/bin/env bash
# A cluster on one machine: 2–4 test hosts as Linux network namespaces joined by a bridge, each
# with its own address, host name (in /etc/hosts and its own UTS namespace) and sshd, so that
# `mpirun --hostfile` launches ranks over ssh and they talk over TCP as on separate machines. The
# namespaces share this machine's file system, so the build, the data and the run folders sit
# at the same paths on every host. Undo with cluster/local/down.sh (docs/distributed.md, "A
# cluster on one machine").
#
# Usage (as root): cluster/local/up.sh [HOSTS]      HOSTS 2–4, default 2
#   NOISEDA_CLUSTER_SLOTS   ranks per host in the hostfile (default 2)
#   NOISEDA_CLUSTER_NET     the /24 subnet's first three octets (default 10.77.1): host K gets
#                           .K, this machine (the "login node", where mpirun runs) gets .254
#   NOISEDA_CLUSTER_STATE   where keys, configs and the hostfile go (default /run/noiseda-cluster)
# Made here, and removed by down.sh: namespaces nd-node1…N, links nd-br0 and nd-nodeK-v (their
# peers are eth0 inside the namespaces), one sshd per namespace, the lines marked
# "# noiseda-cluster" in /etc/hosts, the state folder (host keys, a user key, authorized_keys,
# known_hosts, ssh_config, hostfile, env), /run/sshd when it was missing.
# Idempotent: a second run with the same HOSTS checks and completes what is there.
# Exit status: 0 up; 2 refused (not root, a tool missing, or this machine forbids network
# namespaces, veth links or bridges; nothing was changed); 1 failed while starting (what was
# made is undone).
set -euo pipefail
# (Tests read command output through <<< rather than a pipe into grep -q, which can end the
# writer with SIGPIPE and, under pipefail, fail the test.)
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

hosts=${1:-2}
slots=${NOISEDA_CLUSTER_SLOTS:-2}
refused=0
refuse() { echo "up.sh: refused: $*" >&2; refused=1; exit 2; }
[[ "$hosts" =~ ^[2-4]$ ]] || refuse "HOSTS must be 2, 3 or 4 (got '$hosts')"
[[ "$slots" =~ ^[1-9][0-9]*$ ]] || refuse "NOISEDA_CLUSTER_SLOTS must be a positive integer (got '$slots')"
[[ "$net" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || refuse "NOISEDA_CLUSTER_NET must be three octets like 10.77.1 (got '$net')"
[ "$(id -u)" -eq 0 ] || refuse "needs root (network namespaces, a bridge, /etc/hosts, sshd); run it as root or with sudo"
for tool in ip unshare ssh ssh-keygen "$sshd"; do
  command -v "$tool" >/dev/null || refuse "$tool not found (apt-get install iproute2 util-linux openssh-client openssh-server, or launch/setup.sh --test)"
done

if [ -f "$state/hosts" ]; then
  up=$(wc -l <"$state/hosts")
  [ "$up" -eq "$hosts" ] || refuse "a cluster of $up hosts is up; run cluster/local/down.sh first"
else
  # Nothing of ours is up: names must be free, and this machine must allow what we need. The
  # probe makes (and removes) a namespace, a veth pair into it, a bridge and a UTS namespace.
  for k in $(seq 1 "$hosts"); do
    ! grep -qw "$(node "$k")" <<<"$(ip netns list)" || refuse "a namespace $(node "$k") exists that cluster/local/up.sh did not record; remove it first"
  done
  ! ip link show "$bridge" >/dev/null 2>&1 || refuse "a link $bridge exists that cluster/local/up.sh did not record; remove it first"
  if grep -q "^$net\.0/24 " <<<"$(ip route)"; then refuse "subnet $net.0/24 is already routed here; pick another with NOISEDA_CLUSTER_NET"; fi
  probe=ndp$$
  [ -d /run/netns ] && netns_dir_existed=1 || netns_dir_existed=0
  why=$( { ip netns add "$probe" && ip link add "$probe-a" type veth peer name eth0 netns "$probe" &&
    ip link add "$probe-b" type bridge && ip netns exec "$probe" unshare --uts true; } 2>&1) || probe_failed=1
  ip link del "$probe-a" 2>/dev/null || true
  ip link del "$probe-b" 2>/dev/null || true
  ip netns del "$probe" 2>/dev/null || true
  [ "$netns_dir_existed" -eq 1 ] || release_netns_dir
  [ -z "${probe_failed:-}" ] || refuse "this machine does not permit network namespaces, veth links or bridges ($(echo "$why" | head -n 1)); nothing was changed"

  mkdir -p -m 700 "$state"
  : >"$state/made"
  [ "$netns_dir_existed" -eq 1 ] || echo "dir /run/netns" >>"$state/made"
  if [ ! -d /run/sshd ]; then mkdir -p -m 755 /run/sshd && echo "dir /run/sshd" >>"$state/made"; fi
  for k in $(seq 1 "$hosts"); do node "$k"; done >"$state/hosts"
fi

# From here on a failure undoes everything (down.sh reads what $state records).
# A refusal from here on (sshd not allowed to run) keeps exit status 2.
trap 'status=$?; if [ $status -ne 0 ]; then [ $refused -eq 1 ] || echo "up.sh: failed (exit $status); undoing with down.sh" >&2
  "$here/down.sh" >&2 || true; [ $refused -eq 1 ] && exit 2; exit 1; fi' EXIT

# Keys: one user key (root's, for every host) and one host key per host, all new.
[ -f "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -C "noiseda-cluster user key" -f "$state/id_ed25519"
cp "$state/id_ed25519.pub" "$state/authorized_keys"
: >"$state/known_hosts.new"
for k in $(seq 1 "$hosts"); do
  name=$(node "$k")
  mkdir -p -m 700 "$state/$name"
  [ -f "$state/$name/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N "" -C "$name host key" -f "$state/$name/ssh_host_ed25519_key"
  echo "$name,$net.$k $(cut -d' ' -f1,2 "$state/$name/ssh_host_ed25519_key.pub")" >>"$state/known_hosts.new"
  cat >"$state/$name/sshd_config" <<EOF
# sshd of test host $name (cluster/local/up.sh); only the cluster's user key gets in.
ListenAddress $net.$k
Port 22
HostKey $state/$name/ssh_host_ed25519_key
PidFile $state/$name/sshd.pid
AuthorizedKeysFile $state/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxStartups 64:30:128
MaxSessions 64
LogLevel ERROR
EOF
done
mv "$state/known_hosts.new" "$state/known_hosts"
names=$(tr '\n' ' ' <"$state/hosts")
cat >"$state/ssh_config" <<EOF
# ssh to the test hosts without prompts: their host keys are known, the user key is ours.
Host ${names% }
  User root
  IdentityFile $state/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $state/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
EOF

# The bridge, with this machine's address on it, then one namespace per host.
if ! ip link show "$bridge" >/dev/null 2>&1; then
  ip link add "$bridge" type bridge
  echo "link $bridge" >>"$state/made"
fi
grep -q "inet $net.254/24" <<<"$(ip addr show dev "$bridge")" || ip addr add "$net.254/24" dev "$bridge"
ip link set "$bridge" up
for k in $(seq 1 "$hosts"); do
  name=$(node "$k")
  if ! grep -qw "$name" <<<"$(ip netns list)"; then
    ip netns add "$name"
    echo "netns $name" >>"$state/made"
  fi
  if ! ip link show "$name-v" >/dev/null 2>&1; then
    ip link add "$name-v" type veth peer name eth0 netns "$name"
    echo "link $name-v" >>"$state/made"
  fi
  ip link set "$name-v" master "$bridge" up
  ip -n "$name" link set lo up
  grep -q "inet $net.$k/24" <<<"$(ip -n "$name" addr show dev eth0)" || ip -n "$name" addr add "$net.$k/24" dev eth0
  ip -n "$name" link set eth0 up
done

# Host names for every namespace (they all read this /etc/hosts). Rewritten in place: /etc/hosts
# may be a bind mount.
hosts_file=$(mktemp)
grep -v "$mark" /etc/hosts >"$hosts_file" || true
for k in $(seq 1 "$hosts"); do echo "$net.$k $(node "$k") $mark"; done >>"$hosts_file"
cmp -s "$hosts_file" /etc/hosts || cat "$hosts_file" >/etc/hosts
rm -f "$hosts_file"

# One sshd per host, inside its namespace and with the host's own name (a UTS namespace), so
# `hostname`, Open MPI's node names and its session folders (/tmp/ompi.HOST.*) differ per host.
for k in $(seq 1 "$hosts"); do
  name=$(node "$k")
  sshd_running "$name" && continue
  rm -f "$state/$name/sshd.pid"
  ip netns exec "$name" unshare --uts sh -c "hostname $name && exec $sshd -f $state/$name/sshd_config -E $state/$name/sshd.log" \
    2>>"$state/$name/sshd.log" || true
  for _ in $(seq 50); do sshd_running "$name" && break; sleep 0.1; done
  if ! sshd_running "$name"; then
    why=$(tail -n 1 "$state/$name/sshd.log" 2>/dev/null)
    # A machine that forbids daemons in a namespace refuses; anything else is a failure.
    if grep -qiE "not permitted|permission denied|cannot bind|cannot assign" <<<"$why"; then
      refuse "this machine does not let sshd run in a network namespace ($why)"
    fi
    echo "up.sh: the sshd of $name did not start: ${why:-no message}" >&2
    exit 1
  fi
done

# Every host must answer ssh, from here and from its neighbour, without a prompt.
for k in $(seq 1 "$hosts"); do
  name=$(node "$k")
  next=$(node $((k % hosts + 1)))
  for _ in $(seq 50); do
    got=$(ssh -F "$state/ssh_config" "$name" hostname 2>/dev/null) && break
    sleep 0.1
  done
  [ "${got:-}" = "$name" ] || { echo "up.sh: ssh to $name answered '${got:-nothing}'" >&2; exit 1; }
  got=$(ip netns exec "$name" ssh -F "$state/ssh_config" "$next" hostname 2>&1) && [ "$got" = "$next" ] \
    || { echo "up.sh: ssh from $name to $next answered '$got'" >&2; exit 1; }
done

for k in $(seq 1 "$hosts"); do echo "$(node "$k") slots=$slots"; done >"$state/hostfile"
cat >"$state/env" <<EOF
# . $state/env: Open MPI's settings for the test hosts (cluster/local/up.sh): the hostfile, ssh
# with the cluster's keys (mpirun itself launches every daemon), TCP on the test subnet only, and
# daemon keepalives (10 s of silence, then 3 probes 2 s apart) so a vanished host ends the job
# in about 16 s; mpirun runs as root here.
export NOISEDA_CLUSTER_HOSTFILE=$state/hostfile
export OMPI_MCA_plm_rsh_agent="ssh -F $state/ssh_config"
export OMPI_MCA_plm_rsh_no_tree_spawn=1
export OMPI_MCA_btl_tcp_if_include=$net.0/24
export OMPI_MCA_oob_tcp_if_include=$net.0/24
export OMPI_MCA_oob_tcp_keepalive_time=10 OMPI_MCA_oob_tcp_keepalive_intvl=2 OMPI_MCA_oob_tcp_keepalive_probes=3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# and, while cluster/local/slurm-up.sh's Slurm is up, SLURM_CONF
[ ! -f $state/slurm/env ] || . $state/slurm/env
EOF
trap - EXIT
echo "up.sh: $hosts hosts up ($(tr '\n' ' ' <"$state/hosts")on $net.0/24 via $bridge, $slots slots each); hostfile $state/hostfile"
echo "up.sh: e.g. mpirun --allow-run-as-root --hostfile $state/hostfile -np $((hosts * slots)) --mca plm_rsh_agent \"ssh -F $state/ssh_config\" --mca btl tcp,self --mca btl_tcp_if_include $net.0/24 --mca oob_tcp_if_include $net.0/24 hostname"
