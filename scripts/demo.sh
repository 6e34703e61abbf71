#!/usr/bin/env bash
# demo.sh: setup + build + make a busybox bundle + `cort run` a container that prints a greeting,
# its hostname and its ids, then exits 0. Run as root: sudo ./scripts/demo.sh
# Env: BUILD_DIR (default build), JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target cort
cort=$(pwd)/$build/cort

work=$(mktemp -d /tmp/cort-demo.XXXXXX)
id=demo-$$
cleanup() {
  "$cort" --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# The bundle's config.json comes from `cort spec` itself.
RUNTIME=$cort ./scripts/make-bundle.sh "$work/bundle" >/dev/null
echo "+ cort --root $work/state run --bundle $work/bundle $id"
"$cort" --root "$work/state" run --bundle "$work/bundle" "$id"
echo "demo: container exited 0"
