#!/bin/busybox sh
# dom0's /init for `cargo xtask xen-vm`.
#
# Brings up by hand what a Debian dom0 starts at boot (the kernel modules,
# xenfs, xenstored, xen-init-dom0, xenconsoled), then runs the harness's
# own runner from the 9p share (`xtask xen-vm --in-dom0`), which runs the
# tests and writes their results into the share. Whatever happens, the
# machine powers off at the end: QEMU exits and the host reads the results.
# Lines starting with "XENVM:" go to the console (hvc0 -> Xen -> serial).

/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export HOME=/root

note() { echo "XENVM: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
halt_now() { sync; note "power off"; poweroff -f; sleep 10; }

mount -t proc proc /proc
note "T+$(uptime_s)s /init started"
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /var/lib/xenstored /var/lib/xen /var/log/xen/console

for m in $(cat /etc/xen-vm-modules); do
    insmod "/lib/modules/$m" || note "insmod $m failed"
done

if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host0 /share; then
    note "FATAL: the 9p share did not mount"
    halt_now
fi

if [ "$(cat /sys/hypervisor/type 2>/dev/null)" != xen ]; then
    note "FATAL: dom0 kernel is not running on Xen"
    halt_now
fi
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen
note "T+$(uptime_s)s Xen $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra), xenfs capabilities: $(cat /proc/xen/capabilities)"

# The C xenstored, as Debian's init script starts it (XENSTORED=xenstored).
export XENSTORED_ROOTDIR=/var/lib/xenstored
xenstored --pid-file /run/xenstore.pid
n=0
until xenstore-read -s / >/dev/null 2>&1; do
    n=$((n + 1))
    if [ $n -gt 200 ]; then
        note "FATAL: xenstored did not come up"
        halt_now
    fi
    sleep 0.05
done
xen-init-dom0 >/run/xen-init-dom0.log 2>&1 || { note "xen-init-dom0 failed:"; cat /run/xen-init-dom0.log; }
xenconsoled --pid-file /run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
note "T+$(uptime_s)s xenstored, xen-init-dom0 and xenconsoled up"

LD_LIBRARY_PATH=/share/lib /share/xtask xen-vm --in-dom0 2>&1
note "T+$(uptime_s)s runner exited with $?"
halt_now
