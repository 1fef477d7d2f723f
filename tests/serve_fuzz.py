#!/usr/bin/env python3
"""serve_fuzz.py - hostile clients for `nsmon serve` over raw sockets.

  serve_fuzz.py fuzz HOST PORT N      N malformed or oversized requests
  serve_fuzz.py slowloris HOST PORT N [SRC]
                                      N connections trickling headers
                                      from address SRC, a normal client
                                      served meanwhile

fuzz: each request (bad request lines, huge headers, bad percent-
encoding, non-numeric ids, `..` paths, methods other than GET and
HEAD, binary junk; made from a fixed seed, so a failure repeats) must
get a 4xx answer or a closed connection; a 505 only for a request whose
HTTP version is bad.  Never a 2xx/3xx, never silence.  Prints a count
per outcome; exit 1 on any other outcome.

slowloris: N connections open from SRC, each sending a request line and
then one header byte a second.  Meanwhile a normal client (from the
default address) asks /healthz once a second and must get 200 each
time.  Every slow connection must end closed by the server (refused at
once, or cut) before the headers' deadline plus a margin.  Prints the
counts; exit 1 if the normal client was not served or a slow connection
outlived the deadline.
"""
import concurrent.futures
import random
import socket
import sys
import time

SEED = 18
# the headers' deadline of nsmon serve (user/serve/guard.h GUARD_HEADERS_S)
GUARD_S = 10

PATHS_BAD = [
    "/nope", "/api", "/api/", "/api/namespacesx", "/api/namespaces/",
    "/api/namespaces/abc", "/api/namespaces/-1", "/api/namespaces/1e3",
    "/api/namespaces/0x10", "/api/namespaces/99999999999999999999999",
    "/api/namespaces/1.5", "/api/namespaces/+1", "/api/namespaces/%20" "1",
    "/api/namespaces/1/2", "/api/namespaces/0",
    "/../etc/passwd", "/api/../metrics", "/api/namespaces/../../etc/passwd",
    "//api//namespaces", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
    "/metrics/..", "/healthz/", "/healthz/../healthz/x", "/./healthz/.",
    "/api/namespaces?type=%zz", "/api/namespaces?type=%", "/api/namespaces?type=%0",
    "/api/namespaces?type=net%00", "/api/namespaces?type=bogus",
    "/api/namespaces?type=net&type=net", "/api/namespaces?x=1", "/api/namespaces?=",
    "/api/namespaces?type=", "/api/namespaces?type=net,,", "/api/namespaces?%ff=1",
    "/api/events?last_event_id=abc", "/api/events?last_event_id=-1",
    "/api/events?event=dying", "/api/events?type=bogus", "/api/events?bogus=1",
    "/api/events?last_event_id=99999999999999999999999",
    "/metrics?x=1", "/healthz?%", "/readyz?a", "/%", "/%%", "/%00", "/\x7f",
]
METHODS_BAD = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
               "FOO", "get", "G ET", "PROPFIND", "MKCOL", "X" * 300]
VERSIONS_BAD = ["HTTP/9.9", "HTTP/0.9", "HTTP/1", "HTTP/1.1.1", "HTTPS/1.1",
                "HTTP/2.0", "http/1.1", "HTTP/1.1 x", "HTTP/-1.1"]


def req(method, path, version="HTTP/1.1", headers=(), body=b""):
    lines = [f"{method} {path} {version}", "Host: x"] + list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def gen(rng):
    """One hostile request: (bytes, a 505 is fine)."""
    kind = rng.randrange(10)
    if kind == 0:  # bad request lines
        line = rng.choice([
            "GARBAGE", "GET", "GET /", "GET  /healthz  HTTP/1.1", " GET /healthz HTTP/1.1",
            "GET /healthz\tHTTP/1.1", "GET healthz HTTP/1.1", "GET * HTTP/1.1",
            "GET http://x/healthz/../nope HTTP/1.1", "/ HTTP/1.1", "HTTP/1.1",
            "GET /nope HTTP/1.1 extra", "\x01\x02\x03 / HTTP/1.1",
        ])
        return (line + "\r\nHost: x\r\n\r\n").encode("latin-1"), True
    if kind == 1:  # a bad version
        return req("GET", "/nope", rng.choice(VERSIONS_BAD)), True
    if kind == 2:  # huge header values or many headers
        if rng.random() < 0.5:
            hs = ["X-Big: " + "a" * rng.choice([8000, 40000, 200000])]
        else:
            hs = [f"X-{i}: {i}" for i in range(rng.choice([200, 2000, 10000]))]
        return req("GET", rng.choice(PATHS_BAD), headers=hs), False
    if kind == 3:  # a huge URL
        return req("GET", "/api/namespaces/" + "9" * rng.choice([1000, 50000, 300000])), False
    if kind == 4:  # other methods, some with bodies
        m = rng.choice(METHODS_BAD)
        body = b"x" * rng.choice([0, 10, 100000])
        hs = [f"Content-Length: {len(body)}"] if body else []
        if rng.random() < 0.2:
            hs = ["Content-Length: 99999999999999999999"]
            body = b""
        if rng.random() < 0.2:
            hs = ["Transfer-Encoding: chunked"]
            body = b"zz\r\nbad\r\n"
        return req(m, rng.choice(["/healthz", "/api/namespaces", "/metrics"]),
                   headers=hs, body=body), False
    if kind == 5:  # binary junk, ended like a request
        n = rng.choice([1, 10, 100, 1000, 10000])
        return bytes(rng.randrange(256) for _ in range(n)) + b"\r\n\r\n", True
    if kind == 6:  # malformed header lines
        hs = rng.choice([["NoColon"], [": empty-name"], ["X-A:\x00b"], [" leading: space"],
                         ["Host: a", "Host: b"], ["X-\xff: y"], ["Last-Event-ID: x"],
                         ["Authorization: Bearer " + "z" * 5000]])
        return req("GET", rng.choice(PATHS_BAD), headers=hs), False
    if kind == 7:  # mutated bytes of a hostile request
        b = bytearray(req("GET", rng.choice(PATHS_BAD)))
        for _ in range(rng.randrange(1, 6)):
            b[rng.randrange(len(b) - 4)] = rng.randrange(256)
        return bytes(b), True
    if kind == 8:  # HEAD or GET of a bad path
        return req(rng.choice(["GET", "HEAD"]), rng.choice(PATHS_BAD)), False
    # bad Last-Event-ID on the stream
    return req("GET", "/api/events", headers=[
        "Last-Event-ID: " + rng.choice(["x", "-5", "1.0", "", "0x1", "9" * 40])]), False


def one(host, port, data, ok505):
    """'4xx', 'closed', or what else happened."""
    s = socket.create_connection((host, port), timeout=GUARD_S + 5)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading: what matters is what it answered
        got = b""
        try:
            while b"\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            return "silence"
    finally:
        s.close()
    if not got:
        return "closed"
    status = got.split(b"\r\n", 1)[0].split(b" ")
    if len(status) >= 2 and status[0] in (b"HTTP/1.1", b"HTTP/1.0"):
        code = status[1].decode("latin-1")
        if code.startswith("4") or (code == "505" and ok505):
            return "4xx" if code.startswith("4") else "505"
        return "status " + code
    return "no HTTP answer"


def fuzz(host, port, n):
    rng = random.Random(SEED)
    cases = [gen(rng) for _ in range(n)]
    counts, bad = {}, []
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for (data, _), r in zip(cases, ex.map(lambda c: one(host, port, *c), cases)):
            counts[r] = counts.get(r, 0) + 1
            if r not in ("4xx", "closed", "505"):
                bad.append((r, data[:120]))
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    for r, d in bad[:5]:
        print(f"bad: {r}: {d!r}", file=sys.stderr)
    return 1 if bad else 0


def healthz(host, port):
    s = socket.create_connection((host, port), timeout=5)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        return got.startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()


def slowloris(host, port, n, src, deadline):
    conns = []
    for _ in range(n):
        s = socket.socket()
        s.bind((src, 0))
        s.setblocking(False)
        s.connect_ex((host, port))
        conns.append(s)
    time.sleep(0.5)
    for s in conns:
        try:
            s.send(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
        except OSError:
            pass
    start = time.monotonic()
    open_, served, asked, peak = set(conns), 0, 0, 0
    # one byte a second on each, until the server closed every one
    while open_ and time.monotonic() - start < deadline + 10:
        for s in list(open_):
            try:
                s.send(b"a")
                if s.recv(1) == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                continue  # alive: nothing to read
            except OSError:
                open_.discard(s)
                s.close()
        peak = max(peak, len(open_)) if asked else peak
        asked += 1
        served += healthz(host, port)
        time.sleep(1)
    elapsed = time.monotonic() - start
    print(f"slow={n} open_at_first_look={peak} left={len(open_)} "
          f"normal_asked={asked} normal_served={served} closed_after_s={elapsed:.0f}")
    for s in open_:
        s.close()
    return 0 if not open_ and served == asked and asked > 0 else 1


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "fuzz":
        return fuzz(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    if len(sys.argv) >= 5 and sys.argv[1] == "slowloris":
        src = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.2"
        return slowloris(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), src, GUARD_S)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
