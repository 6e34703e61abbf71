#!/usr/bin/env bash
# test.sh: setup + configure + build + every test (ctest). The exit code is ctest's.
# Run as root from anywhere: sudo ./scripts/test.sh   (.ci/run runs exactly this)
# Env: BUILD_DIR (default build), JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j "$jobs"
# Tests create real containers (namespaces, mounts, cgroups): root is required, and the
# integration tests run serially so their containers do not race for the same cgroups.
ctest --test-dir "$build" --output-on-failure
