#!/usr/bin/env python3
"""Soak of gene-dap --port 0: N debug sessions launched and ended in one process.

Each session connects over TCP, initializes, launches a small async program with a
breakpoint, continues from it, waits for `terminated`, disconnects and closes. The
adapter's threads (/proc/PID/task), open fds (/proc/PID/fd) and RSS are sampled at
the start, every 100 sessions and at the end: no leaks means they come back to the
same figures. Usage: soak_dap.py --adapter BIN [--sessions 1000]
"""
import argparse, json, os, socket, subprocess, sys, tempfile, time

PROGRAM = """(fn work ^^async [n]
  (await (sleep_async 1))
  (n * 2))
(var total 0)
(for i in (range 1 3)
  (total += (await (work i))))
(println "total" total)
"""


def stat(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return (len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd")), rss)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.seq = 0

    def send(self, command, args=None):
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": args or {}}).encode()
        self.s.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def read(self):
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                n = int(self.buf[:i].split(b":")[1])
                if len(self.buf) >= i + 4 + n:
                    m = json.loads(self.buf[i + 4:i + 4 + n])
                    self.buf = self.buf[i + 4 + n:]
                    return m
            d = self.s.recv(65536)
            if not d:
                raise EOFError("adapter closed the connection")
            self.buf += d

    def until(self, pred, what):
        while True:
            m = self.read()
            if pred(m):
                return m
            if m.get("type") == "response" and not m.get("success"):
                raise RuntimeError(f"{what}: error response {m}")


def session(port, prog, line):
    c = Conn(port)
    s = c.send("initialize", {"adapterID": "gene", "linesStartAt1": True, "columnsStartAt1": True})
    c.until(lambda m: m.get("type") == "response" and m.get("request_seq") == s, "initialize")
    launch = c.send("launch", {"program": prog})
    c.send("setBreakpoints", {"source": {"path": prog}, "breakpoints": [{"line": line}]})
    c.send("configurationDone", {})
    c.until(lambda m: m.get("event") == "stopped", "stopped at the breakpoint")
    c.send("stackTrace", {"threadId": 1})
    c.send("setBreakpoints", {"source": {"path": prog}, "breakpoints": []})
    c.send("continue", {"threadId": 1})
    out = []
    m = c.until(lambda m: (m.get("event") == "output" and out.append(m["body"].get("output", ""))
                           and False) or m.get("event") == "terminated", "terminated")
    d = c.send("disconnect", {})
    c.until(lambda m: m.get("type") == "response" and m.get("request_seq") == d, "disconnect")
    c.s.close()
    if "total 12" not in "".join(out):
        raise RuntimeError(f"unexpected program output {out!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--sessions", type=int, default=1000)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="soak-dap-")
    prog = os.path.join(d, "soak.gene")
    with open(prog, "w") as f:
        f.write(PROGRAM)
    p = subprocess.Popen([a.adapter, "--port", "0"], stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    banner = p.stderr.readline().decode()
    port = int(banner.rsplit(":", 1)[1])
    rows = []
    t0 = time.time()
    try:
        rows.append((0, *stat(p.pid)))
        for i in range(1, a.sessions + 1):
            session(port, prog, 2)
            if i % 100 == 0:
                time.sleep(0.2)  # let the finished session's threads end
                rows.append((i, *stat(p.pid)))
        time.sleep(1.0)
        rows.append(("end", *stat(p.pid)))
    finally:
        p.kill()
        p.wait()
    el = time.time() - t0
    print(f"gene-dap --port 0 soak: {a.sessions} sessions (initialize, launch, breakpoint "
          f"stop, stackTrace, continue, terminated, disconnect) in {el:.1f} s "
          f"({1000 * el / a.sessions:.1f} ms/session)")
    print(f"{'sessions':>8} {'threads':>8} {'fds':>5} {'RSS KB':>8}")
    for r in rows:
        print(f"{r[0]!s:>8} {r[1]:>8} {r[2]:>5} {r[3]:>8,}")
    first, last = rows[0], rows[-1]
    rss = [r[3] for r in rows]
    steady = rows[1][3] if len(rows) > 2 else first[3]
    ok = last[1] == first[1] and last[2] == first[2] and last[3] <= steady * 1.2 + 2048
    print(f"threads {first[1]} -> {last[1]}, fds {first[2]} -> {last[2]}, RSS first {first[3]:,} KB, "
          f"after 100 {steady:,} KB, last {last[3]:,} KB, max {max(rss):,} KB")
    print("verdict:", "no leak (threads and fds back to the start, RSS within 20% + 2 MB of "
          "the figure after 100 sessions)" if ok else "LEAK SUSPECTED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
