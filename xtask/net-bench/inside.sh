# Inside a private network and mount namespace (see net-bench.sh): libvirtd
# 9.0 in a temp dir as virt-testkit's libvirtd starter runs it, and our
# release virt-proxy, both timed by python3-libvirt on the same network.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
W=${TMPDIR:-/tmp}/virt-net-bench
ip link set lo up
D=$W/lv; rm -rf $W; mkdir -p $D/etc-libvirt $D/run $D/lib $D/cache $D/log
printf 'user = "root"\ngroup = "root"\n' > $D/etc-libvirt/qemu.conf
printf 'unix_sock_group = "root"\nunix_sock_rw_perms = "0770"\nauth_unix_ro = "none"\nauth_unix_rw = "none"\nlog_outputs = "3:file:%s/libvirtd.log"\n' $D > $D/libvirtd.conf
cp /etc/passwd $D/passwd; cp /etc/group $D/group
grep -q '^libvirt-qemu:' $D/passwd || echo 'libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin' >> $D/passwd
grep -q '^libvirt-qemu:' $D/group || echo 'libvirt-qemu:x:64055:' >> $D/group
mount --bind $D/etc-libvirt /etc/libvirt; mount --bind $D/passwd /etc/passwd; mount --bind $D/group /etc/group
for p in /run/libvirt:run /var/lib/libvirt:lib /var/cache/libvirt:cache /var/log/libvirt:log; do mkdir -p ${p%%:*}; mount --bind $D/${p#*:} ${p%%:*}; done
/usr/sbin/libvirtd -f $D/libvirtd.conf -p $D/libvirtd.pid & LV=$!
VIRT_QEMU_ROOT=$W/vp $REPO/target/release/virt-proxy --listen $W/vps 2>/dev/null & VP=$!
for i in $(seq 200); do [ -S $D/run/libvirt-sock ] && [ -S $W/vps/libvirt-sock ] && break; sleep 0.1; done
N=${N:-10} /usr/bin/python3 $HERE/bench.py "libvirtd 9.0" "qemu+unix:///system?socket=$D/run/libvirt-sock" "virt-rs" "qemu+unix:///system?socket=$W/vps/libvirt-sock" || tail -5 $D/libvirtd.log
kill $LV $VP
wait $VP 2>/dev/null || true
rm -rf $W
