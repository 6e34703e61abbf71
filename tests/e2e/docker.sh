#!/usr/bin/env bash
# docker.sh RUNTIME RESULTS WORK: a private dockerd (and the containerd it supervises) with
# RUNTIME added as runtime "e2e"; `docker run --runtime e2e`. Run through run-engine.sh.
# dockerd keeps everything under WORK: --data-root, --exec-root (the runtime's --root),
# pidfile, socket, and the private containerd it uses; no bridge, no iptables.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

SOCK=$WORK/docker.sock
# dockerd's own containerd would use a default config (its opt plugin creates /opt/containerd):
# it gets the private one of lib.sh instead, through --containerd.
start_containerd || { echo "setup|fail|containerd did not start" >> "$RESULTS"; exit 1; }
echo '{}' > "$WORK/daemon.json"
dockerd --config-file "$WORK/daemon.json" --data-root "$WORK/docker" --exec-root "$WORK/exec" \
  --pidfile "$WORK/docker.pid" -H "unix://$SOCK" --containerd "$CTRD_SOCK" \
  --bridge=none --iptables=false --ip-masq=false --ip6tables=false --userland-proxy=false \
  --storage-driver vfs --cgroup-parent "/$CG_TOP" --exec-opt native.cgroupdriver=cgroupfs \
  --add-runtime "e2e=$RT" --log-level warn > "$WORK/dockerd.log" 2>&1 &
ENGINE_PIDS+=("$!")
D=(docker -H "unix://$SOCK")
if ! wait_for 60 "${D[@]}" version; then
  tail -5 "$WORK/dockerd.log" >&2
  echo "setup|fail|dockerd did not start" >> "$RESULTS"; exit 1
fi
on_cleanup '"${D[@]}" rm -f $("${D[@]}" ps -aq)'
IMG=busybox:e2e
R=("${D[@]}" run --runtime e2e --network none)

make_oci_archive "$WORK/busybox.tar" "docker.io/library/$IMG" || die "building the image failed"
"${D[@]}" load -q -i "$WORK/busybox.tar" >/dev/null || { echo "setup|fail|docker load failed" >> "$RESULTS"; exit 1; }

# The runtime's --root is dockerd's choice (under exec-root); cort keeps a .lock beside
# state.json, runc does not: proof of who runs the container.
runs_on_rt() { # NAME
  local id d
  id=$("${D[@]}" inspect --format '{{.Id}}' "$1")
  d=$(find "$WORK/exec" /run -path "*/$id/state.json" -printf '%h\n' 2>/dev/null | head -1)
  [ -n "$d" ] || { echo "no runtime state for $id"; return 1; }
  echo "runtime state: $d"
  if [ "$RT_NAME" = cort ]; then [ -e "$d/.lock" ] || { echo "$d is not cort's"; return 1; }
  else [ ! -e "$d/.lock" ] || { echo "$d is cort's, expected $RT_NAME"; return 1; }; fi
}

s_run_output_exit() {
  expect_eq "output" "hello from docker" "$("${R[@]}" --rm "$IMG" echo hello from docker)"
  expect_eq "exit code" 3 "$(rc_of "${R[@]}" --rm "$IMG" sh -c 'exit 3')"
  # A missing binary: docker maps the runtime's "not found" error to 127.
  expect_eq "missing binary" 127 "$(rc_of "${R[@]}" --rm "$IMG" /no/such/binary)"
}

s_detach_exec_logs_stop() {
  "${R[@]}" -d --name c1 "$IMG" sh -c 'trap "echo bye; exit 0" TERM; echo started; while :; do sleep 0.2; done'
  wait_for 10 sh -c '"$@" logs c1 2>&1 | grep -q started' _ "${D[@]}"
  runs_on_rt c1
  expect_eq "exec output" inside "$("${D[@]}" exec c1 echo inside)"
  expect_eq "exec exit code" 5 "$(rc_of "${D[@]}" exec c1 sh -c 'exit 5')"
  expect_eq "exec env" bar "$("${D[@]}" exec -e FOO=bar c1 sh -c 'echo $FOO')"
  "${D[@]}" stop -t 10 c1
  expect_eq "exit code after stop" 0 "$("${D[@]}" inspect --format '{{.State.ExitCode}}' c1)"
  expect_match "logs" "started.*bye" "$("${D[@]}" logs c1 2>&1 | tr '\n' ' ')"
  "${D[@]}" rm c1
}

s_tty() {
  out=$(script -qec "${R[*]} --rm -t $IMG sh -c 'tty; test -t 0 && echo stdin-is-tty'" /dev/null | tr -d '\r')
  expect_match "tty" "/dev/pts/0" "$out"
  expect_match "stdin" "stdin-is-tty" "$out"
}

s_memory_pids_limits() {
  "${R[@]}" -d --name lim --memory 64m --pids-limit 20 "$IMG" sleep 1000
  pid=$("${D[@]}" inspect --format '{{.State.Pid}}' lim)
  expect_eq "memory.limit_in_bytes" 67108864 "$(cat "$(cg_path memory "$pid")/memory.limit_in_bytes")"
  expect_eq "pids.max" 20 "$(cat "$(cg_path pids "$pid")/pids.max")"
  out=$("${D[@]}" exec lim sh -c 'i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done; echo done' 2>&1 || true)
  expect_match "fork refused" "can't fork|Resource temporarily unavailable" "$out"
  "${D[@]}" rm -f lim
}

s_kill_signal() {
  "${R[@]}" -d --name k1 "$IMG" sh -c 'trap "exit 42" USR1; echo ready; while :; do sleep 0.2; done'
  wait_for 10 sh -c '"$@" logs k1 2>&1 | grep -q ready' _ "${D[@]}"
  "${D[@]}" kill -s USR1 k1
  expect_eq "exit code" 42 "$("${D[@]}" wait k1)"
  "${D[@]}" rm k1
}

s_pause_unpause() {
  "${R[@]}" -d --name p1 "$IMG" sleep 1000
  pid=$("${D[@]}" inspect --format '{{.State.Pid}}' p1)
  "${D[@]}" pause p1
  expect_eq "status" paused "$("${D[@]}" inspect --format '{{.State.Status}}' p1)"
  expect_eq "freezer" FROZEN "$(cat "$(cg_path freezer "$pid")/freezer.state")"
  "${D[@]}" unpause p1
  expect_eq "status" running "$("${D[@]}" inspect --format '{{.State.Status}}' p1)"
  "${D[@]}" rm -f p1
}

s_top_stats() {
  # docker top asks the runtime (`RUNTIME ps --format json`) for the container's pids.
  "${R[@]}" -d --name t1 --memory 64m "$IMG" sleep 1000
  expect_match "top" "sleep 1000" "$("${D[@]}" top t1)"
  expect_match "stats" "/ 64MiB" "$("${D[@]}" stats --no-stream --format '{{.MemUsage}}' t1)"
  "${D[@]}" rm -f t1
}

s_restart() {
  "${R[@]}" -d --name r1 "$IMG" sleep 1000
  pid1=$("${D[@]}" inspect --format '{{.State.Pid}}' r1)
  "${D[@]}" restart -t 0 r1
  pid2=$("${D[@]}" inspect --format '{{.State.Pid}}' r1)
  expect_eq "status" running "$("${D[@]}" inspect --format '{{.State.Status}}' r1)"
  [ "$pid1" != "$pid2" ] || { echo "same pid after restart: $pid1"; false; }
  runs_on_rt r1
  "${D[@]}" rm -f r1
}

s_oom_137() {
  expect_eq "exit code" 137 "$(rc_of "${R[@]}" --name oom --memory 32m --memory-swap 32m "$IMG" tail /dev/zero)"
  expect_eq "OOMKilled" true "$("${D[@]}" inspect --format '{{.State.OOMKilled}}' oom)"
  "${D[@]}" rm oom
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
