#!/usr/bin/env bash
# containerd.sh RUNTIME RESULTS WORK: a private containerd, containers run through
# containerd-shim-runc-v2 with `ctr run --runc-binary RUNTIME`. Run through run-engine.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

# containerd's default cgroupsPath for ctr's containers is /NAMESPACE/ID: a namespace per run.
NS=$CG_TOP
IMG=docker.io/library/busybox:e2e
start_containerd || { echo "setup|fail|containerd did not start" >> "$RESULTS"; exit 1; }
C=(ctr -a "$CTRD_SOCK" -n "$NS")
# Tasks then containers, in case a scenario died half-way.
on_cleanup 'for c in $("${C[@]}" c ls -q); do "${C[@]}" task kill -s SIGKILL $c; sleep 0.2; "${C[@]}" task delete -f $c; "${C[@]}" c delete $c; done'
RUN=("${C[@]}" run --snapshotter native --runc-binary "$RT")

make_oci_archive "$WORK/busybox.tar" "$IMG" || die "building the image failed"
"${C[@]}" image import --snapshotter native "$WORK/busybox.tar" >/dev/null \
  || { echo "setup|fail|ctr image import failed" >> "$RESULTS"; exit 1; }

# The shim runs the runtime with --root /run/containerd/runc/NS (here under WORK/run); cort keeps
# a .lock beside state.json in each container's dir, runc does not: proof of who ran the task.
runs_on_rt() { # ID
  local d=/run/containerd/runc/$NS/$1
  [ -e "$d/state.json" ] || { echo "no runtime state in $d"; ls -la "$d"; return 1; }
  if [ "$RT_NAME" = cort ]; then [ -e "$d/.lock" ] || { echo "$d is not cort's"; return 1; }
  else [ ! -e "$d/.lock" ] || { echo "$d is cort's, expected $RT_NAME"; return 1; }; fi
}

task_status() { "${C[@]}" task ls | awk -v id="$1" '$1 == id { print $3 }'; }

s_run_output_exit() {
  expect_eq "output" "hello from containerd" "$("${RUN[@]}" --rm "$IMG" r1 echo hello from containerd)"
  expect_eq "exit code" 3 "$(rc_of "${RUN[@]}" --rm "$IMG" r2 sh -c 'exit 3')"
}

s_detach_exec_kill_delete() {
  "${RUN[@]}" -d "$IMG" d1 sh -c 'trap "exit 0" TERM; touch /tmp/ready; while :; do sleep 0.2; done'
  # pid 1 ignores an unhandled TERM: send it only once the trap is set.
  wait_for 10 "${C[@]}" task exec --exec-id ready d1 test -e /tmp/ready
  runs_on_rt d1
  expect_eq "status" RUNNING "$(task_status d1)"
  expect_eq "exec output" inside "$("${C[@]}" task exec --exec-id e1 d1 echo inside)"
  expect_eq "exec exit code" 5 "$(rc_of "${C[@]}" task exec --exec-id e2 d1 sh -c 'exit 5')"
  "${C[@]}" task kill -s SIGTERM d1
  wait_for 10 sh -c '[ "$("$@" task ls | awk "\$1 == \"d1\" { print \$3 }")" = STOPPED ]' _ "${C[@]}"
  "${C[@]}" task delete d1
  "${C[@]}" container delete d1
  [ ! -e "/run/containerd/runc/$NS/d1" ] || { echo "runtime state of d1 left behind"; false; }
}

s_tty() {
  out=$(script -qec "${RUN[*]} -t --rm $IMG t1 sh -c 'tty; test -t 0 && echo stdin-is-tty'" /dev/null | tr -d '\r')
  expect_match "tty" "/dev/pts/0" "$out"
  expect_match "stdin" "stdin-is-tty" "$out"
}

s_memory_limit() {
  "${RUN[@]}" -d --memory-limit 67108864 "$IMG" m1 sleep 1000
  pid=$("${C[@]}" task ls | awk '$1 == "m1" { print $2 }')
  expect_eq "memory.limit_in_bytes" 67108864 "$(cat "$(cg_path memory "$pid")/memory.limit_in_bytes")"
  "${C[@]}" task kill -s SIGKILL m1
  wait_for 10 sh -c '[ "$("$@" task ls | awk "\$1 == \"m1\" { print \$3 }")" = STOPPED ]' _ "${C[@]}"
  "${C[@]}" task delete m1; "${C[@]}" container delete m1
  # Enforced: tail buffers /dev/zero (no newline ever) until the OOM killer stops it.
  expect_eq "OOM exit code" 137 "$(rc_of "${RUN[@]}" --rm --memory-limit 33554432 "$IMG" m2 tail /dev/zero)"
}

s_task_ps() {
  "${RUN[@]}" -d "$IMG" p1 sh -c 'sleep 1000 & sleep 1000; true'
  pid=$("${C[@]}" task ls | awk '$1 == "p1" { print $2 }')
  wait_for 10 sh -c '[ "$("$@" task ps p1 | tail -n +2 | wc -l)" -ge 3 ]' _ "${C[@]}" || "${C[@]}" task ps p1
  out=$("${C[@]}" task ps p1)
  echo "$out"
  expect_match "init pid listed" "(^|[^0-9])$pid([^0-9]|$)" "$out"
  expect_eq "process count" 3 "$(echo "$out" | tail -n +2 | wc -l)"
  "${C[@]}" task kill -a -s SIGKILL p1
  wait_for 10 sh -c '[ "$("$@" task ls | awk "\$1 == \"p1\" { print \$3 }")" = STOPPED ]' _ "${C[@]}"
  "${C[@]}" task delete p1; "${C[@]}" container delete p1
}

scenario run-output-exit s_run_output_exit
scenario detach-exec-kill-delete s_detach_exec_kill_delete
scenario tty s_tty
scenario memory-limit-oom s_memory_limit
scenario task-ps s_task_ps
