#!/bin/sh
# cort's cgroup v2 cases, run by guest-init.sh inside the qemu guest (busybox sh, cgroup2 at
# /sys/fs/cgroup with every controller enabled at the root). One TAP line per case, with
# "# " diagnostics after a failure; the plan comes last. Bundles and resources files were
# made on the host (run-cgroupv2.sh); they share the rootfs /rootfs.
CORT="cort --root /run/cort"
CG=/sys/fs/cgroup
n=0
failed=""   # diagnostics of the current case; empty = pass

note() { failed="$failed$*
"; }
begin() { failed=""; }
end() {
    n=$((n + 1))
    if [ -z "$failed" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        printf '%s' "$failed" | sed 's/^/#   /'
    fi
}
# expect_file ID FILE VALUE: the container's cgroup file holds VALUE (whitespace-normalised)
expect_file() {
    if [ ! -e "$CG/$1/$2" ]; then note "$CG/$1/$2: missing"; return; fi
    got=$(tr '\n' ' ' < "$CG/$1/$2" | sed 's/ *$//')
    [ "$got" = "$3" ] || note "$2: got '$got', want '$3'"
}
# expect_file_if ID FILE VALUE: same, when the kernel has the file
expect_file_if() { [ -e "$CG/$1/$2" ] && expect_file "$@"; }
# run_ok CMD...: the command succeeds (its output is kept in $out)
run_ok() {
    out=$("$@" 2>&1) || note "'$*' failed ($?): $out"
}
# run_fails PATTERN CMD...: the command fails and its output contains PATTERN
run_fails() {
    pat=$1; shift
    if out=$("$@" 2>&1); then note "'$*' succeeded, want an error with '$pat'"; return; fi
    case $out in *"$pat"*) ;; *) note "'$*': error lacks '$pat': $out" ;; esac
}
status_of() { $CORT state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
pid_of() { $CORT state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
# wait_status ID STATUS: up to ~10 s
wait_status() {
    i=0
    while [ "$(status_of "$1")" != "$2" ]; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then note "$1: status '$(status_of "$1")' after 10s, want '$2'"; return 1; fi
        sleep 0.1
    done
}
# start BUNDLE ID: create + start, stdio to /tmp/ID.out
start() {
    if ! $CORT create --bundle "/bundles/$1" "$2" </dev/null >"/tmp/$2.out" 2>&1; then
        note "create $2 from $1 failed: $(cat "/tmp/$2.out")"; return 1
    fi
    if ! out=$($CORT start "$2" 2>&1); then note "start $2 failed: $out"; return 1; fi
}
# procs_running ID "CMD ARGS ": the pids in the container's cgroup running exactly that command
procs_running() {
    for p in $(cat "$CG/$1/cgroup.procs" 2>/dev/null); do
        [ "$(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null)" = "$2" ] && echo "$p"
    done
}
cleanup() {
    $CORT delete --force "$1" >/dev/null 2>&1
    [ ! -e "$CG/$1" ] || note "$CG/$1 still exists after delete"
}
# no_trace ID: nothing left of a container whose create failed
no_trace() {
    [ ! -e "$CG/$1" ] || note "$CG/$1 left behind"
    [ ! -e "/run/cort/$1" ] || note "/run/cort/$1 left behind"
}

# ---------------------------------------------------------------- every resource lands

begin
if start all res; then
    expect_file res memory.max 67108864
    expect_file res memory.low 33554432
    expect_file_if res memory.swap.max 33554432   # 96M memory+swap - 64M memory
    expect_file res memory.high 62914560          # unified
    expect_file res memory.oom.group 1            # unified
    expect_file res cpu.weight 59                 # shares 512
    expect_file res cpu.max "50000 100000"
    expect_file res cpu.max.burst 10000
    expect_file res cpuset.cpus 0
    expect_file res cpuset.mems 0
    expect_file res pids.max 100
    expect_file res io.weight "default 4950"      # blkio weight 500
    expect_file res io.max "1:0 rbps=1048576 wbps=max riops=max wiops=100"
    expect_file res hugetlb.2MB.max 4194304
    expect_file_if res hugetlb.2MB.rsvd.max 4194304
    grep -q "^$(pid_of res)\$" "$CG/res/cgroup.procs" || note "init pid not in $CG/res/cgroup.procs"
fi
end "create writes every linux.resources field to its v2 file"

begin
for c in cpu cpuset io memory pids hugetlb; do
    grep -qw $c "$CG/res/cgroup.controllers" 2>/dev/null || note "controller $c not enabled for the container"
done
end "the container's cgroup has the cpu cpuset io memory pids hugetlb controllers"

begin
if start idle idle; then expect_file idle cpu.idle 1; fi
cleanup idle
end "cpu.idle"

begin
if start nolimit nolim; then
    expect_file nolim memory.max max
    expect_file_if nolim memory.swap.max max
    expect_file nolim cpu.max "max 100000"
fi
cleanup nolim
end "memory.limit -1 lifts memory and swap; cpu.quota -1 writes max"

begin
nullb=$(cat /sys/block/nullb0/dev 2>/dev/null)
if [ -z "$nullb" ]; then
    note "no null_blk disk"
elif start wdev wdev; then
    expect_file wdev io.weight "default 100 $nullb 1920"   # blkio 200 -> io 1920
fi
cleanup wdev
end "blockIO.weightDevice writes the device's io.weight"

begin
if start nested nested; then
    d=$CG/outer/inner
    [ -d $d ] || note "$d missing"
    expect_file outer/inner memory.max 33554432
    expect_file outer/inner pids.max 10
    for c in memory pids; do
        grep -qw $c $CG/cgroup.subtree_control || note "$c not in the root's subtree_control"
        grep -qw $c $CG/outer/cgroup.subtree_control || note "$c not in /outer's subtree_control"
    done
    grep -q "^$(pid_of nested)\$" $d/cgroup.procs || note "init not in $d/cgroup.procs"
fi
cleanup nested
[ ! -e $CG/outer/inner ] || note "$CG/outer/inner left"
[ -d $CG/outer ] || note "the shared ancestor $CG/outer was removed"
rmdir $CG/outer 2>/dev/null
end "an absolute cgroupsPath two levels deep: controllers enabled in every ancestor"

# ---------------------------------------------------------------- commands on "res"

begin
$CORT exec -d res sleep 31 >/dev/null 2>&1 || note "exec -d failed"
i=0
while found=$(procs_running res "sleep 31 "); [ -z "$found" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$found" ] || note "the exec'd process is not in $CG/res/cgroup.procs: $(cat $CG/res/cgroup.procs)"
end "exec lands in the container's cgroup"

begin
mkdir $CG/res/sub
$CORT exec -d --cgroup sub res sleep 33 >/dev/null 2>&1 || note "exec -d --cgroup sub failed"
i=0
while found=$(procs_running res/sub "sleep 33 "); [ -z "$found" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$found" ] || note "the exec'd process is not in $CG/res/sub/cgroup.procs: $(cat $CG/res/sub/cgroup.procs)"
[ -z "$(procs_running res "sleep 33 ")" ] || note "the exec'd process is in $CG/res itself"
before=$(cat $CG/res/cgroup.procs $CG/res/sub/cgroup.procs | sort | tr '\n' ' ')
run_fails "--cgroup" $CORT exec --cgroup .. res true
case $out in *"is not a sub cgroup path"*) ;; *) note "'..' error does not say why: $out" ;; esac
run_fails "--cgroup" $CORT exec --cgroup nope res true
case $out in *"$CG/res/nope does not exist"*) ;; *) note "missing sub-cgroup error does not name it: $out" ;; esac
[ ! -e $CG/res/nope ] || note "exec created $CG/res/nope"
run_fails "--cgroup" $CORT exec --cgroup pids:sub res true
after=$(cat $CG/res/cgroup.procs $CG/res/sub/cgroup.procs | sort | tr '\n' ' ')
[ "$before" = "$after" ] || note "a failed exec changed the container's processes: '$before' -> '$after'"
[ -n "$found" ] && kill -9 $found
i=0
while ! rmdir $CG/res/sub 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ ! -e $CG/res/sub ] || note "$CG/res/sub could not be removed"
end "exec --cgroup sub joins the sub-cgroup; '..', a missing one and a controller prefix are refused"

begin
# The init moved to a sub-cgroup and the container's cgroup passes pids down: v2 lets no
# process join it. A plain exec falls back to the init's cgroup; --cgroup / names that
# cgroup, so it fails (runc: --cgroup disables the fallback); --cgroup kid joins kid.
if start plain fb; then
    mkdir $CG/fb/kid && echo "$(pid_of fb)" > $CG/fb/kid/cgroup.procs && echo +pids > $CG/fb/cgroup.subtree_control \
        || note "could not move the init to $CG/fb/kid and enable pids"
    run_ok $CORT exec fb true
    run_fails "--cgroup: join $CG/fb " $CORT exec --cgroup / fb true
    case $out in *"passes controllers to sub-cgroups"*) ;; *) note "EBUSY not explained: $out" ;; esac
    run_ok $CORT exec --cgroup kid fb true
fi
cleanup fb
end "exec --cgroup on v2: no fallback to the init's cgroup when the named one refuses"

begin
run_ok $CORT update --memory 128m --memory-swap 256m --memory-reservation 64m --pids-limit 20 \
    --cpu-quota 20000 --cpu-period 50000 --cpu-share 2048 --cpu-burst 5000 --cpuset-cpus 1 --blkio-weight 100 res
expect_file res memory.max 134217728
expect_file_if res memory.swap.max 134217728
expect_file res memory.low 67108864
expect_file res pids.max 20
expect_file res cpu.max "20000 50000"
expect_file res cpu.weight 174
expect_file res cpu.max.burst 5000
expect_file res cpuset.cpus 1
expect_file res io.weight "default 910"
end "update flags change the v2 files"

begin
run_ok $CORT update --cpu-share 2 res
expect_file res cpu.weight 1
run_ok $CORT update --cpu-share 262144 res
expect_file res cpu.weight 10000
run_ok $CORT update --cpu-share 1024 res
expect_file res cpu.weight 100
run_ok $CORT update --cpu-share 2048 res
end "cpu.shares 2, 262144, 1024 give cpu.weight 1, 10000, 100"

begin
run_ok $CORT update --memory 32m --memory-swap 48m res
expect_file res memory.max 33554432
expect_file_if res memory.swap.max 16777216
run_ok $CORT update --memory 256m --memory-swap 512m res
expect_file res memory.max 268435456
expect_file_if res memory.swap.max 268435456
run_ok $CORT update --memory 128m --memory-swap 256m res
end "update of memory with memory+swap converts to memory.swap.max both ways"

begin
run_ok $CORT update --resources /files/update.json res
expect_file res memory.max 100663296
expect_file res pids.max 30
expect_file res cpu.max "max 50000"   # quota lifted, period kept
expect_file res cpu.weight 174        # untouched
end "update --resources FILE"

begin
run_ok $CORT update --cpu-period 200000 res
expect_file res cpu.max "max 200000"
run_ok $CORT update --cpu-quota 30000 res
expect_file res cpu.max "30000 200000"
end "update of only the cpu period or quota keeps the other half of cpu.max"

begin
run_fails "--pids-limit" $CORT update --pids-limit -5 --memory 32m res
expect_file res memory.max 100663296
run_fails "cpuset.cpus" $CORT update --cpuset-cpus 7 res
expect_file res cpuset.cpus 1
printf '{"memory":{"limit":33554432},"unified":{"memory.nosuch":"1"}}' > /tmp/bad.json
run_fails "unified.memory.nosuch" $CORT update -r /tmp/bad.json res
expect_file res memory.max 100663296
end "update refuses bad input and changes nothing"

begin
run_ok $CORT pause res
expect_file res cgroup.freeze 1
grep -q "frozen 1" $CG/res/cgroup.events || note "cgroup.events: $(cat $CG/res/cgroup.events)"
[ "$(status_of res)" = paused ] || note "state after pause: $(status_of res)"
run_ok $CORT resume res
expect_file res cgroup.freeze 0
[ "$(status_of res)" = running ] || note "state after resume: $(status_of res)"
end "pause and resume through cgroup.freeze; state says paused"

begin
run_ok $CORT ps --format json res
case $out in *"$(pid_of res)"*) ;; *) note "ps json lacks the init pid $(pid_of res): $out" ;; esac
case $out in "["*"]") ;; *) note "ps json is not an array: $out" ;; esac
end "ps --format json lists the container's pids"

begin
run_ok $CORT events --stats res
for k in '"type":"stats"' '"memory"' '"cpu"' '"pids"' '"usage"' '"current"' '"hugetlb"'; do
    case $out in *"$k"*) ;; *) note "events --stats lacks $k: $out" ;; esac
done
# The numbers are the cgroup's: pids.current and pids.max (30 since update.json), memory.max
# as the usage limit, a non-zero memory and cpu usage.
pids=$(echo "$out" | sed -n 's/.*"pids":{\([^}]*\)}.*/\1/p')
[ "$pids" = "\"current\":$(cat $CG/res/pids.current),\"limit\":30" ] || note "pids stats '$pids', pids.current $(cat $CG/res/pids.current)"
case $out in *'"limit":100663296'*) ;; *) note "no memory limit 100663296 in the stats: $out" ;; esac
mem=$(echo "$out" | sed -n 's/.*"memory":{\("cache":[0-9]*,\)\{0,1\}"usage":{"limit":[0-9]*,"usage":\([0-9]*\).*/\2/p')
[ "${mem:-0}" -gt 0 ] || note "memory usage '$mem'"
cpu=$(echo "$out" | sed -n 's/.*"cpu":{"usage":{[^}]*"total":\([0-9]*\).*/\1/p')
[ "${cpu:-0}" -gt 0 ] || note "cpu usage total '$cpu'"
end "events --stats JSON has memory, cpu, pids"

begin
cleanup res
[ "$(status_of res)" = "" ] || note "state still there"
end "delete --force of a running container removes its cgroup"

# ---------------------------------------------------------------- effects

begin
if start oom oom; then
    i=0
    while [ ! -s /rootfs/tmp/oom.rc ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(cat /rootfs/tmp/oom.rc 2>/dev/null)" = "rc=137" ] || note "tail's exit: '$(cat /rootfs/tmp/oom.rc 2>/dev/null)', want rc=137"
    k=$(sed -n 's/^oom_kill //p' $CG/oom/memory.events)
    [ "${k:-0}" -ge 1 ] || note "memory.events: $(cat $CG/oom/memory.events)"
    expect_file oom memory.max 16777216
    expect_file_if oom memory.swap.max 0
fi
cleanup oom
rm -f /rootfs/tmp/oom.rc
end "a memory limit OOM-kills a process that exceeds it (memory.events oom_kill)"

begin
$CORT run --bundle /bundles/oomrun oomrun >/tmp/oomrun.out 2>&1
rc=$?
[ $rc -eq 137 ] || note "run of an init that exceeds memory.max exited $rc, want 137: $(cat /tmp/oomrun.out)"
no_trace oomrun
end "run: an init OOM-killed under memory.max exits 137 and leaves nothing"

begin
if start twosleeps pdel; then
    run_ok $CORT pause pdel
    run_ok $CORT delete --force pdel
    [ ! -e $CG/pdel ] || note "$CG/pdel left after delete --force of a paused container"
    [ -z "$(status_of pdel)" ] || note "state still there: $(status_of pdel)"
fi
cleanup pdel
end "delete --force of a paused container kills it and removes the cgroup"

begin
if start pids pids; then
    i=0
    while ! grep -q "fork" /tmp/pids.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q "fork" /tmp/pids.out || note "no fork error: $(cat /tmp/pids.out)"
    grep -q "forked-all" /tmp/pids.out && note "all forks succeeded"
    m=$(sed -n 's/^max //p' $CG/pids/pids.events)
    [ "${m:-0}" -ge 1 ] || note "pids.events: $(cat $CG/pids/pids.events)"
    c=$(cat $CG/pids/pids.current)
    [ "$c" -le 3 ] || note "pids.current $c > 3"
fi
cleanup pids
end "a pids limit refuses the next fork"

begin
run_ok $CORT run --bundle /bundles/devices dev
case $out in *"full=1"*) ;; *) note "default devices: $out" ;; esac
case $out in *"mknod=0"*) ;; *) note "mknod (allowed by c *:* m): $out" ;; esac
case $out in *"open=1"*) ;; *) note "open of /dev/console (c 5:1) not denied: $out" ;; esac
case $out in *"blk=1"*) ;; *) note "open of a block device (b 1:0) not denied: $out" ;; esac
case $out in *"ermission denied"*|*"not permitted"*) ;; *) note "no EPERM message: $out" ;; esac
no_trace dev
end "the eBPF device program allows the default list and denies other devices"

begin
run_ok $CORT run --bundle /bundles/devallow devallow
case $out in *"open=0"*) ;; *) note "open of c 5:1 allowed by the spec denied: $out" ;; esac
case $out in *"blk=1"*) ;; *) note "b 1:0 not denied: $out" ;; esac
no_trace devallow
end "a device rule in linux.resources.devices allows that device"

begin
if start twosleeps killall; then
    run_ok $CORT kill --all killall KILL
    wait_status killall stopped
    [ -z "$(cat $CG/killall/cgroup.procs 2>/dev/null)" ] || note "processes left: $(cat $CG/killall/cgroup.procs)"
fi
cleanup killall
end "kill --all KILL (cgroup.kill) empties the cgroup"

begin
if start termall termall; then
    # The init traps TERM and stays; its child sleep dies of it. Without cgroup.kill for
    # TERM, kill_all freezes, signals every pid and thaws: the thaw must happen too.
    rm -f /rootfs/tmp/termall.log
    # Signal only once the sleep exists: the trap is set before it is forked.
    i=0
    until [ -n "$(procs_running termall "sleep 1000 ")" ]; do
        i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
    done
    run_ok $CORT kill --all termall TERM
    i=0
    while ! grep -q got-term /rootfs/tmp/termall.log 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q got-term /rootfs/tmp/termall.log 2>/dev/null || note "the init's TERM trap did not run"
    i=0
    while p=$(procs_running termall "sleep 1000 "); [ -n "$p" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
    [ -z "$p" ] || note "sleep 1000 (pid $p) survived TERM"
    [ "$(status_of termall)" = running ] || note "state after kill --all TERM: $(status_of termall)"
    expect_file termall cgroup.freeze 0
    run_ok $CORT kill --all termall KILL
    wait_status termall stopped
fi
cleanup termall
end "kill --all TERM signals through freeze/thaw and leaves the container running"

begin
rm -f /rootfs/tmp/oomev.go; mkfifo /rootfs/tmp/oomev.go
if start oomev oomev; then
    $CORT events oomev > /tmp/oomev.events 2>&1 &
    evpid=$!
    sleep 1
    echo go > /rootfs/tmp/oomev.go
    i=0
    while ! grep -q '"oom"' /tmp/oomev.events && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q '"type":"oom"' /tmp/oomev.events || note "no oom event: $(cat /tmp/oomev.events)"
    kill $evpid 2>/dev/null; wait $evpid 2>/dev/null
fi
cleanup oomev
rm -f /rootfs/tmp/oomev.go
end "events reports an OOM kill (inotify on memory.events)"

begin
if start twosleeps k9; then
    kill -9 "$(pid_of k9)"
    wait_status k9 stopped
    run_ok $CORT delete k9
    [ ! -e $CG/k9 ] || note "$CG/k9 left after delete"
fi
cleanup k9
end "delete after kill -9 of the container's init removes the cgroup"

begin
if start shmfill chk; then
    i=0
    while [ ! -e /rootfs/tmp/shm.ok ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    usage=$(cat $CG/chk/memory.current)
    [ "$usage" -ge 20971520 ] || note "memory.current $usage < 20M after filling /dev/shm"
    run_fails "linux.resources.memory.limit" $CORT update -r /files/check-low.json chk
    case $out in *"memory.current"*) ;; *) note "error does not name memory.current: $out" ;; esac
    expect_file chk memory.max max
    run_fails "linux.resources.memory.swap" $CORT update -r /files/check-low-swap.json chk
    expect_file chk memory.max max
    run_ok $CORT update -r /files/check-high.json chk
    expect_file chk memory.max 67108864
fi
cleanup chk
rm -f /rootfs/tmp/shm.ok
end "memory.checkBeforeUpdate refuses a limit below memory.current"

# ---------------------------------------------------------------- bad input

bad() { # BUNDLE PATTERN
    begin
    run_fails "$2" $CORT run --bundle "/bundles/$1" "$1"
    no_trace "$1"
    end "bad input $1: error names $2, nothing left behind"
}
bad bad_unified "unified.memory.nosuchfile"
bad bad_cpuset "cpuset.cpus"
bad bad_pids "pids.limit"
bad bad_rdma "rdma"
bad bad_swappiness "memory.swappiness"
bad bad_rt "realtimeRuntime"
bad bad_net "network.classID"

# ---------------------------------------------------------------- from a session scope (issue 15)
# As under systemd: this shell in a leaf scope that holds processes, with the controllers
# enabled on its ancestors (the root, user.slice) and none in the scope itself. runc's fs2
# rule puts a relative (or absent) cgroupsPath under the *parent* of the caller's cgroup.
S=$CG/user.slice/session-1.scope
mkdir -p $S
sed 's/\([a-z_][a-z_]*\)/+\1/g' $CG/cgroup.subtree_control > $CG/user.slice/cgroup.subtree_control
echo $$ > $S/cgroup.procs
# expect_placed ID DIR: the container's init is in $CG/DIR; the scope was left alone
expect_placed() {
    grep -q "^$(pid_of "$1")\$" "$CG/$2/cgroup.procs" 2>/dev/null ||
        note "init $(pid_of "$1") not in $CG/$2/cgroup.procs ($(cat /proc/$(pid_of "$1")/cgroup 2>/dev/null))"
    [ -z "$(cat $S/cgroup.subtree_control)" ] || note "the scope's subtree_control: $(cat $S/cgroup.subtree_control)"
    [ "$(cat $S/cgroup.type)" = domain ] || note "the scope's cgroup.type: $(cat $S/cgroup.type)"
}
# cleanup_at ID DIR: delete --force removes $CG/DIR
cleanup_at() {
    $CORT delete --force "$1" >/dev/null 2>&1
    [ ! -e "$CG/$2" ] || note "$CG/$2 still exists after delete"
}

begin
grep -q "^0::/user.slice/session-1.scope\$" /proc/self/cgroup || note "not in the scope: $(cat /proc/self/cgroup)"
if start plain s_plain; then expect_placed s_plain user.slice/s_plain; fi
cleanup_at s_plain user.slice/s_plain
end "session scope, no cgroupsPath, no resources: the cgroup is /user.slice/<id>"

begin
if start sess_res s_res; then
    expect_placed s_res user.slice/s_res
    expect_file user.slice/s_res memory.max 33554432
    expect_file user.slice/s_res pids.max 10
    expect_file user.slice/s_res cpu.max "50000 100000"
fi
end "session scope, no cgroupsPath, with resources: limits in /user.slice/<id>"

begin
$CORT exec -d s_res sleep 32 >/dev/null 2>&1 || note "exec -d failed"
i=0
while found=$(procs_running user.slice/s_res "sleep 32 "); [ -z "$found" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$found" ] || note "the exec'd process is not in $CG/user.slice/s_res: $(cat $CG/user.slice/s_res/cgroup.procs)"
run_ok $CORT exec s_res true
cleanup_at s_res user.slice/s_res
end "session scope: exec joins the container's cgroup"

begin
if start sess_rel s_rel; then
    expect_placed s_rel user.slice/pods/rel
    expect_file user.slice/pods/rel memory.max 33554432
    expect_file user.slice/pods/rel pids.max 10
fi
cleanup_at s_rel user.slice/pods/rel
rmdir $CG/user.slice/pods 2>/dev/null
end "session scope, relative cgroupsPath: under /user.slice, with resources"

begin
if start sess_abs s_abs; then
    expect_placed s_abs abs/ctr
    expect_file abs/ctr memory.max 33554432
    expect_file abs/ctr cpu.max "50000 100000"
fi
cleanup_at s_abs abs/ctr
rmdir $CG/abs 2>/dev/null
if start sess_abs0 s_abs0; then expect_placed s_abs0 abs0; fi
cleanup_at s_abs0 abs0
end "session scope, absolute cgroupsPath, with and without resources"

begin
run_ok $CORT run --bundle /bundles/sess_run s_run
case $out in *ran*) ;; *) note "run output: $out" ;; esac
no_trace user.slice/s_run
[ ! -e /run/cort/s_run ] || note "/run/cort/s_run left"
end "session scope: run with resources and no cgroupsPath"

begin
run_fails "linux.cgroupsPath" $CORT run --bundle /bundles/sess_inside s_inside
case $out in *"$S holds processes"*) ;; *) note "error does not blame the scope: $out" ;; esac
[ ! -e $S/inner ] || note "$S/inner left"
[ ! -e /run/cort/s_inside ] || note "/run/cort/s_inside left"
[ -z "$(cat $S/cgroup.subtree_control)" ] || note "the scope's subtree_control: $(cat $S/cgroup.subtree_control)"
[ "$(cat $S/cgroup.type)" = domain ] || note "the scope's cgroup.type: $(cat $S/cgroup.type)"
end "a cgroupsPath inside the populated scope with limits: error names linux.cgroupsPath, nothing left"

begin
# A threaded controller enabled in the populated scope makes it a thread root: every new
# child is "domain invalid" and no process may join it (the state cort used to cause).
echo +pids > $S/cgroup.subtree_control
run_fails "domain invalid" $CORT run --bundle /bundles/sess_inside0 s_inside0
case $out in *"linux.cgroupsPath"*) ;; *) note "error does not name linux.cgroupsPath: $out" ;; esac
[ ! -e $S/inner ] || note "$S/inner left"
[ ! -e /run/cort/s_inside0 ] || note "/run/cort/s_inside0 left"
echo -pids > $S/cgroup.subtree_control
end "a cgroupsPath below a thread root: \"domain invalid\" refused naming linux.cgroupsPath, nothing left"

echo $$ > $CG/cgroup.procs
rmdir $S $CG/user.slice

# ---------------------------------------------------------------- a frozen cgroupsPath

# frozen_refused BUNDLE ID: run fails at once naming the frozen cgroup; nothing left
frozen_refused() {
    run_fails "unexpectedly frozen" timeout -s KILL 20 $CORT run --bundle "/bundles/$1" "$2"
    case $out in *"linux.cgroupsPath"*"$CG/frz"*) ;; *) note "error does not name the frozen cgroup: $out" ;; esac
    [ ! -e /run/cort/$2 ] || note "/run/cort/$2 left"
    [ ! -e $CG/frz/ctr ] || note "$CG/frz/ctr made"
    [ -d $CG/frz ] || note "the user's frozen $CG/frz was removed"
    [ "$(cat $CG/frz/cgroup.freeze 2>/dev/null)" = 1 ] || note "$CG/frz no longer frozen"
}
begin
mkdir $CG/frz && echo 1 > $CG/frz/cgroup.freeze
frozen_refused frozen frz1
frozen_refused frozen_below frz2
echo 0 > $CG/frz/cgroup.freeze
rmdir $CG/frz
end "a frozen cgroupsPath (or frozen ancestor) is refused up front, not a hang"

begin
# The user's cgroup passes memory to a sub-cgroup: v2 lets no process join it (EBUSY).
mkdir -p $CG/busy/kid && echo +memory > $CG/busy/cgroup.subtree_control
run_fails "linux.cgroupsPath" $CORT run --bundle /bundles/busy busy
case $out in *"enables controllers for sub-cgroups"*) ;; *) note "error does not say why: $out" ;; esac
[ -d $CG/busy/kid ] || note "the user's $CG/busy/kid was removed by the failed create"
[ ! -e /run/cort/busy ] || note "/run/cort/busy left"
rmdir $CG/busy/kid $CG/busy
end "a cgroupsPath that delegates controllers: refused naming linux.cgroupsPath; the user's cgroups stay"

begin
leftover=$(find $CG -mindepth 1 -type d)
[ -z "$leftover" ] || note "cgroups left: $leftover"
end "no container cgroup is left at the end"

echo "1..$n"
