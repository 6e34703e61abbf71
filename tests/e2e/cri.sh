#!/usr/bin/env bash
# cri.sh RUNTIME RESULTS WORK: containerd with its CRI plugin and a runtime handler for RUNTIME
# configured as docs/kubernetes.md says (runtimes.NAME, runtime_type io.containerd.runc.v2,
# options.BinaryName). Kubernetes is not here (no kubelet, no crictl in Debian 12), so the test
# checks that the CRI plugin loaded the handler, then creates a container through the runc v2
# shim with exactly the handler's runtime type and BinaryName, in CRI's k8s.io namespace, and
# checks that RUNTIME ran it. Run through run-engine.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

NS=k8s.io
IMG=docker.io/library/busybox:e2e
HANDLER=$RT_NAME
mkdir -p "$WORK/cni-bin" "$WORK/cni-conf"
# (For the runc control run the handler is runc itself, the default's table.)
runc_table='    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"'
[ "$HANDLER" != runc ] || runc_table=
# The snippet docs/kubernetes.md documents, with private CNI dirs (no pod network here).
start_containerd "$(cat <<EOF
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.6"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
$runc_table
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$HANDLER]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$HANDLER.options]
        BinaryName = "$RT"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$WORK/cni-bin"
    conf_dir = "$WORK/cni-conf"
EOF
)" || { echo "setup|fail|containerd did not start" >> "$RESULTS"; exit 1; }
C=(ctr -a "$CTRD_SOCK" -n "$NS")
on_cleanup 'for c in $("${C[@]}" c ls -q); do "${C[@]}" task kill -s SIGKILL $c; sleep 0.2; "${C[@]}" task delete -f $c; "${C[@]}" c delete $c; done'

make_oci_archive "$WORK/busybox.tar" "$IMG" || die "building the image failed"
"${C[@]}" image import --snapshotter native "$WORK/busybox.tar" >/dev/null \
  || { echo "setup|fail|ctr image import failed" >> "$RESULTS"; exit 1; }


s_handler_loaded() {
  ctr -a "$CTRD_SOCK" plugins ls | tee /dev/stderr | grep -E 'io\.containerd\.grpc\.v1\s+cri\s+.*\sok' >/dev/null \
    || { echo "the CRI plugin is not ok"; false; }
  entry=$(grep -o "$HANDLER:{Type:io.containerd.runc.v2 [^}]*Options:map\[BinaryName:[^] ]*" "$WORK/containerd.log" | head -1)
  echo "handler: $entry"
  expect_match "handler $HANDLER in the CRI config" "BinaryName:$RT\$" "$entry"
}

# What the CRI plugin does for a container of that RuntimeClass: the handler's runtime_type as
# the runtime and its options (runc v2's Options with BinaryName) as the runtime options.
binary_from_handler() {
  grep -o "$HANDLER:{Type:io.containerd.runc.v2 [^}]*Options:map\[BinaryName:[^] ]*" "$WORK/containerd.log" \
    | head -1 | sed 's/.*BinaryName://'
}

s_container_through_handler() {
  bin=$(binary_from_handler)
  [ -n "$bin" ] || { echo "no BinaryName for handler $HANDLER"; false; }
  RUN=("${C[@]}" run --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$bin")
  # k8s.io is every CRI user's namespace: this run's cgroups go under its own top instead.
  "${RUN[@]}" -d --cgroup "/$CG_TOP/k1" "$IMG" k1 sh -c 'echo up > /tmp/up; trap "exit 0" TERM; while :; do sleep 0.2; done'
  wait_for 10 "${C[@]}" task exec --exec-id ready k1 test -e /tmp/up
  d=/run/containerd/runc/$NS/k1
  [ -e "$d/state.json" ] || { echo "no runtime state in $d"; false; }
  if [ "$RT_NAME" = cort ]; then [ -e "$d/.lock" ] || { echo "$d is not cort's"; false; }; fi
  # The container's runtime options: runc v2's Options message (what CRI stores for a handler
  # with options), protobuf-encoded; its binary_name field carries RT.
  info=$("${C[@]}" c info k1)
  expect_eq "runtime" io.containerd.runc.v2 "$(jq -r .Runtime.Name <<<"$info")"
  expect_eq "options type" containerd.runc.v1.Options "$(jq -r .Runtime.Options.type_url <<<"$info")"
  expect_match "options carry BinaryName" "$RT" "$(jq -r .Runtime.Options.value <<<"$info" | base64 -d | tr -c '[:print:]' ' ')"
  expect_eq "exec" up "$("${C[@]}" task exec --exec-id e1 k1 cat /tmp/up)"
  "${C[@]}" task kill -s SIGTERM k1
  wait_for 10 sh -c '[ "$("$@" task ls | awk "\$1 == \"k1\" { print \$3 }")" = STOPPED ]' _ "${C[@]}"
  "${C[@]}" task delete k1
  "${C[@]}" c delete k1
  expect_eq "run output" "hello from k8s.io" "$("${RUN[@]}" --rm --cgroup "/$CG_TOP/k2" "$IMG" k2 echo hello from k8s.io)"
}

scenario cri-handler-loaded s_handler_loaded
scenario cri-container-on-handler s_container_through_handler
