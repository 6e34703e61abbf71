#!/bin/sh
# PID 1 of the qemu guest (busybox sh). Stage 1 runs on the initramfs rootfs, which
# pivot_root refuses to leave, so it copies everything to a tmpfs and switch_roots there;
# stage 2 mounts the usual filesystems and cgroup2 with every controller, runs the cases
# (TAP on the console) and powers off so qemu exits.
export PATH=/bin
if [ "$1" != stage2 ]; then
    mount -t tmpfs -o mode=755 root /newroot
    for d in bin sbin lib rootfs bundles files init cases.sh; do cp -a "/$d" /newroot/; done
    mkdir -p /newroot/dev /newroot/proc /newroot/sys /newroot/run /newroot/tmp /newroot/newroot
    cp -a /dev/console /newroot/dev/
    exec switch_root /newroot /init stage2
    echo "not ok 1 - switch_root failed"
    poweroff -f
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=755 run /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
    echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "# guest: could not enable controller $c"
done
echo "# guest: controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
# A ram disk (1:0) for io.max; a null_blk disk with the iocost policy for per-device io.weight.
insmod /lib/modules/brd.ko rd_nr=1 rd_size=8192 || echo "# guest: insmod brd failed"
insmod /lib/modules/configfs.ko && insmod /lib/modules/null_blk.ko nr_devices=1 ||
    echo "# guest: insmod null_blk failed"
nullb=$(cat /sys/block/nullb0/dev 2>/dev/null)
if [ -n "$nullb" ]; then
    echo "$nullb enable=1" > /sys/fs/cgroup/io.cost.qos || echo "# guest: could not enable iocost on $nullb"
    sed -i "s/\"major\": 4095/\"major\": ${nullb%%:*}/" /bundles/wdev/config.json
fi
echo "# guest: boot done after $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"
sh /cases.sh
echo "# guest: cases done after $(cut -d' ' -f1 /proc/uptime) s"
sync
poweroff -f
