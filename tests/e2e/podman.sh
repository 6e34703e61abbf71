#!/usr/bin/env bash
# podman.sh RUNTIME RESULTS WORK: podman + conmon scenarios with RUNTIME as the OCI runtime.
# Run through run-engine.sh (private mount namespace, /run = WORK/run). Everything podman keeps
# is under WORK: storage (vfs driver), runroot, tmp_dir, file locks, events log, static dir.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

cat > "$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$WORK/storage"
runroot = "$WORK/runroot"
EOF
# default_ulimits: below this host's hard limits (root here lacks CAP_SYS_RESOURCE, so podman's
# own default, nofile=1048576, would fail in the runtime's setrlimit).
# runtime_supports_json: conmon passes --log-format=json only to the runtimes named here.
cat > "$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
tmp_dir = "$WORK/tmp"
static_dir = "$WORK/storage/libpod"
volume_path = "$WORK/storage/volumes"
lock_type = "file"
num_locks = 64
runtime_supports_json = ["$RT_NAME", "runc", "crun"]
[network]
network_config_dir = "$WORK/net"
EOF
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
export CONTAINERS_REGISTRIES_CONF=$WORK/registries.conf
: > "$WORK/registries.conf"
mkdir -p "$WORK/net"
P=(podman --runtime "$RT" --cgroup-manager cgroupfs --events-backend file)
# Every container (and its conmon, in PARENT/conmon) under this run's own cgroup parent, not
# podman's shared default /libpod_parent.
PR=("${P[@]}" run --cgroup-parent "/$CG_TOP")
IMG=localhost/busybox:e2e
on_cleanup '"${P[@]}" rm -af -t 0'

make_rootfs_tar "$WORK/rootfs.tar" || die "building the rootfs failed"
"${P[@]}" import -q --change CMD=sh "$WORK/rootfs.tar" "$IMG" >/dev/null || { echo "setup|fail|podman import failed" >> "$RESULTS"; exit 1; }

# conmon's command line names the runtime it drives: proof that the container ran on $RT.
runs_on_rt() { # NAME
  local cpid
  cpid=$("${P[@]}" inspect --format '{{.State.ConmonPid}}' "$1")
  tr '\0' ' ' < "/proc/$cpid/cmdline" | grep -q -- "-r $RT " || { echo "conmon of $1 is not driving $RT: $(tr '\0' ' ' < /proc/$cpid/cmdline)"; return 1; }
}

s_run_output_exit() {
  out=$("${PR[@]}" --rm "$IMG" echo hello from podman)
  expect_eq "output" "hello from podman" "$out"
  expect_eq "exit code" 3 "$(rc_of "${PR[@]}" --rm "$IMG" sh -c 'exit 3')"
  # A missing binary: podman maps the runtime's "not found" error to 127.
  expect_eq "missing binary" 127 "$(rc_of "${PR[@]}" --rm "$IMG" /no/such/binary)"
}

s_detach_exec_logs_stop() {
  "${PR[@]}" -d --name c1 "$IMG" sh -c 'trap "echo bye; exit 0" TERM; echo started; while :; do sleep 0.2; done'
  wait_for 10 sh -c "\"\$@\" logs c1 | grep -q started" _ "${P[@]}"
  runs_on_rt c1
  expect_eq "exec output" "inside" "$("${P[@]}" exec c1 echo inside)"
  expect_eq "exec exit code" 5 "$(rc_of "${P[@]}" exec c1 sh -c 'exit 5')"
  expect_eq "exec env" "bar" "$("${P[@]}" exec -e FOO=bar c1 sh -c 'echo $FOO')"
  "${P[@]}" stop -t 10 c1
  expect_eq "exit code after stop" 0 "$("${P[@]}" inspect --format '{{.State.ExitCode}}' c1)"
  expect_match "logs" "started.*bye" "$("${P[@]}" logs c1 | tr '\n' ' ')"
  "${P[@]}" rm c1
}

s_tty() {
  out=$(script -qec "${PR[*]} --rm -t $IMG sh -c 'tty; test -t 0 && echo stdin-is-tty'" /dev/null | tr -d '\r')
  expect_match "tty" "/dev/pts/0" "$out"
  expect_match "stdin" "stdin-is-tty" "$out"
}

s_memory_pids_limits() {
  "${PR[@]}" -d --name lim --memory 64m --pids-limit 20 "$IMG" sleep 1000
  pid=$("${P[@]}" inspect --format '{{.State.Pid}}' lim)
  expect_eq "memory.limit_in_bytes" 67108864 "$(cat "$(cg_path memory "$pid")/memory.limit_in_bytes")"
  expect_eq "pids.max" 20 "$(cat "$(cg_path pids "$pid")/pids.max")"
  # Enforced: 30 background sleeps cannot all fork under pids.max=20.
  out=$("${P[@]}" exec lim sh -c 'i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done; echo done' 2>&1 || true)
  expect_match "fork refused" "can't fork|Resource temporarily unavailable" "$out"
  n=$(cat "$(cg_path pids "$pid")/pids.current")
  [ "$n" -le 20 ] || { echo "pids.current $n > 20"; false; }
  "${P[@]}" rm -f -t 0 lim
}

s_kill_signal() {
  "${PR[@]}" -d --name k1 "$IMG" sh -c 'trap "exit 42" USR1; echo ready; while :; do sleep 0.2; done'
  # Signal only once the trap is set (a loaded machine may take a while to get there).
  wait_for 10 sh -c '"$@" logs k1 | grep -q ready' _ "${P[@]}"
  "${P[@]}" kill -s USR1 k1
  expect_eq "exit code" 42 "$("${P[@]}" wait k1)"
  "${P[@]}" rm k1
  "${PR[@]}" -d --name k2 "$IMG" sleep 1000
  "${P[@]}" kill k2
  expect_eq "SIGKILL exit code" 137 "$("${P[@]}" wait k2)"
  "${P[@]}" rm k2
}

s_pause_unpause() {
  "${PR[@]}" -d --name p1 "$IMG" sleep 1000
  pid=$("${P[@]}" inspect --format '{{.State.Pid}}' p1)
  "${P[@]}" pause p1
  expect_eq "status" paused "$("${P[@]}" inspect --format '{{.State.Status}}' p1)"
  expect_eq "freezer" FROZEN "$(cat "$(cg_path freezer "$pid")/freezer.state")"
  "${P[@]}" unpause p1
  expect_eq "status" running "$("${P[@]}" inspect --format '{{.State.Status}}' p1)"
  expect_eq "freezer" THAWED "$(cat "$(cg_path freezer "$pid")/freezer.state")"
  "${P[@]}" rm -f -t 0 p1
}

s_top_stats() {
  "${PR[@]}" -d --name t1 --memory 64m "$IMG" sleep 1000
  expect_match "top" "sleep 1000" "$("${P[@]}" top t1)"
  mem=$("${P[@]}" stats --no-stream --format '{{.MemUsage}}' t1)
  expect_match "stats" "/ 67.11MB" "$mem"
  "${P[@]}" rm -f -t 0 t1
}

s_restart() {
  "${PR[@]}" -d --name r1 "$IMG" sleep 1000
  pid1=$("${P[@]}" inspect --format '{{.State.Pid}}' r1)
  "${P[@]}" restart -t 0 r1
  pid2=$("${P[@]}" inspect --format '{{.State.Pid}}' r1)
  expect_eq "status" running "$("${P[@]}" inspect --format '{{.State.Status}}' r1)"
  [ "$pid1" != "$pid2" ] || { echo "same pid after restart: $pid1"; false; }
  runs_on_rt r1
  "${P[@]}" rm -f -t 0 r1
}

s_oom_137() {
  rc=$(rc_of "${PR[@]}" --name oom --memory 32m --memory-swap 32m "$IMG" tail /dev/zero)
  expect_eq "exit code" 137 "$rc"
  "${P[@]}" rm oom
}

scenario run-output-exit s_run_output_exit
scenario detach-exec-logs-stop-rm s_detach_exec_logs_stop
scenario tty s_tty
scenario memory-pids-limits s_memory_pids_limits
scenario kill-signal s_kill_signal
scenario pause-unpause s_pause_unpause
scenario top-stats s_top_stats
scenario restart s_restart
scenario oom-exit-137 s_oom_137
