# lib.sh: shared by the engine scripts of tests/e2e (sourced, not run).
#
# Each engine script runs as `ENGINE.sh RUNTIME RESULTS WORK` inside a private mount namespace
# (see run-engine.sh): /run is bound to WORK/run there and /var/lib is a tmpfs, so whatever an
# engine writes under them (shim sockets, fifos, default runtime roots, image caches) lands in
# WORK or vanishes with the namespace. All the other
# paths (storage, state, sockets, configs) are given explicitly under WORK.
#
# Scenarios are shell functions; `scenario NAME FN` runs FN in a `set -e` subshell with its output
# in WORK/logs/NAME.log and appends `NAME|pass|` or `NAME|fail|last lines of the log` to RESULTS.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_DIR/../.." && pwd)

e2e_setup() { # RUNTIME RESULTS WORK
  RT=$1 RESULTS=$2 WORK=$3
  RT_NAME=$(basename "$RT")
  # Unique per run (WORK is mktemp's): the top cgroup of every container of this run, so that
  # concurrent runs (other worktrees' ctest) never share, clean or count each other's cgroups.
  CG_TOP=$(basename "$WORK")
  echo "$CG_TOP" > "$WORK/cgroup-roots"
  mkdir -p "$WORK/logs" "$WORK/run"
  # conmon writes an `oom` marker file into its working directory (inherited from podman):
  # keep that, and anything else an engine drops in its cwd, inside WORK.
  cd "$WORK" || exit 1
  : > "$RESULTS"
  ENGINE_PIDS=()
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

log() { echo "# $*" >&2; }
die() { echo "e2e: $*" >&2; exit 1; }

# Cleanup hooks registered by the engine script (run in reverse order), then the engine pids.
CLEANUP_HOOKS=()
on_cleanup() { CLEANUP_HOOKS+=("$*"); }
e2e_cleanup() {
  local i
  set +e
  for ((i = ${#CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do eval "${CLEANUP_HOOKS[i]}" >/dev/null 2>&1; done
  # Last started first: dockerd before the containerd it uses.
  for ((i = ${#ENGINE_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${ENGINE_PIDS[i]}"; done
}

# stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL. Only pids this script started.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds (SECONDS of wall time: on a
# loaded machine one try of an engine's CLI may itself take a second).
wait_for() {
  local end=$((SECONDS + $1)); shift
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}

scenario() { # NAME FN
  local name=$1 fn=$2 rc t0 t1 why
  t0=$(date +%s.%N)
  ( set -eo pipefail; "$fn" ) > "$WORK/logs/$name.log" 2>&1 </dev/null
  rc=$?
  t1=$(date +%s.%N)
  if [ $rc -eq 0 ]; then
    echo "$name|pass|" >> "$RESULTS"
    printf 'ok      %-28s %5.1fs\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" >&2
  else
    why=$(tail -n 3 "$WORK/logs/$name.log" | tr '\n|' '  ' | cut -c1-300)
    echo "$name|fail|$why" >> "$RESULTS"
    printf 'not ok  %-28s %5.1fs  %s\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$why" >&2
  fi
}

# Assertions for scenarios: each prints what it saw, so a failing log says why.
expect_eq() { # WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || { echo "FAIL: $1: expected '$2', got '$3'"; return 1; }
}
expect_match() { # WHAT REGEX ACTUAL
  [[ $3 =~ $2 ]] || { echo "FAIL: $1: expected /$2/, got '$3'"; return 1; }
}
# rc_of CMD...: the exit status of CMD, without tripping set -e.
rc_of() { local rc=0; "$@" || rc=$?; echo "$rc"; }

# --- the image: Debian's busybox-static, built offline ---------------------------------------

# make_rootfs DIR: DIR/rootfs is a busybox rootfs (scripts/make-bundle.sh's).
make_rootfs() {
  BUSYBOX=${BUSYBOX:-/bin/busybox} RUNTIME=${RT} "$E2E_REPO/scripts/make-bundle.sh" "$1" true >/dev/null
}

# make_rootfs_tar OUT: a tar of the busybox rootfs (for `podman import`).
make_rootfs_tar() {
  local d=$WORK/img-rootfs
  make_rootfs "$d"
  tar -C "$d/rootfs" --numeric-owner --owner=0 --group=0 -cf "$1" .
}

# make_oci_archive OUT NAME: one file that both `ctr image import` (OCI layout: oci-layout,
# index.json with the io.containerd.image.name annotation) and docker 20.10's `docker load`
# (manifest.json, which predates OCI layout support in docker) read. One uncompressed layer, so
# its digest is also its diff_id. NAME like docker.io/library/busybox:e2e.
make_oci_archive() {
  local out=$1 name=$2 d=$WORK/img-oci ld ls cd cs md ms short
  rm -rf "$d"; mkdir -p "$d/blobs/sha256"
  make_rootfs "$WORK/img-rootfs"
  tar -C "$WORK/img-rootfs/rootfs" --numeric-owner --owner=0 --group=0 -cf "$d/layer.tar" .
  ld=$(sha256sum "$d/layer.tar" | cut -d' ' -f1); ls=$(stat -c %s "$d/layer.tar")
  mv "$d/layer.tar" "$d/blobs/sha256/$ld"
  jq -cn --arg ld "sha256:$ld" '{architecture:"amd64", os:"linux",
      config:{Env:["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd:["sh"]},
      rootfs:{type:"layers", diff_ids:[$ld]}}' > "$d/config.json"
  cd=$(sha256sum "$d/config.json" | cut -d' ' -f1); cs=$(stat -c %s "$d/config.json")
  mv "$d/config.json" "$d/blobs/sha256/$cd"
  jq -cn --arg cd "sha256:$cd" --argjson cs "$cs" --arg ld "sha256:$ld" --argjson ls "$ls" \
    '{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
      config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$cd, size:$cs},
      layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar", digest:$ld, size:$ls}]}' > "$d/m.json"
  md=$(sha256sum "$d/m.json" | cut -d' ' -f1); ms=$(stat -c %s "$d/m.json")
  mv "$d/m.json" "$d/blobs/sha256/$md"
  short=${name##*/}
  jq -cn --arg md "sha256:$md" --argjson ms "$ms" --arg name "$name" --arg tag "${name##*:}" \
    '{schemaVersion:2, manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",
      digest:$md, size:$ms, platform:{architecture:"amd64", os:"linux"},
      annotations:{"io.containerd.image.name":$name, "org.opencontainers.image.ref.name":$tag}}]}' \
    > "$d/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$d/oci-layout"
  jq -cn --arg c "blobs/sha256/$cd" --arg l "blobs/sha256/$ld" --arg t "$short" \
    '[{Config:$c, RepoTags:[$t], Layers:[$l]}]' > "$d/manifest.json"
  tar -C "$d" -cf "$out" oci-layout index.json manifest.json blobs
}

# --- cgroup helpers (v1 hierarchy: /sys/fs/cgroup/CONTROLLER/PATH) ---------------------------

# cg_path CONTROLLER PID: the path of PID's cgroup in CONTROLLER's v1 hierarchy.
cg_path() {
  local p
  p=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$2/cgroup")
  echo "/sys/fs/cgroup/$1$p"
}

# cg_remove_tree REL: remove the cgroup REL (and its children) from every v1 hierarchy,
# killing nothing: a cgroup that still has processes stays (and is reported by the caller).
cg_remove_tree() {
  local rel=$1 h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$rel" ] || continue
    find "$h$rel" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

# --- containerd (containerd.sh, cri.sh, docker.sh's own copy is dockerd's) --------------------

# start_containerd [EXTRA_TOML]: a private containerd: config, root, state, sockets, opt dir in
# WORK; the CRI plugin disabled unless EXTRA_TOML configures it. Sets CTRD_SOCK, CTRD_PID.
start_containerd() {
  local extra=${1:-} disabled='"io.containerd.grpc.v1.cri",'
  [ -z "$extra" ] || disabled=
  CTRD_SOCK=$WORK/containerd.sock
  cat > "$WORK/containerd.toml" <<EOT
version = 2
root = "$WORK/containerd-root"
state = "$WORK/containerd-state"
disabled_plugins = [$disabled "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$WORK/containerd-opt"
$extra
EOT
  containerd --config "$WORK/containerd.toml" > "$WORK/containerd.log" 2>&1 &
  CTRD_PID=$!
  ENGINE_PIDS+=("$CTRD_PID")
  if ! wait_for 30 ctr -a "$CTRD_SOCK" version; then
    tail -5 "$WORK/containerd.log" >&2
    return 1
  fi
}
