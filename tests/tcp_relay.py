#!/usr/bin/env python3
"""tcp_relay.py LISTEN_BASE TARGET_BASE COUNT CAPTURE: a TCP relay that
records what passes (tests/t032-curve.sh). For k in 0..COUNT-1 it listens on
127.0.0.1:LISTEN_BASE+k and connects each accepted connection to
127.0.0.1:TARGET_BASE+k, copying bytes both ways and appending every chunk to
CAPTURE, so a test can look for plain text on the wire. Runs until killed;
prints "ready" on stdout once every port listens."""
import socket
import sys
import threading

listen_base, target_base, count, capture = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lock = threading.Lock()
out = open(capture, "ab", buffering=0)


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            with lock:
                out.write(b)
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(lsock, port):
    while True:
        c, _ = lsock.accept()
        try:
            t = socket.create_connection(("127.0.0.1", port))
        except OSError:
            c.close()
            continue
        threading.Thread(target=pump, args=(c, t), daemon=True).start()
        threading.Thread(target=pump, args=(t, c), daemon=True).start()


threads = []
for k in range(count):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_base + k))
    ls.listen(16)
    th = threading.Thread(target=serve, args=(ls, target_base + k), daemon=True)
    th.start()
    threads.append(th)
print("ready", flush=True)
for th in threads:
    th.join()
