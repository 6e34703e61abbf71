#!/usr/bin/env bash
# run-engine.sh ENGINE CORT [RUNC]: run tests/e2e/ENGINE.sh once with cort and once with runc (the
# control), then compare. A scenario counts against cort only when runc passes it here; one that
# runc fails too is reported as skipped with runc's reason (but runc passing none fails the test). Exit: 0 when cort passes everything
# runc passes and nothing is left behind, 1 otherwise, 77 (ctest's skip) when the engine is not
# installed.
#
# Each run gets a fresh WORK dir and its own mount namespace, in which /run is WORK/run and
# /var/lib an empty tmpfs: engine defaults there (shim sockets and fifos under /run/containerd,
# containers/image's blob cache in /var/lib/containers/cache) never reach the host's. Afterwards the driver checks that no
# process is left in that namespace, that the cgroups the engine used are gone, and that no
# host default state dir appeared; then it removes WORK.
# Env: E2E_REPORT=FILE appends a markdown table of the results; E2E_KEEP=1 keeps WORK dirs.
set -uo pipefail

engine=$1 cort=$2 runc=${3:-/usr/sbin/runc}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$here/$engine.sh
[ -f "$script" ] || { echo "run-engine.sh: no $script" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run-engine.sh: needs root" >&2; exit 77; }
case $engine in
  podman) need=(podman conmon) ;;
  containerd|cri) need=(containerd ctr containerd-shim-runc-v2) ;;
  docker) need=(dockerd docker containerd) ;;
  *) need=() ;;
esac
for b in "${need[@]}"; do
  command -v "$b" >/dev/null || { echo "SKIP: $b not installed (scripts/setup.sh installs it)"; exit 77; }
done
[ -x "$cort" ] || { echo "run-engine.sh: $cort is not executable" >&2; exit 2; }
[ -x "$runc" ] || { echo "SKIP: $runc not installed"; exit 77; }

host_dirs=(/var/lib/containers /var/lib/docker /var/lib/containerd /run/containerd /run/docker /run/libpod /opt/containerd)
declare -A existed=()
for d in "${host_dirs[@]}"; do [ -e "$d" ] && existed[$d]=1; done

# one_run LABEL RUNTIME: run the engine script in its own mount namespace; results to $resdir/LABEL.
leftovers=0
one_run() {
  local label=$1 rt=$2 work ns pids p rel
  work=$(mktemp -d "/tmp/e2e-$engine-$label.XXXXXX")
  mkdir -p "$work/run"
  echo "# $engine with $label ($rt)" >&2
  unshare -m --propagation private -- bash -c '
    mount --bind "$1/run" /run || exit 1
    mount -t tmpfs -o mode=0755 cort-e2e /var/lib || exit 1
    readlink /proc/self/ns/mnt > "$1/mntns"
    exec bash "$2" "$3" "$1/results" "$1"' _ "$work" "$script" "$rt"
  local rc=$?
  [ -s "$work/results" ] || echo "setup|fail|$engine.sh exited $rc before any scenario" >> "$work/results"
  # Nothing may outlive the run: no process in its mount namespace ...
  if [ -s "$work/mntns" ]; then
    ns=$(cat "$work/mntns")
    pids=()
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && pids+=("${p#/proc/}")
    done
    if [ ${#pids[@]} -gt 0 ]; then
      echo "LEFTOVER processes after $engine/$label: $(ps -o pid=,args= -p "${pids[*]// /,}" | tr '\n' ';')" >&2
      kill -KILL "${pids[@]}" 2>/dev/null
      leftovers=1
    fi
  fi
  # ... no cgroup under the parents it used ...
  if [ -s "$work/cgroup-roots" ]; then
    while read -r rel; do
      for h in /sys/fs/cgroup/*/; do
        [ -d "$h$rel" ] || continue
        find "$h$rel" -depth -type d -exec rmdir {} \; 2>/dev/null
        if [ -d "$h$rel" ]; then echo "LEFTOVER cgroup $h$rel after $engine/$label" >&2; leftovers=1; fi
      done
    done < "$work/cgroup-roots"
  fi
  # ... and no host default state dir.
  for d in "${host_dirs[@]}"; do
    if [ -e "$d" ] && [ -z "${existed[$d]:-}" ]; then
      echo "LEFTOVER $d appeared during $engine/$label" >&2; leftovers=1
    fi
  done
  cp "$work/results" "$resdir/$label"
  if [ -z "${E2E_KEEP:-}" ]; then
    # Mounts made inside died with the namespace; a busy leftover mount would make rm fail loudly.
    rm -rf "$work" || { echo "LEFTOVER: cannot remove $work" >&2; leftovers=1; }
  else
    echo "# kept $work" >&2
  fi
}

# Per invocation: several worktrees may run the same engine's test at once.
resdir=$(mktemp -d "/tmp/e2e-results-$engine.XXXXXX")
t0=$(date +%s)
one_run cort "$cort"
one_run runc "$runc"
cort_results=$resdir/cort runc_results=$resdir/runc
t1=$(date +%s)

declare -A runc_res=() runc_why=()
while IFS='|' read -r name res why; do runc_res[$name]=$res runc_why[$name]=$why; done < "$runc_results"

bad=0 table=""
echo "== $engine: cort vs runc ($((t1 - t0)) s) =="
while IFS='|' read -r name res why; do
  r=${runc_res[$name]:-missing}
  if [ "$r" = pass ] && [ "$res" = pass ]; then verdict="ok"
  elif [ "$r" = pass ]; then verdict="FAIL (cort: $why)"; bad=1
  elif [ "$res" = pass ]; then verdict="skip: runc fails here (${runc_why[$name]:-no result}); cort passes"
  else verdict="skip: runc fails here too (${runc_why[$name]:-no result}); cort: $why"
  fi
  printf '%-28s cort=%-4s runc=%-7s %s\n' "$name" "$res" "$r" "$verdict"
  table+="| $engine | $name | $res | $r |"$'\n'
done < "$cort_results"
# A scenario runc ran that cort never reached (cort's script died) is a failure too.
for name in "${!runc_res[@]}"; do
  grep -q "^$name|" "$cort_results" || { echo "$name: missing from cort's run"; bad=1; }
done
[ $leftovers -eq 0 ] || { echo "leftovers found (see above)"; bad=1; }
# A control that passes nothing means the harness or the host is broken, not that every
# scenario is inapplicable: fail rather than report it all as skipped.
grep -q '|pass|' "$runc_results" || { echo "runc passed no scenario: the test itself is broken"; bad=1; }
if [ -n "${E2E_REPORT:-}" ]; then printf '%s' "$table" >> "$E2E_REPORT"; fi
rm -rf "$resdir"
[ $bad -eq 0 ] && echo "PASS: $engine" || echo "FAIL: $engine"
exit $bad
