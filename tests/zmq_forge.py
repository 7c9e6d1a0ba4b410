#!/usr/bin/env python3
"""zmq_forge.py ENDPOINT NAME [KEYFILE SERVERPUB]: an intruder for
tests/t032-curve.sh. Connects a PUSH socket to ENDPOINT (a stage's "in"
endpoint, src/mq.h) and sends, every 0.3 s until killed, a forged job whose
header (lib/job.c, "DP1") sends a scan named NAME straight to load. With
KEYFILE and SERVERPUB (files of `docpipe keygen`) it speaks CURVE with that
key pair; without, plain ZMTP. Prints "sent N" on SIGTERM."""
import hashlib
import re
import signal
import sys
import time

import zmq

endpoint, name = sys.argv[1], sys.argv[2]


def key(path, which):
    m = re.search(r'^%s = "(.{40})"$' % which, open(path, encoding="ascii").read(), re.M)
    return m.group(1).encode("ascii")


ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.SNDHWM, 1000)
if len(sys.argv) > 4:
    s.curve_publickey = key(sys.argv[3], "public")
    s.curve_secretkey = key(sys.argv[3], "secret")
    s.curve_serverkey = key(sys.argv[4], "public")
s.connect(endpoint)
sent = 0


def stop(*_):
    print("sent %d" % sent, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
i = 0
while True:
    i += 1
    src = "%s-%d.png" % (name, i)
    sha = hashlib.sha256(src.encode()).hexdigest()
    # H id source kind format status error page_count ocr_conf form_type procedure received queued seq hop error_code
    hdr = "DP1\nH\t%s\t%s\tscan\tpng\taccepted\t\t1\t-1.000\t\t\t0\t0\t0\t0\t\nr\tload\n" % (sha, src)
    try:
        s.send(hdr.encode(), zmq.NOBLOCK)
        sent += 1
    except zmq.Again:
        pass
    time.sleep(0.3)
