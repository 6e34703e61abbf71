#!/usr/bin/env bash
# demo.sh: setup + build + make a busybox bundle + `cort run` a container that prints a greeting,
# its hostname and its ids, then exits 0. Run as root: sudo ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)" --target cort

work=$(mktemp -d /tmp/cort-demo.XXXXXX)
id=demo-$$
cleanup() {
  ./build/cort --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
RUNTIME=./build/cort ./scripts/make-bundle.sh "$work/bundle" >/dev/null
echo "+ cort --root $work/state run --bundle $work/bundle $id"
./build/cort --root "$work/state" run --bundle "$work/bundle" "$id"
echo "demo: container exited 0"
