#!/usr/bin/env bash
# bench.sh: time cort against Debian's runc and crun and the syscall floor (../shared/bench/floor.c),
# then write docs/performance.md and docs/performance.png (tests/bench/report.sh).
# A benchmark, not a test: it is never run by ctest.
#
# usage: sudo tests/bench/bench.sh [--quick] [--runs N] [--seq-reps N] [--no-report] [--keep]
#                                  [--host-cgroups]
#   --quick          5 runs, 1 warm-up, 1 rep of "100 runs", coarse memory bisection (minutes)
#   --runs N         timed runs per operation (default 30), each runtime interleaved per run
#   --seq-reps N     repetitions of "100 sequential runs" (default 10; each is 100 runs)
#   --scale N        N containers created concurrently, then `list`/`state` timed at 1 and N+1
#                    (default 50; 0 skips it, as --quick does unless --scale follows it)
#   --scale-dir M    then the state dir filled to 100 and M containers, timed again (default
#                    1000; 0 skips it)
#   --scale-only     only the scale section (no report; results in the work dir, with --keep)
#   --no-report      measure only (results stay in the work dir printed at the end, with --keep)
#   --keep           keep the work dir (samples, bundles, strace output)
#   --host-cgroups   do not hide the cgroup2 mount on a hybrid host (crun 1.8 then refuses to run)
# Runs in its own mount namespace: state roots on a tmpfs, cgroup2 hidden on a hybrid host.
# env: CORT (default ./build/cort), BENCH_SPEC (runtime whose `spec` makes the shared config,
#      default runc), FLOOR_SRC (default ../shared/bench/floor.c).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
die() { echo "bench.sh: $*" >&2; exit 1; }
log() { echo "bench.sh: $*" >&2; }

runs=30 warm=3 seq_reps=10 bisect_res=4 quick=0 report=1 keep=0 host_cg=0 scale_n=50 scale_dir=1000
scale_only=0
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 runs=5 warm=1 seq_reps=1 bisect_res=64 scale_n=0 scale_dir=0 ;;
    --runs) runs=$2; shift ;;
    --seq-reps) seq_reps=$2; shift ;;
    --scale) scale_n=$2; shift ;;
    --scale-dir) scale_dir=$2; shift ;;
    --scale-only) scale_only=1 report=0 ;;
    --no-report) report=0 ;;
    --keep) keep=1 ;;
    --host-cgroups) host_cg=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "must run as root"
for t in gcc jq strace /usr/bin/time readelf; do command -v "$t" >/dev/null || die "$t missing: run scripts/setup.sh"; done

# The whole benchmark re-executes itself in a private mount namespace, for two reasons:
# - State roots go on a tmpfs, as /run is on any systemd host (runc's /run/runc, containerd's
#   /run/containerd). On these machines /run is on disk, where an fsync costs 10-60 ms and would
#   swamp what is measured.
# - crun 1.8 refuses a hybrid host whose cgroup2 mount has controllers ("cgroups in hybrid mode
#   not supported"). So that all four run the same way, cgroup2 is hidden: every runtime then
#   sees pure cgroup v1 (unless --host-cgroups).
if [ -z "${BENCH_IN_NS:-}" ]; then
  exec unshare --mount --propagation private env BENCH_IN_NS=1 bash "$0" "${args[@]}"
fi
cgview="host"
uni=/sys/fs/cgroup/unified
hide_uni=""
if [ "$host_cg" = 0 ] && [ -n "$(cat "$uni/cgroup.controllers" 2>/dev/null)" ]; then  # (-s: size 0 here)
  # A throwaway tmpfs, not a bare umount: crun (as v1) still mkdirs <id>/cgroup.procs under
  # unified/ and never removes them; they must not land on the host's /sys/fs/cgroup tmpfs.
  umount -l "$uni"
  mount -t tmpfs -o size=4m,mode=755 cort-bench-no-cgroup2 "$uni"
  hide_uni=$uni
  cgview="v1 only (cgroup2 at $uni hidden in a private mount namespace)"
fi

work=$(mktemp -d /tmp/cort-bench.XXXXXX)
sroot=/run/cort-bench-$$
tag=cb$$
mkdir -p "$work"/{bin,samples,fail,err,res} "$sroot"
mount -t tmpfs -o size=64m,mode=700 cort-bench-state "$sroot"
log "work dir $work, state roots under $sroot (tmpfs)"

# --- runtimes, cleanup, tools --------------------------------------------------------------------
cort_bin=${CORT:-$repo/build/cort}
declare -A BIN=([cort]=$cort_bin [runc]=$(command -v runc || true) [crun]=$(command -v crun || true)
                [floor]=$work/bin/floor)
RTS=(cort runc crun floor)
declare -A OK=() WHY=() LIVE=()

rt() { local r=$1; shift; "${BIN[$r]}" --root "$sroot/$r" "$@"; }
# Untimed steps get a deadline too: a hung runtime must fail the step, not stall the benchmark.
to() { timeout -k 5 120 "$@"; }
trt() { local r=$1; shift; to "${BIN[$r]}" --root "$sroot/$r" "$@"; }   # rt, with the deadline

# Every container is removed, even on failure or ^C; then nothing may be left behind.
force_delete() { trt "$1" delete --force "$2" >/dev/null 2>&1 || true; }
cleanup() {
  local rc=$? r id left=0
  trap - EXIT INT TERM
  for r in cort runc crun; do
    [ -x "${BIN[$r]:-/nonexistent}" ] || continue
    for id in ${LIVE[$r]:-} $(trt "$r" list -q 2>/dev/null || true); do force_delete "$r" "$id"; done
    # Only a `list` that works can prove something is left (cort may not have `list` yet).
    if out=$(trt "$r" list -q 2>/dev/null) && [ -n "$out" ]; then log "LEFT: $r containers: $out"; left=1; fi
  done
  # A state dir the runtime's own `list` does not show is a leak too (the tmpfs hides it after).
  local st; st=$(find "$sroot" -mindepth 2 -maxdepth 2 2>/dev/null)
  if [ -n "$st" ]; then log "LEFT: state dirs:" $st; left=1; fi
  if grep -q "$work" /proc/self/mountinfo /proc/1/mountinfo; then log "LEFT: mounts under $work"; left=1; fi
  for p in /proc/[0-9]*; do
    case $(readlink "$p/root" 2>/dev/null) in "$work"*) log "LEFT: process ${p#/proc/}"; left=1 ;; esac
  done
  # A cgroup can outlive its last task by a moment (a killed task still exiting): allow 2 s.
  local cgs k
  for ((k = 0; k < 20; k++)); do
    # (our throwaway tmpfs on unified/, if any, goes away with the namespace: not a leak)
    cgs=$(find /sys/fs/cgroup -maxdepth 5 -path "$hide_uni" -prune -o -type d -name "$tag-*" -print 2>/dev/null)
    [ -z "$cgs" ] && break
    sleep 0.1
  done
  # Ids carry the runtime's name ($tag-<runtime>-...). What a peer leaves (crun 1.8 leaves the
  # cgroups of containers it failed to create) is that runtime's bug, already shown in the
  # report's scale table: it is named, then removed (deepest first). A leftover of cort's (or
  # the floor's) fails the benchmark.
  local c peer_cgs=""
  for c in $cgs; do
    case ${c##*/} in
      "$tag"-runc-* | "$tag"-crun-*) peer_cgs+="$c " ;;
      *) log "LEFT: cgroup $c"; left=1 ;;
    esac
  done
  if [ -n "$peer_cgs" ]; then
    log "peers left $(echo $peer_cgs | wc -w) cgroup dirs (runc: $(echo $peer_cgs | tr ' ' '\n' | grep -c "/$tag-runc-"), crun: $(echo $peer_cgs | tr ' ' '\n' | grep -c "/$tag-crun-")): removed"
    echo $peer_cgs | tr ' ' '\n' | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- | xargs -r rmdir 2>/dev/null || true
  fi
  umount "$sroot" 2>/dev/null || true
  rm -rf "$sroot"
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
  [ "$left" = 0 ] || { log "cleanup found leftovers (above)"; exit 1; }
  log "cleanup: nothing left behind"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -o "$work/bin/timer" tests/bench/timer.c
floor_src=${FLOOR_SRC:-$repo/../shared/bench/floor.c}
[ -f "$floor_src" ] || die "floor source $floor_src not found (../shared beside the repo)"
gcc -O2 -static -o "$work/bin/floor" "$floor_src"
timer=$work/bin/timer

# Bundles: one config for all four (BENCH_SPEC's `spec`), so every runtime does the same work;
# each runtime gets its own copies and its own --root.
spec_rt=${BENCH_SPEC:-runc}
for r in "${RTS[@]}"; do
  for b in true sleep limits memlim; do
    case $b in true|limits|memlim) a=(/bin/true) ;; sleep) a=(sleep 1000) ;; esac
    RUNTIME=$spec_rt scripts/make-bundle.sh "$work/$r/$b" "${a[@]}" >/dev/null
  done
  jq '.linux.resources.memory.limit = 67108864 | .linux.resources.pids.limit = 64' \
    "$work/$r/limits/config.json" > "$work/cfg.tmp" && mv "$work/cfg.tmp" "$work/$r/limits/config.json"
done

# A runtime is benchmarked if one plain `run` of /bin/true works (cort may not run yet).
for r in "${RTS[@]}"; do
  if [ ! -x "${BIN[$r]}" ]; then OK[$r]=0 WHY[$r]="no binary at ${BIN[$r]:-?}"; continue; fi
  if out=$(trt "$r" run --bundle "$work/$r/true" "$tag-$r-probe" 2>&1 </dev/null); then OK[$r]=1
  else
    st=$?; [ "$st" = 124 ] || [ "$st" = 137 ] && out="hung: killed after 120 s"
    OK[$r]=0 WHY[$r]="\`run\` failed (exit $st): $(echo "$out" | tail -1 | cut -c1-160)"
    force_delete "$r" "$tag-$r-probe"
  fi
  log "$r: ${BIN[$r]} $([ "${OK[$r]}" = 1 ] && echo ok || echo "NOT RUNNABLE (${WHY[$r]})")"
done

# --- timing -------------------------------------------------------------------------------------
# rec OP RT RECORD CMD...: time CMD; on success append its microseconds to samples/OP.RT.
# A run that outlives $tmo seconds is killed and counts as failed (see timer.c -t).
tmo=60
rec() {
  local op=$1 r=$2 record=$3 t tmo=$tmo; shift 3
  [ "$op" = run100 ] && tmo=$((tmo * 100))
  if t=$("$timer" -t "$tmo" -e "$work/err/$op.$r" -- "$@" 2>>"$work/err/$op.$r"); then
    [ "$record" = 1 ] && echo "$t" >> "$work/samples/$op.$r"
    return 0
  fi
  [ "$record" = 1 ] && echo x >> "$work/fail/$op.$r"
  return 1
}
# Interleaving: run i starts with runtime i mod 4, so no runtime always goes first (cache, CPU).
order() { local i=$1 n=${#RTS[@]} k; for ((k = 0; k < n; k++)); do echo "${RTS[(i + k) % n]}"; done; }

wait_stopped() {
  local k
  for ((k = 0; k < 500; k++)); do
    [ "$(rt "$1" state "$2" 2>/dev/null | jq -r .status)" = stopped ] && return 0
    sleep 0.01
  done
  return 1
}

# create, start, state (running), exec, kill, delete: each timed alone, the glue untimed.
lifecycle() {
  local r=$1 id=$2 rc=$3 b=$work/$1/sleep
  rec create "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" create --bundle "$b" "$id" || { force_delete "$r" "$id"; return 0; }
  LIVE[$r]=$id
  rec start "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" start "$id" || { force_delete "$r" "$id"; return 0; }
  rec state "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" state "$id" || true
  if [ "${NOEXEC[$r]:-0}" != 1 ] && ! rec exec "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" exec "$id" /bin/true; then
    if [ "$rc" = 0 ]; then NOEXEC[$r]=1; fi   # exec fails in the warm-up: unsupported, reported n/a
  fi
  rec kill "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" kill "$id" KILL || { force_delete "$r" "$id"; return 0; }
  wait_stopped "$r" "$id" || true
  rec delete "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" delete "$id" || force_delete "$r" "$id"
  LIVE[$r]=""
}
declare -A NOEXEC=()

one_round() {   # one interleaved round of every operation; $2=1 records, 0 is a warm-up
  local i=$1 rc=$2 r
  for r in $(order "$i"); do
    [ "${OK[$r]}" = 1 ] || continue
    rec run "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" run --bundle "$work/$r/true" "$tag-$r-r$i" \
      || force_delete "$r" "$tag-$r-r$i"
    [ "$r" = floor ] && continue   # the floor has only `run`, and no resources
    lifecycle "$r" "$tag-$r-l$i" "$rc"
    rec run_limits "$r" "$rc" "${BIN[$r]}" --root "$sroot/$r" run --bundle "$work/$r/limits" "$tag-$r-m$i" \
      || force_delete "$r" "$tag-$r-m$i"
  done
}
if [ "$scale_only" = 0 ]; then
log "warm-up: $warm round(s)"
for ((i = 0; i < warm; i++)); do one_round "$i" 0; done
for r in "${!NOEXEC[@]}"; do log "$r: exec failed in warm-up, reported n/a"; done
log "timing: $runs interleaved rounds"
for ((i = 0; i < runs; i++)); do one_round "$i" 1; done

log "timing: 100 sequential runs x $seq_reps"
for ((i = 0; i < seq_reps; i++)); do
  for r in $(order "$i"); do
    [ "${OK[$r]}" = 1 ] || continue
    rec run100 "$r" 1 "$timer" -n 100 -- "${BIN[$r]}" --root "$sroot/$r" run --bundle "$work/$r/true" "$tag-$r-s$i" \
      || force_delete "$r" "$tag-$r-s$i"
  done
done
fi

# --- scale --------------------------------------------------------------------------------------
# Per runtime: one `sleep` container, then $scale_n created at once (all must succeed), then the
# state dir filled to 100 and $scale_dir containers (created, not started). `list` and `state` are
# timed 5 times at each level: `state` must stay flat; `list` reads every container, so its
# growth per container is what to compare. Then everything is deleted and nothing may be left:
# containers, cgroups, mounts, processes; the fds of the first container's init are counted at
# the first and the last level (a leak into inits would grow them).
scale_time() {   # scale_time RT LEVEL
  local r=$1 lvl=$2 k
  for k in 1 2 3 4 5; do
    rec "list_$lvl" "$r" 1 "${BIN[$r]}" --root "$sroot/$r" list || true
    rec "state_$lvl" "$r" 1 "${BIN[$r]}" --root "$sroot/$r" state "$tag-$r-z0" || true
  done
  echo "$lvl" >> "$work/res/scale_levels.$r"
}
scale_create() {   # scale_create RT FIRST LAST PARALLEL: create ids FIRST..LAST, PARALLEL at a time
  local r=$1 first=$2 last=$3 par=$4 k pids=() fails=0
  for ((k = first; k <= last; k++)); do
    trt "$r" create --bundle "$work/$r/sleep" "$tag-$r-z$k" </dev/null >/dev/null 2>>"$work/err/scale.$r" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$par" ]; then
      for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
      pids=()
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
  echo "$fails"
}
scale_delete() {   # scale_delete RT LAST: delete --force ids 0..LAST, 4 at a time
  local r=$1 last=$2 k pids=()
  for ((k = 0; k <= last; k++)); do
    force_delete "$r" "$tag-$r-z$k" &
    pids+=($!)
    if [ "${#pids[@]}" -ge 4 ]; then wait "${pids[@]}" || true; pids=(); fi
  done
  [ "${#pids[@]}" -eq 0 ] || wait "${pids[@]}" || true
}
init_fds() { ls "/proc/$(rt "$1" state "$tag-$1-z0" 2>/dev/null | jq -r .pid)/fd" 2>/dev/null | wc -l; }
scale_leaks() {   # what the runtime left behind after deleting every scale container
  local r=$1 out="" k cgs
  [ -z "$(trt "$r" list -q 2>/dev/null)" ] || out+="containers listed; "
  [ -z "$(find "$sroot/$r" -mindepth 1 -maxdepth 1 -name "$tag-$r-z*" 2>/dev/null)" ] || out+="state dirs; "
  for ((k = 0; k < 20; k++)); do   # a killed task's cgroup can outlive it by a moment
    cgs=$(find /sys/fs/cgroup -maxdepth 5 ${hide_uni:+-path "$hide_uni" -prune -o} -type d -name "$tag-$r-z*" -print 2>/dev/null | wc -l)
    [ "$cgs" = 0 ] && break
    sleep 0.1
  done
  [ "$cgs" = 0 ] || out+="$cgs cgroup dirs; "
  grep -q "$work/$r/sleep" /proc/self/mountinfo && out+="mounts; "
  for p in /proc/[0-9]*; do
    case $(readlink "$p/root" 2>/dev/null) in "$work/$r/sleep"*) out+="processes; "; break ;; esac
  done
  echo "${out:-none}"
}
if [ "$scale_n" -gt 0 ] || [ "$scale_dir" -gt 0 ]; then
  log "scale: $scale_n concurrent creates; list/state at 1, $((scale_n + 1)), 100, $scale_dir containers"
  for r in cort runc crun; do
    [ "${OK[$r]}" = 1 ] || continue
    rm -f "$work/res/scale_levels.$r"
    trt "$r" create --bundle "$work/$r/sleep" "$tag-$r-z0" </dev/null >/dev/null 2>>"$work/err/scale.$r" || continue
    LIVE[$r]="$tag-$r-z0"
    n=1
    scale_time "$r" 1
    init_fds "$r" > "$work/res/scale_fds1.$r"
    if [ "$scale_n" -gt 0 ]; then
      scale_create "$r" 1 "$scale_n" "$scale_n" > "$work/res/scale_fail.$r"
      n=$((scale_n + 1))
      scale_time "$r" "$n"
    fi
    # Each waiting init costs memory (runc's is a Go process): fill only as far as half the
    # available memory allows.
    pid0=$(rt "$r" state "$tag-$r-z0" | jq -r .pid)
    rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$pid0/status" 2>/dev/null || echo 0)
    avail=$(awk '/^MemAvailable/ {print $2}' /proc/meminfo)
    fill_fail=0
    for lvl in 100 "$scale_dir"; do
      [ "$lvl" -gt "$n" ] && [ "$lvl" -le "$scale_dir" ] || continue
      if [ $(( (rss0 + 256) * lvl )) -gt $((avail / 2)) ]; then
        log "scale: $r: $lvl containers would need ~$(( (rss0 + 256) * lvl / 1024 )) MB: stopped at $n"
        echo "$lvl" > "$work/res/scale_memstop.$r"
        break
      fi
      fill_fail=$((fill_fail + $(scale_create "$r" "$n" $((lvl - 1)) 4)))
      n=$lvl
      scale_time "$r" "$lvl"
    done
    echo "$fill_fail" > "$work/res/scale_fillfail.$r"
    init_fds "$r" > "$work/res/scale_fdsN.$r"
    scale_delete "$r" $((n - 1))
    LIVE[$r]=""
    scale_leaks "$r" > "$work/res/scale_leaks.$r"
    log "scale: $r: $(cat "$work/res/scale_leaks.$r") left"
  done
fi

if [ "$scale_only" = 0 ]; then
# --- memory -------------------------------------------------------------------------------------
# Memory charged to the container's cgroup before the workload starts: read while init waits
# in `created` (v1 memory.usage_in_bytes, or v2 memory.current).
cgroup_charge() {
  local pid=$1 p
  p=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$pid/cgroup")
  if [ -n "$p" ]; then cat "/sys/fs/cgroup/memory$p/memory.usage_in_bytes"
  else p=$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup"); cat "/sys/fs/cgroup$p/memory.current"; fi
}
log "memory: peak RSS (create, exec), cgroup charge"
for r in cort runc crun; do
  [ "${OK[$r]}" = 1 ] || continue
  for k in 1 2 3; do
    id=$tag-$r-rss$k
    to /usr/bin/time -f %M -o "$work/rss.tmp" "${BIN[$r]}" --root "$sroot/$r" create --bundle "$work/$r/sleep" "$id" \
      </dev/null >/dev/null 2>>"$work/err/rss.$r" || { force_delete "$r" "$id"; continue; }
    LIVE[$r]=$id
    tail -1 "$work/rss.tmp" >> "$work/res/rss_create.$r"
    pid=$(rt "$r" state "$id" | jq -r .pid)
    cgroup_charge "$pid" >> "$work/res/cgcharge.$r" 2>/dev/null || true
    trt "$r" start "$id" >/dev/null 2>&1 || true
    if [ "${NOEXEC[$r]:-0}" != 1 ] && to /usr/bin/time -f %M -o "$work/rss.tmp" "${BIN[$r]}" --root "$sroot/$r" \
        exec "$id" /bin/true </dev/null >/dev/null 2>>"$work/err/rss.$r"; then
      tail -1 "$work/rss.tmp" >> "$work/res/rss_exec.$r"
    fi
    force_delete "$r" "$id"; LIVE[$r]=""
  done
done

# Smallest linux.resources.memory.limit at which /bin/true still runs: bisection in KiB.
log "memory: smallest memory limit (bisection to ${bisect_res}K)"
for r in cort runc crun; do
  [ "${OK[$r]}" = 1 ] || continue
  cfg=$work/$r/memlim/config.json
  probe() {
    jq --argjson l $(($1 * 1024)) '.linux.resources.memory.limit = $l' "$cfg" > "$work/cfg.tmp" && mv "$work/cfg.tmp" "$cfg"
    trt "$r" run --bundle "$work/$r/memlim" "$tag-$r-ml" </dev/null >/dev/null 2>&1 && return 0
    force_delete "$r" "$tag-$r-ml"; return 1
  }
  lo=0 hi=65536
  if probe "$hi"; then
    while [ $((hi - lo)) -gt "$bisect_res" ]; do
      mid=$(( (lo + hi) / 2 / 4 * 4 )); [ "$mid" -gt "$lo" ] || break
      if probe "$mid"; then hi=$mid; else lo=$mid; fi
    done
    echo "$hi" > "$work/res/minmem.$r"
  else echo ">65536" > "$work/res/minmem.$r"; fi
done

# --- cost ---------------------------------------------------------------------------------------
log "cost: syscalls per run, mountinfo opens, binary"
for r in "${RTS[@]}"; do
  if [ "${OK[$r]}" = 1 ]; then
    to strace -f -c -o "$work/strace.$r" "${BIN[$r]}" --root "$sroot/$r" run --bundle "$work/$r/true" "$tag-$r-st" \
      </dev/null >/dev/null 2>&1 || force_delete "$r" "$tag-$r-st"
    awk '$NF == "total" {print $4}' "$work/strace.$r" > "$work/res/syscalls.$r"
    to strace -f -e trace=open,openat,openat2 -o "$work/strace-open.$r" "${BIN[$r]}" --root "$sroot/$r" run \
      --bundle "$work/$r/true" "$tag-$r-st" </dev/null >/dev/null 2>&1 || force_delete "$r" "$tag-$r-st"
    grep -c 'mountinfo' "$work/strace-open.$r" > "$work/res/mountinfo.$r" || true
  fi
  [ -x "${BIN[$r]}" ] || continue
  f=$(readlink -f "${BIN[$r]}")
  stat -c %s "$f" > "$work/res/size.$r"
  # What an install would ship: a stripped copy's size (cort's build keeps its symbols).
  strip -o "$work/strip.tmp" "$f" 2>/dev/null && stat -c %s "$work/strip.tmp" > "$work/res/size_stripped.$r"
  # Not `readelf | grep -q`: grep quitting early SIGPIPEs readelf, and pipefail flips the answer.
  if [[ $(readelf -S "$f" 2>/dev/null) == *.symtab* ]]; then echo no; else echo yes; fi > "$work/res/stripped.$r"
  libs=$(ldd "$f" 2>/dev/null | awk '/=>/ {print $1} /^\t\/lib/ {sub(".*/", "", $1); print $1}' | paste -sd' ' || true)
  echo "${libs:-static}" > "$work/res/libs.$r"
done

# Where the time goes inside cort: one `run` with --debug, whose log carries per-phase timings.
if [ "${OK[cort]}" = 1 ]; then
  trt cort --debug --log "$work/res/debug.cort" run --bundle "$work/cort/true" "$tag-cort-dbg" \
    </dev/null >/dev/null 2>&1 || force_delete cort "$tag-cort-dbg"
fi
fi

# --- report -------------------------------------------------------------------------------------
{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "kernel=$(uname -r)"
  echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo) x $(nproc)"
  echo "mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "distro=$(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "cgview=$cgview"
  echo "stateroot=tmpfs at $sroot"
  printf '%s\n' "scale_n=$scale_n" "scale_dir=$scale_dir" "runs=$runs" "warm=$warm" "seq_reps=$seq_reps" "quick=$quick" "bisect_res=$bisect_res" \
    "spec_rt=$spec_rt"
  for r in "${RTS[@]}"; do
    echo "ok_$r=${OK[$r]}"
    echo "why_$r=${WHY[$r]:-}"
    echo "noexec_$r=${NOEXEC[$r]:-0}"
    echo "noexec_why_$r=$([ "${NOEXEC[$r]:-0}" = 1 ] && grep -v '^timer:' "$work/err/exec.$r" 2>/dev/null | tail -1 | cut -c1-160)"
  done
  echo "ver_cort=$([ -x "$cort_bin" ] && "$cort_bin" --version 2>/dev/null | head -1 || echo none)"
  echo "ver_runc=$(runc --version | head -1)"
  echo "ver_crun=$(crun --version | head -1)"
  echo "ver_floor=floor.c $(sha256sum "$floor_src" | cut -c1-12), gcc -O2 -static"
} > "$work/meta"

if [ "$report" = 1 ]; then
  bash tests/bench/report.sh "$work" docs/performance.md docs/performance.png
  log "wrote docs/performance.md and docs/performance.png"
fi
