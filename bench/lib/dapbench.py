#!/usr/bin/env python3
"""Benchmarks of gene-dap, the Debug Adapter Protocol server (bench/dap.sh).

A small DAP client over the adapter's stdio (Content-Length framing, a reader
thread that queues responses and events) and three measurements:

  overhead   fib(27) and 10,000 sleeps: `gene run PROG` (release and server
             builds) vs a DAP launch session, with a breakpoint that is never
             hit and with no breakpoints; time from configurationDone to the
             `terminated` event. Target: <= 1.3x `gene run`.
  stepping   100 x `next` in a 200-iteration loop: time from sending `next` to
             the `stopped` event (reason step). 100 x `pause` while the program
             is blocked in an await: `pause` -> `stopped` (reason pause), then
             `continue`. Target: p50 < 5 ms.
  futures    `gene/futures` with 10,000 pending futures, paused at a breakpoint
             and while running (blocked in an await): response time and size;
             and the batched gene/futureCreated events.

Every wait has a timeout (--timeout, default 30 s); adapter processes are
killed at the end of each session. Problems (a failed request, a timeout, an
unexpected event order) are reported with the request/response JSON, the
benchmark goes on with the next part, and the exit status is 1.

Only the standard library is used.
"""

import argparse
import json
import math
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import framing  # noqa: E402
from benchlib import run_timed, table, short, first_line  # noqa: E402


# --------------------------------------------------------------------------
# DAP client


class DapError(Exception):
    """A request failed, a wait timed out, or the adapter misbehaved."""


def clip(obj, limit=1500):
    """JSON of a message for a report, without our bookkeeping keys, clipped."""
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if not k.startswith("_")}
    text = json.dumps(obj, ensure_ascii=False)
    if len(text) > limit:
        text = text[:limit] + f" ... ({len(text):,} chars)"
    return text


class DapClient:
    """One adapter process speaking DAP over stdin/stdout.

    Each message read gets `_t` (time.perf_counter() when its last byte was
    read, before JSON parsing) and `_size` (its Content-Length). Responses are
    queued by request_seq, events in arrival order in `events`; `mark()` is
    the index of the next event, to wait only for events after a point.
    Two threads: one reads and time-stamps frames, one parses and queues them.
    """

    def __init__(self, adapter, timeout=30.0, cwd=None, stderr_path=None):
        self.timeout = timeout
        self.seq = 0
        self.cv = threading.Condition()
        self.responses = {}      # request_seq -> response message
        self.events = []         # event messages in arrival order
        self.messages = []       # every message received, in order
        self.sent = {}           # seq -> request message (with _t)
        self.eof = False
        self.reader_error = None
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen([adapter], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr,
                                     cwd=cwd)
        self.raw = queue.Queue()
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.parser = threading.Thread(target=self._parse_loop, daemon=True)
        self.reader.start()
        self.parser.start()

    # -- transport

    def _read_loop(self):
        """Framing only (framing.py): stamps each message when its last byte is read
        and hands the bytes to the parser thread."""
        err = framing.read_frames(self.proc.stdout, self.raw.put)
        if err:  # not over the parser's own complaint
            self.reader_error = err

    def _parse_loop(self):
        try:
            while True:
                item = self.raw.get()
                if item is None:
                    break
                t, length, data = item
                try:
                    msg = json.loads(data)
                except ValueError as e:
                    self.reader_error = f"invalid JSON from the adapter ({e}): {data[:300]!r}"
                    break
                msg["_t"] = t
                msg["_size"] = length
                with self.cv:
                    self.messages.append(msg)
                    if msg.get("type") == "response":
                        self.responses[msg.get("request_seq")] = msg
                    elif msg.get("type") == "event":
                        self.events.append(msg)
                    self.cv.notify_all()
        finally:
            with self.cv:
                self.eof = True
                self.cv.notify_all()

    def send(self, command, arguments=None):
        """Writes a request; returns its seq. The send time is in sent[seq]['_t']."""
        self.seq += 1
        msg = {"seq": self.seq, "type": "request", "command": command}
        if arguments is not None:
            msg["arguments"] = arguments
        data = json.dumps(msg).encode()
        frame = b"Content-Length: %d\r\n\r\n" % len(data) + data
        t = time.perf_counter()
        try:
            self.proc.stdin.write(frame)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise DapError(f"cannot send {clip(msg)}: adapter gone ({e})")
        msg["_t"] = t
        self.sent[self.seq] = msg
        return self.seq

    def _gone(self):
        why = self.reader_error or f"adapter output closed (exit status {self.proc.poll()})"
        return why + self.stderr_tail()

    def stderr_tail(self):
        if not self.stderr_path:
            return ""
        try:
            with open(self.stderr_path, "rb") as f:
                text = f.read().decode(errors="replace").strip()
        except OSError:
            return ""
        return f"; adapter stderr: {short(text, 600)}" if text else ""

    def recent(self, n=6):
        with self.cv:
            msgs = self.messages[-n:]
        return "\n".join("    <- " + clip(m, 600) for m in msgs) or "    (nothing received)"

    def wait_response(self, seq, timeout=None, ok=True):
        timeout = self.timeout if timeout is None else timeout
        deadline = time.perf_counter() + timeout
        with self.cv:
            while seq not in self.responses:
                left = deadline - time.perf_counter()
                if self.eof:
                    raise DapError(f"no response to {clip(self.sent[seq])}: {self._gone()}")
                if left <= 0:
                    raise DapError(f"no response within {timeout:g} s to {clip(self.sent[seq])}; "
                                   f"last messages received:\n{self.recent()}")
                self.cv.wait(left)
            resp = self.responses.pop(seq)
        if ok and not resp.get("success"):
            raise DapError(f"request failed:\n    -> {clip(self.sent[seq])}\n    <- {clip(resp)}")
        resp["_sent"] = self.sent[seq]["_t"]
        return resp

    def request(self, command, arguments=None, timeout=None, ok=True):
        """Sends a request and returns its response (DapError if it fails, unless ok=False)."""
        return self.wait_response(self.send(command, arguments), timeout, ok)

    def mark(self):
        with self.cv:
            return len(self.events)

    def wait_event(self, name, pred=None, since=0, timeout=None, fail_on=("terminated",)):
        """First event `name` (matching pred) at index >= since; DapError on timeout,
        on the adapter's end, or when an event named in fail_on comes first."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.perf_counter() + timeout
        i = since
        with self.cv:
            while True:
                while i < len(self.events):
                    ev = self.events[i]
                    i += 1
                    if ev.get("event") == name and (pred is None or pred(ev)):
                        ev["_index"] = i - 1
                        return ev
                    if ev.get("event") in fail_on and ev.get("event") != name:
                        raise DapError(f"waiting for event {name!r}, got {clip(ev)} first; "
                                       f"last messages received:\n{self.recent()}")
                left = deadline - time.perf_counter()
                if self.eof:
                    raise DapError(f"waiting for event {name!r}: {self._gone()}")
                if left <= 0:
                    raise DapError(f"no {name!r} event within {timeout:g} s; "
                                   f"last messages received:\n{self.recent()}")
                self.cv.wait(left)

    def events_named(self, name):
        with self.cv:
            return [e for e in self.events if e.get("event") == name]

    def output(self, category="stdout"):
        return "".join((e.get("body") or {}).get("output", "")
                       for e in self.events_named("output")
                       if (e.get("body") or {}).get("category", "console") == category)

    # -- session helpers

    def initialize(self):
        m = self.mark()
        resp = self.request("initialize", {
            "clientID": "dapbench", "clientName": "bench/lib/dapbench.py",
            "adapterID": "gene", "linesStartAt1": True, "columnsStartAt1": True,
            "pathFormat": "path", "supportsRunInTerminalRequest": False})
        ev = self.wait_event("initialized", since=m)
        if ev["seq"] < resp["seq"]:
            raise DapError(f"`initialized` event (seq {ev['seq']}) came before the "
                           f"initialize response (seq {resp['seq']})")
        return resp

    def close(self, problems=None, label=""):
        """disconnect (terminateDebuggee), wait for the adapter to exit, kill it if needed.
        Adds a note to problems if disconnect fails or the adapter outlives 2 s."""
        try:
            if self.proc.poll() is None and not self.eof:
                t0 = time.perf_counter()
                try:
                    self.request("disconnect", {"terminateDebuggee": True}, timeout=5)
                except DapError as e:
                    if problems is not None:
                        problems.append(f"{label}: disconnect: {e}")
                try:
                    self.proc.wait(timeout=3)
                    gone = time.perf_counter() - t0
                    if gone > 2.0 and problems is not None:
                        problems.append(f"{label}: the adapter took {gone:.2f} s to exit "
                                        f"after disconnect (contract: within 2 s)")
                except subprocess.TimeoutExpired:
                    if problems is not None:
                        problems.append(f"{label}: the adapter was still running 3 s "
                                        f"after disconnect; killed it (pid {self.proc.pid})")
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            for s in (self.proc.stdin, self.proc.stdout):
                try:
                    s.close()
                except OSError:
                    pass
            if self._stderr is not subprocess.DEVNULL:
                self._stderr.close()
            self.reader.join(timeout=2)
            self.parser.join(timeout=2)


# --------------------------------------------------------------------------
# helpers


def line_of(path, marker):
    with open(path) as f:
        for i, text in enumerate(f, 1):
            if "# " + marker in text and text.rstrip().endswith(marker):
                return i
    raise SystemExit(f"marker {marker} not found in {path}")


def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def ms(x):
    return "n/a" if x is None else f"{x * 1000:.2f} ms"


def ms1(x):
    return "n/a" if x is None else f"{x * 1000:.1f} ms"


def ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, a):
        self.a = a
        self.problems = []
        self.tmp = tempfile.mkdtemp(prefix="gene-dapbench.")
        self.sessions = 0

    def client(self):
        self.sessions += 1
        return DapClient(self.a.adapter, timeout=self.a.timeout,
                         stderr_path=os.path.join(self.tmp, f"adapter-{self.sessions}.stderr"))

    def problem(self, label, e):
        self.problems.append(f"{label}: {e}")
        progress(f"  PROBLEM in {label}: {short(str(e), 400)}")

    def set_breakpoints(self, c, prog, lines):
        resp = c.request("setBreakpoints", {
            "source": {"path": prog, "name": os.path.basename(prog)},
            "breakpoints": [{"line": ln} for ln in lines]})
        bps = (resp.get("body") or {}).get("breakpoints", [])
        bad = [b for b, ln in zip(bps, lines) if not b.get("verified") or b.get("line") != ln]
        if len(bps) != len(lines) or bad:
            raise DapError(f"setBreakpoints on lines {lines} of {prog}: not verified as asked:\n"
                           f"    <- {clip(resp)}")
        return resp

    def launch(self, prog, bp_lines=None, extra=None):
        """New adapter: initialize, launch, setBreakpoints, configurationDone.
        Returns (client, t_sent(configurationDone))."""
        c = self.client()
        try:
            c.initialize()
            args = {"program": prog, "cwd": os.path.dirname(prog)}
            args.update(extra or {})
            c.request("launch", args)
            if bp_lines:
                self.set_breakpoints(c, prog, bp_lines)
            seq = c.send("configurationDone")
            t_cd = c.sent[seq]["_t"]
            c.wait_response(seq)
            return c, t_cd
        except BaseException:
            c.close()
            raise

    def stopped(self, c, since, reason, timeout=None):
        ev = c.wait_event("stopped", since=since, timeout=timeout)
        body = ev.get("body") or {}
        if body.get("reason") != reason:
            raise DapError(f"expected stopped reason {reason!r}, got {clip(ev)}")
        if body.get("threadId") != 1:
            raise DapError(f"stopped without threadId 1: {clip(ev)}")
        return ev

    def top_line(self, c):
        r = c.request("stackTrace", {"threadId": 1, "startFrame": 0, "levels": 1})
        frames = (r.get("body") or {}).get("stackFrames") or []
        if not frames:
            raise DapError(f"stackTrace returned no frames: {clip(r)}")
        return frames[0].get("line")

    # ----------------------------------------------------------------------
    # 1. overhead

    def dap_run(self, prog, expected, bp_line):
        """One session to the end; returns (configurationDone->terminated, whole session)."""
        c, t_cd = self.launch(prog, [bp_line] if bp_line else None)
        try:
            since = 0
            exited = c.wait_event("exited", since=since, fail_on=("terminated", "stopped"))
            term = c.wait_event("terminated", since=exited["_index"] + 1, fail_on=("stopped",))
            code = (exited.get("body") or {}).get("exitCode")
            out = first_line(c.output("stdout"))
            if code != 0 or out != expected:
                raise DapError(f"{os.path.basename(prog)} under DAP: exitCode {code}, last stdout "
                               f"line {out!r} (expected {expected!r}); stderr output "
                               f"{short(c.output('stderr'), 300)!r}")
            before = [e for e in c.events[:term["_index"]] if e.get("event") == "terminated"]
            if before:
                raise DapError(f"`terminated` before `exited`: {clip(before[0])}")
            return term["_t"] - t_cd, term["_t"] - c.t_spawn
        finally:
            c.close(self.problems, f"overhead session {os.path.basename(prog)}")

    def part_overhead(self):
        a = self.a
        progs = []
        fib = os.path.join(a.programs, "dap_fib27.gene")
        progs.append(("fib(27)", fib, "196418", line_of(fib, "NEVER_BP")))
        # many_sleeps.gene plus a statement that never runs, for the breakpoint
        ms_prog = os.path.join(self.tmp, "many_sleeps.gene")
        with open(os.path.join(a.programs, "many_sleeps.gene")) as f:
            src = f.read()
        with open(ms_prog, "w") as f:
            f.write(src.rstrip("\n") + "\n(if false\n  (println \"never\"))            # NEVER_BP\n")
        progs.append(("10,000 sleeps", ms_prog, "10000", line_of(ms_prog, "NEVER_BP")))

        variants = [("gene run (release)", "run", a.gene_release),
                    ("gene run (server)", "run", a.gene_server),
                    ("DAP, 1 breakpoint never hit", "bp", None),
                    ("DAP, no breakpoints", "nobp", None)]
        res = {}      # (prog label, variant label) -> [seconds]
        whole = {}    # (prog label, variant label) -> [seconds] whole DAP session
        failed = set()
        for plabel, prog, expected, bp in progs:
            def once(vlabel, kind, gene):
                if kind == "run":
                    r = run_timed([gene, "run", prog])
                    got = first_line(r.out)
                    if r.rc != 0 or got != expected:
                        raise DapError(f"{gene} run {prog}: exit {r.rc}, output {got!r} "
                                       f"(expected {expected!r}) {short(r.err)}")
                    return r.wall, None
                return self.dap_run(prog, expected, bp if kind == "bp" else None)

            progress(f"  overhead {plabel}: warm-up")
            for vlabel, kind, gene in variants:
                try:
                    once(vlabel, kind, gene)
                except DapError as e:
                    failed.add((plabel, vlabel))
                    self.problem(f"overhead {plabel} / {vlabel} (warm-up)", e)
            for i in range(a.runs):
                k = i % len(variants)
                for vlabel, kind, gene in variants[k:] + variants[:k]:
                    if (plabel, vlabel) in failed:
                        continue
                    try:
                        t, w = once(vlabel, kind, gene)
                    except DapError as e:
                        failed.add((plabel, vlabel))
                        self.problem(f"overhead {plabel} / {vlabel} (run {i + 1})", e)
                        continue
                    res.setdefault((plabel, vlabel), []).append(t)
                    if w is not None:
                        whole.setdefault((plabel, vlabel), []).append(w)
                progress(f"  overhead {plabel}: run {i + 1}/{a.runs} done")

        def med(d, key):
            v = d.get(key)
            return statistics.median(v) if v else None

        print(f"1. Debug-session overhead: median of {a.runs} runs (one warm-up each, variants "
              f"interleaved).")
        print("   gene run = whole process wall time; DAP = configurationDone sent -> `terminated` "
              "received")
        print("   (a fresh adapter per session; the program is parsed at `launch`, before the "
              "clock starts).")
        print()
        rows = []
        for plabel, *_ in progs:
            rows.append([plabel] + [ms1(med(res, (plabel, v))) for v, _, _ in variants])
        print(table(rows, ["program"] + [v for v, _, _ in variants]))
        print()
        rows = []
        for plabel, *_ in progs:
            rel = med(res, (plabel, variants[0][0]))
            srv = med(res, (plabel, variants[1][0]))
            row = [plabel]
            for v in (variants[2][0], variants[3][0]):
                d = med(res, (plabel, v))
                row += [ratio(d, rel), ratio(d, srv)]
            row.append(ratio(srv, rel))
            rows.append(row)
        print(table(rows, ["ratio", "bp / release", "bp / server", "no bp / release",
                           "no bp / server", "server / release"]))
        print()
        rows = []
        for plabel, *_ in progs:
            rows.append([plabel] + [ms1(med(whole, (plabel, v))) for v, _, _ in variants[2:]])
        print("   whole DAP session (adapter spawned -> `terminated`; includes adapter start-up, "
              "initialize, launch):")
        print(table(rows, ["program"] + [v for v, _, _ in variants[2:]]))
        print()
        for plabel, *_ in progs:
            rel = med(res, (plabel, variants[0][0]))
            srv = med(res, (plabel, variants[1][0]))
            worst = None
            for v in (variants[2][0], variants[3][0]):
                d = med(res, (plabel, v))
                if d is not None and rel:
                    worst = max(worst or 0, d / rel)
            if worst is None:
                print(f"target: {plabel} DAP session <= 1.3x gene run: n/a (failed)")
                continue
            wsrv = max((med(res, (plabel, v)) or 0) / srv
                       for v in (variants[2][0], variants[3][0])) if srv else None
            print(f"target: {plabel} DAP session <= 1.3x gene run: worst {worst:.2f}x vs release, "
                  f"{wsrv:.2f}x vs server -> "
                  f"{'ok' if worst <= 1.3 else ('ABOVE TARGET vs release' + (', ok vs server' if wsrv and wsrv <= 1.3 else ''))}")
        print()

    # ----------------------------------------------------------------------
    # 2. stepping and pause

    def part_stepping(self):
        a = self.a
        prog = os.path.join(a.programs, "dap_step.gene")
        bp = line_of(prog, "STEP_BP")
        nxt = line_of(prog, "STEP_NEXT")
        lat, lines, early = [], {}, 0
        label = "stepping (next)"
        progress(f"  stepping: {a.steps} x next")
        c = None
        try:
            c, _ = self.launch(prog, [bp])
            self.stopped(c, 0, "breakpoint")
            if self.top_line(c) != bp:
                raise DapError(f"stopped at line {self.top_line(c)}, expected the breakpoint line {bp}")
            for _ in range(a.steps):
                m = c.mark()
                seq = c.send("next", {"threadId": 1})
                t0 = c.sent[seq]["_t"]
                ev = self.stopped(c, m, "step")
                resp = c.wait_response(seq)
                lat.append(ev["_t"] - t0)
                if ev["seq"] < resp["seq"]:
                    early += 1
                ln = self.top_line(c)
                lines[ln] = lines.get(ln, 0) + 1
        except DapError as e:
            self.problem(label, e)
        finally:
            if c:
                c.close(self.problems, label)
        print(f"2. Stepping and pause latency (client send -> `stopped` event received)")
        print()
        rows = []
        if lat:
            rows.append([f"next x{len(lat)} (reason step)", ms(pct(lat, 50)), ms(pct(lat, 95)),
                         ms(max(lat))])
        where = ", ".join(f"line {ln}: {n}" for ln, n in sorted(lines.items()))
        # pause while blocked in an await
        prog = os.path.join(a.programs, "dap_pause_await.gene")
        aw = line_of(prog, "PAUSE_AWAIT")
        plat, plines, c = [], {}, None
        label = "pause during await"
        progress(f"  stepping: {a.steps} x pause/continue during an await")
        try:
            c, _ = self.launch(prog)
            c.wait_event("output", lambda e: "waiting" in (e.get("body") or {}).get("output", ""))
            time.sleep(0.05)
            for _ in range(a.steps):
                m = c.mark()
                seq = c.send("pause", {"threadId": 1})
                t0 = c.sent[seq]["_t"]
                ev = self.stopped(c, m, "pause")
                c.wait_response(seq)
                plat.append(ev["_t"] - t0)
                ln = self.top_line(c)
                plines[ln] = plines.get(ln, 0) + 1
                c.request("continue", {"threadId": 1})
                time.sleep(0.02)
        except DapError as e:
            self.problem(label, e)
        finally:
            if c:
                c.close(self.problems, label)
        if plat:
            rows.append([f"pause x{len(plat)} in await (reason pause)", ms(pct(plat, 50)),
                         ms(pct(plat, 95)), ms(max(plat))])
        if rows:
            print(table(rows, ["", "p50", "p95", "max"]))
        else:
            print("(no samples: see problems)")
        print()
        if lines:
            print(f"next: top frame after each step: {where} (breakpoint line {bp}, next line {nxt})")
            if early:
                print(f"next: the `stopped` event came before the `next` response {early} of "
                      f"{len(lat)} times")
        if plines:
            print("pause: top frame line " + ", ".join(f"{ln} ({n}x)" for ln, n in sorted(plines.items()))
                  + f" (the await is on line {aw})")
        for name, xs in (("next", lat), ("pause", plat)):
            if xs:
                p50 = pct(xs, 50)
                print(f"target: {name} p50 < 5 ms: {p50 * 1000:.2f} ms -> "
                      f"{'ok' if p50 < 0.005 else 'ABOVE TARGET'}")
            else:
                print(f"target: {name} p50 < 5 ms: n/a (failed)")
        print()

    # ----------------------------------------------------------------------
    # 3. gene/futures

    def futures_requests(self, c, label):
        """The three gene/futures requests, a.tries times each; rows for the table."""
        reqs = [("no paging", {}), ("start 0, count 100", {"start": 0, "count": 100}),
                ("pending, start 5000, count 100", {"state": "pending", "start": 5000, "count": 100})]
        rows = []
        for name, args in reqs:
            times, last = [], None
            try:
                for _ in range(self.a.tries):
                    r = c.request("gene/futures", args)
                    times.append(r["_t"] - r["_sent"])
                    last = r
            except DapError as e:
                self.problem(f"gene/futures {label} {name}", e)
            if not last:
                rows.append([name, "n/a", "n/a", "n/a", "n/a", "n/a"])
                continue
            body = last.get("body") or {}
            futs = body.get("futures") or []
            body_bytes = len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
            want = args.get("state")
            if want and any(f.get("state") != want for f in futs):
                self.problem(f"gene/futures {label} {name}",
                             f"records with a state other than {want!r}: {clip(futs[:3])}")
            if "count" in args and len(futs) != min(args["count"], max(0, (body.get("total") or 0) - args.get("start", 0))):
                self.problem(f"gene/futures {label} {name}",
                             f"{len(futs)} records for {clip(args)} with total {body.get('total')}")
            rows.append([name, ms(statistics.median(times)), f"{body_bytes:,} B",
                         f"{last['_size']:,} B", f"{len(futs):,}", f"{body.get('total'):,}"
                         if isinstance(body.get("total"), int) else str(body.get("total"))])
        return rows

    def created_counts(self, c):
        evs = c.events_named("gene/futureCreated")
        recs = [f for e in evs for f in ((e.get("body") or {}).get("futures") or [])]
        return len(evs), len(recs), len({f.get("id") for f in recs})

    def wait_created(self, c, n, timeout):
        """Waits until gene/futureCreated events carried n records; returns the last event."""
        deadline = time.perf_counter() + timeout
        since, total, ev = 0, 0, None
        while total < n:
            ev = c.wait_event("gene/futureCreated", since=since,
                              timeout=max(0.001, deadline - time.perf_counter()),
                              fail_on=("terminated", "stopped"))
            since = ev["_index"] + 1
            total += len((ev.get("body") or {}).get("futures") or [])
        return ev

    def part_futures(self):
        a = self.a
        prog = os.path.join(a.programs, "dap_futures.gene")
        bp = line_of(prog, "FUT_BP")
        header = ["request", "median", "body", "message", "records", "total"]
        print(f"3. gene/futures with 10,000 pending futures (median of {a.tries} requests each; "
              f"body = JSON body bytes, message = Content-Length)")
        print()
        created = []
        wait = max(a.timeout, 60)
        # paused at a breakpoint
        progress("  futures: paused at a breakpoint")
        c = None
        try:
            c, t_cd = self.launch(prog, [bp])
            ev = self.stopped(c, 0, "breakpoint", timeout=wait)
            at_stop = self.created_counts(c)
            fc = [e for e in c.events[:ev["_index"]] if e.get("event") == "gene/futureCreated"]
            rows = self.futures_requests(c, "paused")
            print(f"paused at the breakpoint (after configurationDone: gene/futureCreated "
                  + (", ".join(f"{(e['_t'] - t_cd) * 1000:.1f} ms ({e['_size']:,} B)" for e in fc)
                     if fc else "none yet")
                  + f", then `stopped` {(ev['_t'] - t_cd) * 1000:.1f} ms):")
            print(table(rows, header))
            print()
            time.sleep(0.2)
            created.append(("paused session", at_stop, self.created_counts(c)))
        except DapError as e:
            self.problem("gene/futures paused", e)
        finally:
            if c:
                c.close(self.problems, "gene/futures paused")
        # running, blocked in an await
        progress("  futures: running, blocked in an await")
        c = None
        try:
            c, t_cd = self.launch(prog)
            ev = c.wait_event("output", lambda e: "ready" in (e.get("body") or {}).get("output", ""),
                              timeout=wait, fail_on=("terminated", "stopped"))
            # the batch goes out when the VM blocks in the await: then it is surely blocked
            last = self.wait_created(c, 10000, wait)
            time.sleep(0.05)
            at_ready = self.created_counts(c)
            m = c.mark()
            rows = self.futures_requests(c, "running")
            stops = [e for e in c.events[m:] if e.get("event") in ("stopped", "exited", "terminated")]
            if stops:
                self.problem("gene/futures running", f"the program stopped or ended while "
                             f"running: {clip(stops[0])}")
            print(f"running, blocked in `await` (after configurationDone: \"ready\" output "
                  f"{(ev['_t'] - t_cd) * 1000:.1f} ms, last gene/futureCreated "
                  f"{(last['_t'] - t_cd) * 1000:.1f} ms):")
            print(table(rows, header))
            print()
            time.sleep(0.2)
            created.append(("running session", at_ready, self.created_counts(c)))
        except DapError as e:
            self.problem("gene/futures running", e)
        finally:
            if c:
                c.close(self.problems, "gene/futures running")
        for name, (e1, r1, u1), (e2, r2, u2) in created:
            print(f"gene/futureCreated, {name}: {e1} event(s) / {r1:,} records ({u1:,} distinct ids) "
                  f"by the stop / the await; {e2} event(s) / {r2:,} records ({u2:,} distinct ids) "
                  f"by the end")
        for name, _, (e2, r2, _) in created:
            ok = 10000 <= r2 <= 10010 and e2 <= 50
            print(f"target: {name}: 10,000 records in at most ~50 gene/futureCreated events: "
                  f"{r2:,} in {e2} -> {'ok' if ok else 'NOT MET'}")
        print()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adapter", required=True, help="gene-dap binary (server profile)")
    ap.add_argument("--gene-release", required=True, help="target/release/gene")
    ap.add_argument("--gene-server", required=True, help="target/server/gene")
    ap.add_argument("--programs", required=True)
    ap.add_argument("--runs", type=int, default=5, help="runs per variant for the overhead part")
    ap.add_argument("--steps", type=int, default=100, help="next / pause samples")
    ap.add_argument("--tries", type=int, default=10, help="gene/futures requests of each kind")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds for every wait")
    ap.add_argument("--parts", default="overhead,stepping,futures")
    a = ap.parse_args(argv)
    if a.runs < 1 or a.steps < 1 or a.tries < 1:
        ap.error("--runs, --steps and --tries must be at least 1")
    a.programs = os.path.abspath(a.programs)
    parts = [p.strip() for p in a.parts.split(",") if p.strip()]
    b = Bench(a)
    print(f"gene-dap: {a.adapter}")
    print(f"gene (release): {a.gene_release}")
    print(f"gene (server):  {a.gene_server}")
    print()
    try:
        for p in parts:
            fn = {"overhead": b.part_overhead, "stepping": b.part_stepping,
                  "futures": b.part_futures}.get(p)
            if fn is None:
                ap.error(f"unknown part {p!r}")
            fn()
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)
    if b.problems:
        print(f"PROBLEMS ({len(b.problems)}):")
        for p in b.problems:
            print("- " + p)
        return 1
    print("no protocol problems (every request succeeded, events in the expected order)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
