#!/usr/bin/env bash
# run-cgroupv2.sh CORT [WORKDIR]: run cort's cgroup v2 cases on a real cgroup v2 kernel.
#
# Our hosts are cgroup v1 (hybrid), so this boots Debian's kernel under qemu (software
# emulation, no KVM) with an initramfs holding static busybox, the static CORT binary, a
# busybox container rootfs, one bundle per case and guest-cases.sh. The guest mounts cgroup2
# with every controller, runs the cases and prints TAP on the serial console; this script
# checks the TAP (a plan, every test ok, the count matches the plan) and exits non-zero on
# any failure or timeout, printing the failing TAP lines and the tail of the console.
#
# Env: CORT_QEMU_TIMEOUT (seconds, default 240), CORT_QEMU_KERNEL (default: newest
# /boot/vmlinuz-*), CORT_QEMU_KEEP=1 keeps WORKDIR (default: a temp dir, removed),
# CORT_QEMU_CACHE (where the unpacked vmlinux is kept between runs; default WORKDIR).
set -euo pipefail

die() { echo "run-cgroupv2.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 CORT [WORKDIR]"
cort=$(readlink -f "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=${CORT_QEMU_TIMEOUT:-240}

[ -x "$cort" ] || die "$cort: not an executable"
if ldd "$cort" >/dev/null 2>&1; then die "$cort is dynamically linked: the guest has no libc (build with CORT_STATIC=ON)"; fi
for tool in qemu-system-x86_64 cpio jq perl timeout; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/setup.sh"
done
busybox=/bin/busybox
[ -x $busybox ] && ! ldd $busybox >/dev/null 2>&1 || die "$busybox missing or dynamic: install busybox-static"

kernel=${CORT_QEMU_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)}
[ -n "$kernel" ] && [ -r "$kernel" ] || die "no readable kernel in /boot: install linux-image-amd64"
kver=${kernel##*/vmlinuz-}
mods=/lib/modules/$kver/kernel
# brd: a ram disk (1:0) for io.max; null_blk (needs configfs): a multi-queue disk on which
# the iocost policy can be enabled, for per-device io.weight.
modules="$mods/drivers/block/brd.ko $mods/fs/configfs/configfs.ko $mods/drivers/block/null_blk/null_blk.ko"
for m in $modules; do [ -r "$m" ] || die "$m missing (linux-image-amd64 modules)"; done

if [ $# -ge 2 ]; then
  work=$2; rm -rf "$work"; mkdir -p "$work"
else
  work=$(mktemp -d /tmp/cort-qemu.XXXXXX)
  [ "${CORT_QEMU_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
fi
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,newroot,lib/modules,bundles,files}

# ---- the guest's own userland: busybox and one symlink per applet ----
applets() { # DIR: busybox + relative applet links in DIR (not --install -s: absolute links)
  cp $busybox "$1/busybox"
  $busybox --list | (cd "$1" && perl -ne 'chomp; next if $_ eq "busybox"; symlink("busybox", $_) or die "$_: $!\n"')
}
applets "$root/bin"
ln -s bin "$root/sbin"
mknod -m 600 "$root/dev/console" c 5 1  # the kernel opens it for init's stdio
# Stripped: the debug info would triple the initramfs the emulated guest must unpack and copy.
strip --strip-all -o "$root/bin/cort" "$cort" 2>/dev/null || cp "$cort" "$root/bin/cort"
cp $modules "$root/lib/modules/"
install -m 755 "$here/guest-init.sh" "$root/init"
install -m 755 "$here/guest-cases.sh" "$root/cases.sh"

# ---- the container rootfs (shared by every bundle: root.path is absolute) ----
rootfs=$root/rootfs
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc}
chmod 1777 "$rootfs/tmp"
applets "$rootfs/bin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"

# ---- bundles: cort's default spec plus each case's args and resources ----
tmpl=$work/template.json
(cd "$work" && "$cort" spec && mv config.json "$tmpl") || die "'$cort spec' failed"
# bundle NAME ARGS_JSON RESOURCES_JSON [EXTRA_JQ]
bundle() {
  mkdir -p "$root/bundles/$1"
  jq --argjson args "$2" --argjson res "$3" \
    ".process.terminal = false | .process.args = \$args | .root = {path: \"/rootfs\", readonly: false}
     | .linux.resources = (.linux.resources // {}) + \$res ${4:+| $4}" "$tmpl" > "$root/bundles/$1/config.json" \
    || die "bundle $1: jq failed"
}
sleeper='["sleep","1000"]'
bundle plain "$sleeper" '{}'
bundle all "$sleeper" '{
  "memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296},
  "cpu": {"shares": 512, "quota": 50000, "period": 100000, "burst": 10000, "cpus": "0", "mems": "0"},
  "pids": {"limit": 100},
  "blockIO": {"weight": 500,
              "throttleReadBpsDevice": [{"major": 1, "minor": 0, "rate": 1048576}],
              "throttleWriteIOPSDevice": [{"major": 1, "minor": 0, "rate": 100}]},
  "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
  "unified": {"memory.high": "62914560", "memory.oom.group": "1"}}'
bundle idle "$sleeper" '{"cpu": {"idle": 1}}'
# 4095 stands for null_blk's dynamic major; the guest substitutes the real one.
bundle wdev "$sleeper" '{"blockIO": {"weightDevice": [{"major": 4095, "minor": 0, "weight": 200}]}}'
bundle nested "$sleeper" '{"memory": {"limit": 33554432}, "pids": {"limit": 10}}' '.linux.cgroupsPath = "/outer/inner"'
bundle termall '["sh","-c","trap \"echo got-term >> /tmp/termall.log\" TERM; sleep 1000 & while :; do wait; sleep 1; done"]' '{}'
bundle oomev '["sh","-c","read x < /tmp/oomev.go; tail /dev/zero; sleep 1000"]' '{"memory": {"limit": 16777216, "swap": 16777216}}'
bundle nolimit "$sleeper" '{"memory": {"limit": -1}, "cpu": {"quota": -1}}'
bundle oom '["sh","-c","tail /dev/zero; echo rc=$? > /tmp/oom.rc; sleep 1000"]' \
  '{"memory": {"limit": 16777216, "swap": 16777216}}'
bundle oomrun '["tail","/dev/zero"]' '{"memory": {"limit": 16777216, "swap": 16777216}}'
bundle pids '["sh","-c","sleep 1000 & sleep 1000 & sleep 1000 & sleep 1000 & echo forked-all; wait"]' \
  '{"pids": {"limit": 3}}'
devscript='echo x > /dev/null && head -c1 /dev/zero >/dev/null && head -c1 /dev/urandom >/dev/null &&
 head -c1 /dev/random >/dev/null && echo y > /dev/full; echo full=$?
 rm -f /tmp/cons /tmp/ram; mknod /tmp/cons c 5 1; echo mknod=$?; (: > /tmp/cons); echo open=$?
 mknod /tmp/ram b 1 0; head -c1 /tmp/ram >/dev/null; echo blk=$?; rm -f /tmp/cons /tmp/ram'
mknod_caps='.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
bundle devices "$(jq -n --arg s "$devscript" '["sh","-c",$s]')" '{}' "$mknod_caps"
bundle devallow "$(jq -n --arg s "$devscript" '["sh","-c",$s]')" \
  '{"devices": [{"allow": false, "access": "rwm"},
               {"allow": true, "type": "c", "major": 5, "minor": 1, "access": "rw"}]}' "$mknod_caps"
bundle twosleeps '["sh","-c","sleep 1000 & sleep 1000 & wait"]' '{}'
bundle shmfill '["sh","-c","head -c 20971520 /dev/zero > /dev/shm/fill; echo filled > /tmp/shm.ok; sleep 1000"]' '{}'
# Bad input: each must fail before anything is left behind.
bundle bad_unified "$sleeper" '{"unified": {"memory.nosuchfile": "1"}}'
bundle bad_cpuset "$sleeper" '{"cpu": {"cpus": "7"}}'
bundle bad_pids "$sleeper" '{"pids": {"limit": -5}}'
bundle bad_rdma "$sleeper" '{"rdma": {"mlx5_0": {"hcaHandles": 3, "hcaObjects": 100}}}'
bundle bad_swappiness "$sleeper" '{"memory": {"swappiness": 10}}'
bundle bad_rt "$sleeper" '{"cpu": {"realtimeRuntime": 1000}}'
bundle bad_net "$sleeper" '{"network": {"classID": 1}}'
# Issue 15: run from a session scope that holds processes (guest-cases.sh moves itself there).
sess_res='{"memory": {"limit": 33554432}, "pids": {"limit": 10}, "cpu": {"quota": 50000, "period": 100000}}'
bundle sess_res "$sleeper" "$sess_res"
bundle sess_rel "$sleeper" "$sess_res" '.linux.cgroupsPath = "pods/rel"'
bundle sess_abs "$sleeper" "$sess_res" '.linux.cgroupsPath = "/abs/ctr"'
bundle sess_abs0 "$sleeper" '{}' '.linux.cgroupsPath = "/abs0"'
bundle sess_run '["sh","-c","echo ran"]' "$sess_res"
bundle sess_inside "$sleeper" "$sess_res" '.linux.cgroupsPath = "/user.slice/session-1.scope/inner"'
bundle sess_inside0 "$sleeper" '{}' '.linux.cgroupsPath = "/user.slice/session-1.scope/inner"'
bundle busy "$sleeper" '{}' '.linux.cgroupsPath = "/busy"'
bundle frozen "$sleeper" '{}' '.linux.cgroupsPath = "/frz"'
bundle frozen_below "$sleeper" '{}' '.linux.cgroupsPath = "/frz/ctr"'
# Resources files for update --resources.
echo '{"memory":{"limit":100663296},"pids":{"limit":30},"cpu":{"quota":-1}}' > "$root/files/update.json"
echo '{"memory":{"limit":10485760,"checkBeforeUpdate":true}}' > "$root/files/check-low.json"
echo '{"memory":{"limit":10485760,"swap":10485760,"checkBeforeUpdate":true}}' > "$root/files/check-low-swap.json"
echo '{"memory":{"limit":67108864,"checkBeforeUpdate":true}}' > "$root/files/check-high.json"
echo '{"memory":{"limit":10485760}}' > "$root/files/nocheck-low.json"

# Emulated, the kernel's own xz decompression takes ~15 s before it prints anything. A kernel
# built with PVH boots as a plain ELF, so unpack vmlinux once on the host (~3 s; cached in
# CORT_QEMU_CACHE, which ctest points at the build dir) and fall back to the bzImage otherwise.
boot_kernel=$kernel
cache=${CORT_QEMU_CACHE:-$work}
vmlinux=$cache/vmlinux-$kver
unpack_vmlinux() { # the ELF inside an xz bzImage, or nothing
  local off
  off=$( (LC_ALL=C grep -abo -m1 $'\xfd7zXZ' "$kernel" || true) | head -n1 | cut -d: -f1)
  [ -n "$off" ] || return 0
  # xz complains about the bytes after its stream; the ELF check is what counts.
  tail -c +$((off + 1)) "$kernel" | xz -dc 2>/dev/null || true
}
if grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null && command -v xz >/dev/null; then
  if [ ! -s "$vmlinux" ] || [ "$kernel" -nt "$vmlinux" ]; then
    mkdir -p "$cache"
    unpack_vmlinux > "$vmlinux.tmp$$"
    if [ "$(head -c4 "$vmlinux.tmp$$" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$vmlinux.tmp$$" "$vmlinux"
    else
      rm -f "$vmlinux.tmp$$"
    fi
  fi
  if [ -s "$vmlinux" ]; then boot_kernel=$vmlinux; fi
fi

initrd=$work/initrd.cpio
(cd "$root" && find . | cpio -o -H newc --quiet) > "$initrd"

# ---- boot ----
console=$work/console.log
start=$(date +%s%N)
set +e
timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -nographic -no-reboot -nodefaults \
  -serial stdio -m 1024 -smp 2 -kernel "$boot_kernel" -initrd "$initrd" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" </dev/null >"$console" 2>&1
rc=$?
set -e
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
elapsed=$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))

tap=$work/tap.txt
tr -d '\r' < "$console" | grep -E '^(not ok|ok) [0-9]+|^1\.\.[0-9]+|^# ' > "$tap" || true
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$tap" | tail -n1)
n_ok=$(grep -cE '^ok [0-9]+' "$tap" || true)
n_notok=$(grep -cE '^not ok [0-9]+' "$tap" || true)
boot_s=$(tr -d '\r' < "$console" | sed -n 's/^# guest: boot done after \([0-9.]*\) s.*/\1/p' | head -n1)

fail=""
[ $rc -eq 124 ] || [ $rc -eq 137 ] && fail="qemu timed out after ${timeout_s}s"
[ -z "$fail" ] && [ $rc -ne 0 ] && fail="qemu exited with $rc"
[ -z "$fail" ] && [ -z "$plan" ] && fail="no TAP plan line in the console output"
[ -z "$fail" ] && [ "$n_notok" -ne 0 ] && fail="$n_notok of $plan guest cases failed"
[ -z "$fail" ] && [ "$((n_ok + n_notok))" -ne "$plan" ] && fail="plan says $plan cases, console shows $((n_ok + n_notok))"
if [ -n "$fail" ]; then
  echo "cgroupv2-qemu: FAIL: $fail" >&2
  echo "---- failing TAP lines ----" >&2
  grep -A20 -E '^not ok' "$tap" | grep -E '^not ok|^# ' >&2 || true
  echo "---- console tail ----" >&2
  tr -d '\r' < "$console" | tail -n 60 >&2
  exit 1
fi
grep -E '^ok ' "$tap"
echo "cgroupv2-qemu: all $plan guest cases passed on $(basename "$boot_kernel") (qemu ${elapsed}s wall, guest boot ${boot_s:-?}s)"
