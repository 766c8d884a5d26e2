#!/bin/sh
# Network start and stop, virt-rs against libvirtd 9.0, same run, as root:
#   cargo build --release -p virt-proxy && sh xtask/net-bench/net-bench.sh
# Both daemons run in one private network namespace (nothing reaches the
# host's links or rules) under a prompt reaper (PR_SET_CHILD_SUBREAPER, as
# systemd would be), and python3-libvirt times, for each, net-create of an
# open-mode network with DHCP until dnsmasq listens on port 67, then
# net-destroy (medians of N=10). Open mode: this machine has no iptables,
# which libvirtd 9.0 needs for its NAT and isolated rules.
HERE=$(cd "$(dirname "$0")" && pwd)
exec unshare -n -m --propagation private /usr/bin/python3 "$HERE/reaper.py" sh "$HERE/inside.sh"
