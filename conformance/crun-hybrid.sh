#!/bin/sh
# crun-hybrid.sh: run crun on a cgroup v1 "hybrid" host.
#
# crun 1.8.1 refuses hybrid hosts whose cgroup2 mount (/sys/fs/cgroup/unified) has controllers
# ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), even with
# --cgroup-manager=disabled. Hiding that one mount in a private mount namespace of crun's own
# makes crun see plain cgroup v1 and use it; nothing changes for the host (unshare makes the
# namespace's mounts private, so the unmount does not propagate). The container's processes and
# cgroups are the host's as usual, so every crun command (create, start, state, kill, delete)
# goes through this wrapper with its own throwaway namespace.
CRUN=${CRUN:-/usr/bin/crun}
if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then  # (cgroupfs files report size 0)
  exec unshare -m sh -c 'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"' "$CRUN" "$@"
fi
exec "$CRUN" "$@"
