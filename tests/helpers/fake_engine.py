#!/usr/bin/env python3
# fake_engine.py MODE SOCKET [--inspect-delay SECONDS] [--log FILE] [--name
# COMM] [--claim-pid PID] - a tiny Docker
# Engine API on a unix socket, for the tests of engine discovery
# (tests/integration/t_containers.sh) and of `nsmon watch`'s engine events
# (t_watch_containers.sh).
#
# MODE docker: calls itself "dockerd" (comm, as nsmon looks for engines by
# process), starts `sleep 1000` as its one container and answers
# /containers/json and /containers/ID/json for it, with the pid as it sees
# it (in its own PID namespace when run in one).  GET /events streams
# container events (chunked, one JSON object per line) for as long as the
# client stays; each new one prints "streams=N" (how many there are).  On SIGUSR1 it starts another container ("late", id e*64:
# another `sleep 1000`), prints "late_pid=N" and sends its start event;
# the inspect of that container prints "inspecting=ID" when it comes in
# and answers after --inspect-delay seconds (an engine slow to answer).
# MODE garbage: answers every request with a body that is not JSON.
# --log FILE: a line "connection EXE" in FILE for each client that
# connects (EXE: its executable, by SO_PEERCRED), before it is answered (the tests of t_inroot.sh: an engine on the host
# side that nsmon must never contact).  --name COMM: the comm to take in
# MODE docker instead of "dockerd" (one that nsmon must not find by it).
# --claim-pid PID: says its container's init is PID (a lie: a process
# outside its PID namespace).
# Prints "pid=N ready".  SIGTERM stops its containers too.
import ctypes
import http.server
import json
import os
import queue
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time

mode, path = sys.argv[1], sys.argv[2]
delay = 0.0
log = None
comm = b"dockerd"
claim = 0
for opt, val in zip(sys.argv[3::2], sys.argv[4::2]):
    if opt == "--inspect-delay":
        delay = float(val)
    elif opt == "--log":
        log = val
    elif opt == "--name":
        comm = val.encode()
    elif opt == "--claim-pid":
        claim = int(val)
CID = "f" * 64
LATE = "e" * 64
children = {}          # container id -> Popen
streams = []           # one queue per /events client
lock = threading.Lock()
if mode == "docker":
    ctypes.CDLL(None).prctl(15, comm, 0, 0, 0)  # PR_SET_NAME
    children[CID] = subprocess.Popen(["sleep", "1000"])


def start_late(signum, frame):
    children[LATE] = subprocess.Popen(["sleep", "1000"])
    print("late_pid=%d" % children[LATE].pid, flush=True)
    now = time.time_ns()
    ev = {"status": "start", "id": LATE, "from": "busybox",
          "Type": "container", "Action": "start",
          "Actor": {"ID": LATE, "Attributes": {"image": "busybox",
                                               "name": "late"}},
          "scope": "local", "time": now // 10**9, "timeNano": now}
    with lock:
        for q in streams:
            q.put(json.dumps(ev) + "\n")


def stop(signum, frame):
    for c in children.values():
        c.kill()
        c.wait()
    os._exit(0)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def events(self):
        q = queue.Queue()
        with lock:
            streams.append(q)
            print("streams=%d" % len(streams), flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        try:
            while True:
                data = q.get().encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
        except OSError:
            pass
        finally:
            with lock:
                streams.remove(q)

    def inspect(self, cid, name):
        if cid == LATE:
            print("inspecting=%s" % cid, flush=True)
            time.sleep(delay)
        self.reply(200, json.dumps({
            "Id": cid, "Name": "/" + name,
            "State": {"Pid": claim or children[cid].pid, "Paused": False}}))

    def do_GET(self):
        if mode == "garbage":
            return self.reply(200, "<html>this is not JSON")
        p = self.path.split("?")[0]
        if p.endswith("/events"):
            return self.events()
        if p.endswith("/containers/json"):
            return self.reply(200, json.dumps([{
                "Id": CID, "Names": ["/inner"], "State": "running",
                "Labels": {"com.docker.compose.project": "inside"}}]))
        if p.endswith("/containers/%s/json" % CID):
            return self.inspect(CID, "inner")
        if p.endswith("/containers/%s/json" % LATE) and LATE in children:
            return self.inspect(LATE, "late")
        self.reply(404, '{"message": "no such thing"}')


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        if log:
            cred = request.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                      struct.calcsize("3i"))
            pid = struct.unpack("3i", cred)[0]
            try:
                exe = os.readlink("/proc/%d/exe" % pid)
            except OSError:
                exe = "?"
            with open(log, "a") as f:
                f.write("connection %s\n" % exe)
        super().process_request(request, client_address)


signal.signal(signal.SIGUSR1, start_late)
signal.signal(signal.SIGTERM, stop)
if os.path.exists(path):
    os.unlink(path)
os.makedirs(os.path.dirname(path), exist_ok=True)
srv = Server(path, Handler)
print("pid=%d ready" % (children[CID].pid if children else 0), flush=True)
srv.serve_forever()
