# Names shared by cluster/local/up.sh and down.sh (sourced, not run).
net=${NOISEDA_CLUSTER_NET:-10.77.1}
state=${NOISEDA_CLUSTER_STATE:-/run/noiseda-cluster}
bridge=nd-br0
mark="# noiseda-cluster"
sshd=/usr/sbin/sshd

# node K: the name of test host K (namespace and host name).
node() { echo "nd-node$1"; }

# sshd_running NAME: whether the sshd of test host NAME (its pid file, our config) is alive.
sshd_running() {
  local pid
  pid=$(cat "$state/$1/sshd.pid" 2>/dev/null) || return 1
  grep -q -- "-f $state/$1/sshd_config" <<<"$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
}

# release_netns_dir: removes /run/netns, which `ip netns add` creates and bind-mounts onto itself,
# when it holds no namespace (for a caller that found it missing).
release_netns_dir() {
  [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ] || return 0
  if grep -q " /run/netns /run/netns " /proc/self/mountinfo; then
    # umount(8) would leave libmount's /run/mount behind; the system call does not.
    "$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)" -c 'import ctypes, os, sys; libc = ctypes.CDLL(None, use_errno=True)
sys.exit(0 if libc.umount2(b"/run/netns", 0) == 0 else os.strerror(ctypes.get_errno()))' 2>/dev/null || umount /run/netns || return 0
  fi
  rmdir /run/netns 2>/dev/null || true
}
