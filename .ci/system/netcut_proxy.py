#!/usr/bin/env python3
"""A TCP proxy on loopback whose link the test can cut, for the door agent's network-cut test.

    netcut_proxy.py LISTEN_PORT TARGET_PORT PIDFILE

It forwards every connection from 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT until told otherwise:

  SIGUSR1  cut the link like a pulled cable: bytes stop flowing both ways on every open connection and
           new connections are accepted but get no answer (a black hole, so the agent meets timeouts,
           not quick refusals);
  SIGUSR2  mend it: the connections caught in the cut are closed (as a reset after an outage would) and
           new ones are forwarded again.

Each change is printed with a timestamp. A connection to a stopped server is closed at once (the server
is down, the network is not).
"""
import os
import signal
import socket
import sys
import threading
import time

listen_port, target_port, pidfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
cut = threading.Event()
frozen = []        # sockets caught in (or opened during) a cut, closed when the link is mended
open_pairs = set() # (client, upstream) pairs forwarding now


def log(message):
    print(f"{time.strftime('%H:%M:%S')} proxy: {message}", flush=True)


def close(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass


def pump(src, dst, pair):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            # Data read just as the link is cut is dropped with the link.
            if cut.is_set():
                while cut.is_set():
                    time.sleep(0.05)
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with lock:
            open_pairs.discard(pair)
        close(src)
        close(dst)


def serve(client):
    if cut.is_set():
        with lock:
            frozen.append(client)
        return
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
        upstream.settimeout(None)
    except OSError:
        close(client)
        return
    pair = (client, upstream)
    with lock:
        open_pairs.add(pair)
    threading.Thread(target=pump, args=(client, upstream, pair), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, pair), daemon=True).start()


def on_cut(signum, frame):
    cut.set()
    with lock:
        for pair in open_pairs:
            frozen.extend(pair)
    log("link cut")


def on_mend(signum, frame):
    with lock:
        caught = list(frozen)
        frozen.clear()
    for s in caught:
        close(s)
    cut.clear()
    log(f"link mended ({len(caught)} sockets from the cut closed)")


signal.signal(signal.SIGUSR1, on_cut)
signal.signal(signal.SIGUSR2, on_mend)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", listen_port))
listener.listen(128)
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
log(f"forwarding 127.0.0.1:{listen_port} -> 127.0.0.1:{target_port}")
while True:
    try:
        client, _ = listener.accept()
    except InterruptedError:
        continue
    threading.Thread(target=serve, args=(client,), daemon=True).start()
