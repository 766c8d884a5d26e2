#!/usr/bin/python3
# Run a command under a prompt-reaping subreaper (orphans reaped at once, as systemd would).
import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
rc = 0
while True:
    try:
        p, st = os.wait()
        if p == pid: rc = os.waitstatus_to_exitcode(st)
    except ChildProcessError:
        break
sys.exit(rc)
