#!/usr/bin/env bash
# setup.sh: install everything cort needs to build, test, demo and benchmark on a bare Debian 12,
# as root. Idempotent: when every package is already installed it touches nothing (no network),
# and `apt-get update` is skipped while the package lists are younger than a day.
set -euo pipefail

# Build: compiler, cmake, nlohmann-json (headers) and libseccomp (cort links it statically,
# so the -dev package, which carries the .a file, is needed). libcap is not used: cort has
# its own capability name table (see docs/security.md).
# Tests and demo: catch2, busybox-static (the container rootfs), runc/crun (conformance
# references), jq (edits config.json in scripts/make-bundle.sh without python).
# Benchmark: strace (syscall counts), hyperfine (ad-hoc comparisons), time (GNU time for peak
# RSS: bash's `time` keyword cannot report it), gnuplot-nox (the plot in docs/performance.png).
# Security tests: uidmap (newuidmap/newgidmap for rootless multi-range mappings).
# cgroup v2 tests: these hosts are v1, so a Debian kernel (linux-image-amd64) boots under
# qemu-system-x86 (software emulation) with an initramfs packed by cpio.
# Engine tests (tests/e2e): podman + conmon, containerd, docker.io, the engines users run cort under.
# gnuplot-nox rather than python3-matplotlib: a bare Debian 12 may not even have python3, and
# matplotlib pulls in python3 + numpy + fonts (hundreds of MB); gnuplot-nox is ~2 MB plus cairo
# and still renders PNG (pngcairo) without X.
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  nlohmann-json3-dev libseccomp-dev catch2
  busybox-static runc crun jq
  iproute2 procps util-linux
  strace hyperfine time gnuplot-nox
  uidmap
  qemu-system-x86 linux-image-amd64 cpio
  podman conmon containerd docker.io
)

die() { echo "setup.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian 12 only"

export DEBIAN_FRONTEND=noninteractive
# Another apt/dpkg (unattended-upgrades, a parallel job) may hold the lock: wait, don't fail.
APT=(apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)

missing=()
for p in "${PACKAGES[@]}"; do
  # `install ok installed` is the only state in which the package is usable.
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi
echo "setup.sh: installing: ${missing[*]}"

# Fresh lists (< 1 day) are reused: CI and repeated runs then skip a slow network round-trip.
if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | grep -q .; then
  "${APT[@]}" update >/dev/null || die "apt-get update failed"
fi
"${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null \
  || die "apt-get install failed for: ${missing[*]}"

for p in "${missing[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] \
    || die "package $p is still not installed"
done
echo "setup.sh: done"
