#!/usr/bin/env python3
"""bench-sse.py - the SSE clients of scripts/bench-serve.sh.

  bench-sse.py HOST PORT N STOPFILE
  bench-sse.py latency HOST PORT

Opens N connections to /api/events (no Last-Event-ID: each gets the
events from its connect on), says `ready` on stdout once every one has
its 200, then reads them all until each has seen the seq written into
STOPFILE (the bench writes the last seq there after its churn).  Then
one line per client would be long: prints a summary,

  clients=N events_min=A events_max=B gapless=N lost_frames=L resync=R
  first_max=F last=S read_s=T

gapless counts the clients whose ids ran from their first to their
last (S or later: the host makes events too) without a gap or a repeat
(the count of `id:` lines equals last - first + 1 and the ids rise); first_max is the latest first id (every client had the events
after it); read_s the time from ready until the last client reached S.
Exit 1 unless every client is gapless.

latency: one client of the uts creates; for each, `PID NS` on stdout,
NS the CLOCK_REALTIME at which it was read (nsloop -l prints the time
its unshare returned: the difference is kernel to client).
"""
import os
import re
import selectors
import socket
import sys
import time

ID = re.compile(rb"^id: (\d+)$", re.M)


class Client:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        # HTTP/1.0: the stream comes unchunked, frames back to back
        self.s.sendall(b"GET /api/events HTTP/1.0\r\n\r\n")
        self.buf = b""
        self.head = False
        self.first = self.last = None
        self.count = self.lost = self.resync = 0
        self.rising = True

    def frames(self, data):
        """Counts the complete frames in data; keeps the rest."""
        data = self.buf + data
        end = data.rfind(b"\n\n")
        if end < 0:
            self.buf = data
            return
        whole, self.buf = data[:end + 2], data[end + 2:]
        n = whole.count(b"\nid: ") + whole.startswith(b"id: ")
        if not n:
            return
        self.count += n
        self.lost += whole.count(b"\nevent: lost\n")
        self.resync += whole.count(b"event: resync\n")
        first = int(ID.search(whole).group(1))
        last = int(ID.findall(whole[-4096:])[-1]) if n > 1 else first
        if self.first is None:
            self.first = first
        elif first <= self.last:
            self.rising = False
        self.last = last

    def read(self):
        data = self.s.recv(1 << 18)
        if not data:
            raise EOFError
        if not self.head:
            data = self.buf + data
            i = data.find(b"\r\n\r\n")
            if i < 0:
                self.buf = data
                return
            if not re.match(rb"HTTP/1\.[01] 200 ", data):
                raise EOFError
            self.head, self.buf, data = True, b"", data[i + 4:]
        self.frames(data)


def latency(host, port):
    """One client: `PID NS` per uts create, NS the realtime it was read."""
    s = socket.create_connection((host, port))
    s.sendall(b"GET /api/events?event=create&type=uts HTTP/1.0\r\n\r\n")
    buf = b""
    print("ready", flush=True)
    while True:
        data = s.recv(1 << 16)
        now = time.time_ns()
        if not data:
            return 0
        buf += data
        for m in re.finditer(rb'^data: \{.*?"pid":(\d+),', buf, re.M):
            print(m.group(1).decode(), now, flush=True)
        buf = buf[buf.rfind(b"\n\n") + 2:] if b"\n\n" in buf else buf


def main():
    if sys.argv[1] == "latency":
        return latency(sys.argv[2], int(sys.argv[3]))
    host, port, n, stopfile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    sel = selectors.DefaultSelector()
    clients = [Client(host, port) for _ in range(n)]
    for c in clients:
        sel.register(c.s, selectors.EVENT_READ, c)
    while not all(c.head for c in clients):
        for key, _ in sel.select(1):
            key.data.read()
    print("ready", flush=True)
    t0 = time.monotonic()
    stop = None
    done = set()
    while len(done) < n:
        # let data gather: one recv per client per round, not per event
        time.sleep(0.02)
        if stop is None and os.path.exists(stopfile):
            txt = open(stopfile).read().strip()
            stop = int(txt) if txt else None
        for key, _ in sel.select(0.2):
            c = key.data
            try:
                c.read()
            except EOFError:
                sel.unregister(c.s)
                done.add(c)
                continue
            if stop is not None and c.last is not None and c.last >= stop:
                sel.unregister(c.s)
                done.add(c)
        if stop is not None:
            for c in clients:
                if c not in done and c.last is not None and c.last >= stop:
                    sel.unregister(c.s)
                    done.add(c)
    t = time.monotonic() - t0
    # the host may have made events after stop: a client may have more
    # (stop None: every client ended, dropped, before the stop was known)
    gapless = sum(1 for c in clients if c.rising and c.first is not None and
                  stop is not None and c.last is not None and c.last >= stop and
                  c.count == c.last - c.first + 1)
    counts = [c.count for c in clients]
    print(f"clients={n} events_min={min(counts)} events_max={max(counts)} "
          f"gapless={gapless} lost_frames={max(c.lost for c in clients)} "
          f"resync={sum(c.resync for c in clients)} "
          f"first_max={max(c.first or 0 for c in clients)} last={stop} read_s={t:.1f}")
    return 0 if gapless == n else 1


if __name__ == "__main__":
    sys.exit(main())
