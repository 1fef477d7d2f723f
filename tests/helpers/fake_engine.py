#!/usr/bin/env python3
# fake_engine.py MODE SOCKET - a tiny Docker Engine API on a unix socket,
# for the tests of engine discovery (tests/integration/t_containers.sh).
#
# MODE docker: calls itself "dockerd" (comm, as nsmon looks for engines by
# process), starts `sleep 1000` as its one container and answers
# /containers/json and /containers/ID/json for it, with the pid as it sees
# it (in its own PID namespace when run in one).  MODE garbage: answers
# every request with a body that is not JSON.  Prints "pid=N ready".
import ctypes
import http.server
import json
import os
import socketserver
import subprocess
import sys

mode, path = sys.argv[1], sys.argv[2]
CID = "f" * 64
child = None
if mode == "docker":
    ctypes.CDLL(None).prctl(15, b"dockerd", 0, 0, 0)  # PR_SET_NAME
    child = subprocess.Popen(["sleep", "1000"])


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

    def do_GET(self):
        if mode == "garbage":
            return self.reply(200, "<html>this is not JSON")
        p = self.path.split("?")[0]
        if p.endswith("/containers/json"):
            return self.reply(200, json.dumps([{
                "Id": CID, "Names": ["/inner"], "State": "running",
                "Labels": {"com.docker.compose.project": "inside"}}]))
        if p.endswith("/containers/%s/json" % CID):
            return self.reply(200, json.dumps({
                "Id": CID, "Name": "/inner",
                "State": {"Pid": child.pid, "Paused": False}}))
        self.reply(404, '{"message": "no such thing"}')


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(path):
    os.unlink(path)
os.makedirs(os.path.dirname(path), exist_ok=True)
srv = Server(path, Handler)
print("pid=%d ready" % (child.pid if child else 0), flush=True)
srv.serve_forever()
