#!/usr/bin/env python3
"""Benchmarks of gene-lsp, the language server (bench/lsp.sh).

A small LSP client over the server's stdio (JSON-RPC with Content-Length
framing; one thread reads and time-stamps frames, one parses them, queues
responses by id and notifications in arrival order, and answers requests from
the server with a null result), driven on a generated 10,000-line Gene file
(bench/lib/gen_gene.py):

  session   initialize (client capabilities without textDocument.diagnostic,
            so the server pushes diagnostics), initialized, didOpen, the first
            publishDiagnostics; 100 incremental didChange edits (a digit
            inserted into / removed from a number literal in a function body,
            50 different lines), each timed from sending didChange to the
            publishDiagnostics of that version; bursts of edits sent without
            waiting (only the last version must be published, never an older
            one after a newer); completion at 100 positions and hover on 100
            call names inside function bodies; semanticTokens/full,
            documentSymbol and formatting (10 each); formatting of a copy with
            every line's indentation stripped; the server's VmHWM / VmRSS from
            /proc/PID/status; shutdown + exit.
  fmt       `gene fmt` (stdin -> stdout) of the same file, and of the copy with
            the indentation stripped; `gene check FILE`; rustfmt on a Rust
            file of about the same number of lines (this repository's .rs
            files at HEAD, each wrapped in `mod fN { ... }`), and on rustfmt's
            own output of it.

Goals (issue 7): didChange -> publishDiagnostics p50 < 30 ms; completion and
hover p50 < 10 ms.

Every wait has a timeout (--timeout, default 30 s); the server is killed if it
is still there 3 s after `exit`. Problems (an error response, a timeout,
diagnostics of an old version after a newer one, a log message of type Error)
are reported with the JSON, the benchmark goes on where it can, and the exit
status is 1.

Only the standard library is used.
"""

import argparse
import collections
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import framing  # noqa: E402
from benchlib import table, short  # noqa: E402
from dapbench import clip, pct, ms, progress  # noqa: E402
import gen_gene  # noqa: E402


# --------------------------------------------------------------------------
# LSP client


class LspError(Exception):
    """A request failed, a wait timed out, or the server misbehaved."""


class LspClient:
    """One server process speaking LSP over stdin/stdout.

    Each message read gets `_t` (time.perf_counter() when its last byte was
    read, before JSON parsing) and `_size` (its Content-Length). Responses are
    kept by id, notifications in arrival order in `notes`; `mark()` is the
    index of the next notification. Requests from the server are answered
    with a null result (a list of nulls for workspace/configuration) and kept
    in `server_requests`.
    """

    def __init__(self, server, timeout=30.0, cwd=None, stderr_path=None, keep=True):
        """keep=False (long soaks): remember only the last messages and no notifications.
        Keeping every response of a 10-minute soak grows the client to hundreds of MB,
        and its garbage collector's pauses then show up as server latency."""
        self.timeout = timeout
        self.keep = keep
        self.next_id = 0
        self.cv = threading.Condition()
        self.wlock = threading.Lock()
        self.responses = {}      # id -> response message
        self.notes = []          # notifications in arrival order
        self.messages = [] if keep else collections.deque(maxlen=16)  # messages received
        self.server_requests = []
        self.sent = {}           # id -> request message (with _t)
        self.eof = False
        self.reader_error = None
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([server], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, cwd=cwd)
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
                    self.reader_error = f"invalid JSON from the server ({e}): {data[:300]!r}"
                    break
                msg["_t"] = t
                msg["_size"] = length
                is_request = "method" in msg and "id" in msg
                with self.cv:
                    self.messages.append(msg)
                    if is_request:
                        self.server_requests.append(msg)
                    elif "method" in msg and self.keep:
                        self.notes.append(msg)
                    elif "id" in msg:
                        self.responses[msg["id"]] = msg
                    self.cv.notify_all()
                if is_request:
                    result = None
                    if msg["method"] == "workspace/configuration":
                        result = [None] * len((msg.get("params") or {}).get("items") or [])
                    try:
                        self._write({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                    except LspError:
                        pass
        finally:
            with self.cv:
                self.eof = True
                self.cv.notify_all()

    def _write(self, msg):
        data = json.dumps({k: v for k, v in msg.items() if not k.startswith("_")},
                          ensure_ascii=False).encode()
        frame = b"Content-Length: %d\r\n\r\n" % len(data) + data
        with self.wlock:
            t = time.perf_counter()
            try:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as e:
                raise LspError(f"cannot send {clip(msg)}: server gone ({e})")
        return t

    def send(self, method, params=None):
        """Writes a request; returns its id. The send time is in sent[id]['_t']."""
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        msg["_t"] = self._write(msg)
        self.sent[self.next_id] = msg
        return self.next_id

    def notify(self, method, params=None):
        """Writes a notification; returns the send time."""
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        return self._write(msg)

    def _gone(self):
        why = self.reader_error or f"server output closed (exit status {self.proc.poll()})"
        return why + self.stderr_tail()

    def stderr_tail(self):
        if not self.stderr_path:
            return ""
        try:
            with open(self.stderr_path, "rb") as f:
                text = f.read().decode(errors="replace").strip()
        except OSError:
            return ""
        return f"; server stderr: {short(text, 600)}" if text else ""

    def recent(self, n=6):
        with self.cv:
            msgs = list(self.messages)[-n:]
        return "\n".join("    <- " + clip(m, 600) for m in msgs) or "    (nothing received)"

    def wait_response(self, rid, timeout=None, ok=True):
        timeout = self.timeout if timeout is None else timeout
        deadline = time.perf_counter() + timeout
        with self.cv:
            while rid not in self.responses:
                left = deadline - time.perf_counter()
                if self.eof:
                    raise LspError(f"no response to {clip(self.sent[rid])}: {self._gone()}")
                if left <= 0:
                    raise LspError(f"no response within {timeout:g} s to {clip(self.sent[rid])}; "
                                   f"last messages received:\n{self.recent()}")
                self.cv.wait(left)
            resp = self.responses.pop(rid)
        if ok and "error" in resp:
            raise LspError(f"error response:\n    -> {clip(self.sent[rid])}\n    <- {clip(resp)}")
        resp["_sent"] = self.sent[rid]["_t"]
        return resp

    def request(self, method, params=None, timeout=None, ok=True):
        """Sends a request and returns its response (LspError on an error response)."""
        return self.wait_response(self.send(method, params), timeout, ok)

    def mark(self):
        with self.cv:
            return len(self.notes)

    def wait_note(self, method, pred=None, since=0, timeout=None):
        """First notification `method` (matching pred) at index >= since."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.perf_counter() + timeout
        i = since
        with self.cv:
            while True:
                while i < len(self.notes):
                    n = self.notes[i]
                    i += 1
                    if n.get("method") == method and (pred is None or pred(n)):
                        n["_index"] = i - 1
                        return n
                left = deadline - time.perf_counter()
                if self.eof:
                    raise LspError(f"waiting for {method!r}: {self._gone()}")
                if left <= 0:
                    raise LspError(f"no {method!r} within {timeout:g} s; "
                                   f"last messages received:\n{self.recent()}")
                self.cv.wait(left)

    def notes_named(self, method, since=0):
        with self.cv:
            return [n for n in self.notes[since:] if n.get("method") == method]

    def close(self, problems=None, label=""):
        """shutdown + exit; waits up to 3 s for the process, kills it otherwise.
        Returns the time from sending `exit` to the process's end (None if killed)."""
        gone = None
        try:
            if self.proc.poll() is None and not self.eof:
                try:
                    self.request("shutdown", None, timeout=5)
                except LspError as e:
                    if problems is not None:
                        problems.append(f"{label}shutdown: {e}")
                try:
                    t0 = self.notify("exit")
                    self.proc.wait(timeout=3)
                    gone = time.perf_counter() - t0
                except LspError as e:
                    if problems is not None:
                        problems.append(f"{label}exit: {e}")
                except subprocess.TimeoutExpired:
                    if problems is not None:
                        problems.append(f"{label}the server was still running 3 s after "
                                        f"`exit`; killed")
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
            if self._stderr not in (None, subprocess.DEVNULL):
                self._stderr.close()
            self.reader.join(timeout=2)
            self.parser.join(timeout=2)
        return gone


# --------------------------------------------------------------------------
# helpers


def proc_status(pid):
    """VmHWM, VmRSS (KiB) of a process from /proc/PID/status."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def kb(x):
    return "n/a" if x is None else f"{x:,} KB"


def ms1(x):
    return "n/a" if x is None else f"{x * 1000:.1f} ms"


def utf16_to_index(s, ch):
    """Python string index of UTF-16 column ch in line s."""
    n = 0
    for i, c in enumerate(s):
        if n >= ch:
            return i
        n += 2 if ord(c) > 0xFFFF else 1
    return len(s)


def spread(xs, n):
    """n items of xs, evenly spaced (all of them if there are fewer)."""
    if len(xs) <= n:
        return list(xs)
    return [xs[i * len(xs) // n] for i in range(n)]


WORD = re.compile(r"[A-Za-z0-9_*?!\-]+")


def word_at(line, idx):
    """The identifier containing (or starting at) string index idx of line."""
    for m in WORD.finditer(line):
        if m.start() <= idx <= m.end() and m.end() > idx:
            return m.group(0)
    return None


def count_symbols(syms):
    n = 0
    for s in syms or []:
        n += 1 + count_symbols(s.get("children"))
    return n


def median_or_none(xs):
    return statistics.median(xs) if xs else None


def time_cmd(cmd, stdin_path=None):
    """Runs cmd once with stdout/stderr captured; (wall seconds, rc, stdout bytes, stderr text)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
    finally:
        if stdin_path:
            stdin.close()
    return wall, p.returncode, p.stdout, p.stderr.decode(errors="replace")


# --------------------------------------------------------------------------
# the benchmark


class Bench:
    def __init__(self, a):
        self.a = a
        self.problems = []
        self.tmp = tempfile.mkdtemp(prefix="gene-lspbench.")
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.path = os.path.join(self.ws, "bench10k.gene")
        self.text, self.marks = gen_gene.generate(a.lines)
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(self.text)
        self.lines = self.text.split("\n")
        # every line's indentation stripped: the formatter re-indents all of it
        self.flat_text = "\n".join(ln.lstrip(" ") for ln in self.lines)
        self.flat_path = os.path.join(self.tmp, "bench10k_flat.gene")
        with open(self.flat_path, "w", encoding="utf-8") as f:
            f.write(self.flat_text)
        self.uri = "file://" + self.path
        self.flat_uri = "file://" + self.flat_path
        self.goals = []
        self.mem = {}

    def debounce(self):
        """The server's diagnostics debounce in ms, read from its source (None if not found)."""
        try:
            with open(os.path.join(self.a.repo, "gene-lsp", "src", "server.rs")) as f:
                m = re.search(r"DEBOUNCE:\s*Duration\s*=\s*Duration::from_millis\((\d+)\)", f.read())
        except OSError:
            return None
        return int(m.group(1)) if m else None

    def sample(self, c, label):
        """VmRSS / VmHWM of the server now, kept under label for the report."""
        self.mem[label] = proc_status(c.proc.pid)

    def problem(self, label, e):
        self.problems.append(f"{label}: {e}")
        progress(f"  PROBLEM in {label}: {short(str(e), 400)}")

    def describe_file(self):
        t = self.text
        n_lines = t.count("\n")
        print(f"input: {n_lines:,}-line Gene file generated by bench/lib/gen_gene.py "
              f"({len(t.encode()):,} bytes, {len(t):,} characters; "
              f"{t.count('(fn '):,} fn, {t.count('(class '):,} class, {t.count('(method '):,} method, "
              f"{t.count('(ns '):,} ns, {t.count('sleep_async'):,} sleep_async, "
              f"{t.count('file_read_async'):,} file_read_async, {t.count('(await '):,} await, "
              f"{sum(1 for ln in self.lines if ln.lstrip().startswith('#')):,} comment lines)")
        r = time_cmd([self.a.gene, "check", self.path])
        kinds = {}
        for m in re.finditer(r"^(Error|Warning|Hint|Info)\b", r[3], re.M):
            kinds[m.group(1)] = kinds.get(m.group(1), 0) + 1
        print(f"gene check: exit {r[1]}, " + (", ".join(f"{v} {k.lower()}(s)" for k, v in
                                                       sorted(kinds.items())) or "no diagnostics"))
        if r[1] != 0 or "Error" in kinds:
            self.problem("gene check of the generated file", f"exit {r[1]}: {short(r[3], 800)}")
        r = time_cmd([self.a.gene, "fmt", "--check", self.path])
        print(f"gene fmt --check: exit {r[1]}"
              + (" (already formatted)" if r[1] == 0 else f" {short(r[3], 300)}"))
        print()

    # ----------------------------------------------------------------------
    # the LSP session

    def initialize(self, c):
        caps = {
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {"workspaceFolders": True, "configuration": False,
                          "didChangeConfiguration": {"dynamicRegistration": False},
                          "didChangeWatchedFiles": {"dynamicRegistration": False},
                          "symbol": {"dynamicRegistration": False}},
            "textDocument": {
                "synchronization": {"dynamicRegistration": False, "didSave": False,
                                    "willSave": False, "willSaveWaitUntil": False},
                "completion": {"completionItem": {"snippetSupport": True,
                                                  "resolveSupport": {"properties": ["documentation"]},
                                                  "tagSupport": {"valueSet": [1]}},
                               "contextSupport": True},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "signatureHelp": {},
                "definition": {}, "references": {}, "documentHighlight": {},
                "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
                "formatting": {}, "rangeFormatting": {}, "onTypeFormatting": {},
                "rename": {"prepareSupport": True},
                "publishDiagnostics": {"relatedInformation": True, "versionSupport": True,
                                       "tagSupport": {"valueSet": [1, 2]},
                                       "codeDescriptionSupport": True},
                "semanticTokens": {
                    "requests": {"full": {"delta": True}, "range": True},
                    "tokenTypes": ["function", "variable", "parameter", "property", "keyword",
                                   "string", "number", "comment", "namespace", "class",
                                   "method", "macro"],
                    "tokenModifiers": ["declaration", "async", "deprecated", "defaultLibrary",
                                       "readonly"],
                    "formats": ["relative"]},
                "foldingRange": {}, "selectionRange": {},
                # no "diagnostic": the server must push diagnostics
            },
        }
        ws_uri = "file://" + self.ws
        resp = c.request("initialize", {
            "processId": os.getpid(), "clientInfo": {"name": "bench/lib/lspbench.py"},
            "rootUri": ws_uri, "rootPath": self.ws,
            "workspaceFolders": [{"uri": ws_uri, "name": "ws"}],
            "capabilities": caps})
        sc = (resp.get("result") or {}).get("capabilities") or {}
        enc = sc.get("positionEncoding", "utf-16")
        if enc != "utf-16":
            raise LspError(f"the server chose position encoding {enc!r} though the client "
                           f"offered only utf-16: {clip(resp)}")
        sync = sc.get("textDocumentSync")
        kind = sync.get("change") if isinstance(sync, dict) else sync
        if kind != 2:
            raise LspError(f"textDocumentSync change kind {kind!r}, not incremental (2): {clip(resp)}")
        if "diagnosticProvider" in sc:
            self.problem("initialize", f"diagnosticProvider advertised though the client has no "
                         f"textDocument.diagnostic: {clip(sc.get('diagnosticProvider'))}")
        c.notify("initialized", {})
        return resp, sc

    def wait_diags(self, c, uri, version, since, timeout=None):
        return c.wait_note("textDocument/publishDiagnostics",
                           lambda n: (n.get("params") or {}).get("uri") == uri
                           and (n.get("params") or {}).get("version") == version,
                           since=since, timeout=timeout)

    def check_order(self, c, uri, label):
        """Problems for publishDiagnostics of a version older than one already published."""
        best, bad = None, []
        for n in c.notes_named("textDocument/publishDiagnostics"):
            p = n.get("params") or {}
            if p.get("uri") != uri:
                continue
            v = p.get("version")
            if v is None:
                continue
            if best is not None and v < best:
                bad.append((best, n))
            best = v if best is None else max(best, v)
        for newer, n in bad[:5]:
            self.problem(label, f"publishDiagnostics for version {n['params'].get('version')} "
                         f"after version {newer} had been published: {clip(n, 600)}")
        return len(bad)

    def part_session(self):
        a = self.a
        print("1. Language-server session on the file (client send -> last byte of the "
              "answer received)")
        print()
        c = None
        rows = []
        mem = self.mem = {}
        notes = []
        try:
            t_spawn = time.perf_counter()
            c = LspClient(a.server, timeout=a.timeout, cwd=self.ws,
                          stderr_path=os.path.join(self.tmp, "server.stderr"))
            resp, sc = self.initialize(c)
            t_init = resp["_t"] - t_spawn
            self.sample(c, "after initialize")
            # didOpen -> first publishDiagnostics
            progress("  session: didOpen")
            m = c.mark()
            version = 1
            t0 = c.notify("textDocument/didOpen", {"textDocument": {
                "uri": self.uri, "languageId": "gene", "version": version, "text": self.text}})
            ev = self.wait_diags(c, self.uri, version, m)
            t_open = ev["_t"] - t0
            base_diags = ev["params"].get("diagnostics") or []
            self.sample(c, "after didOpen + diagnostics")
            codes = {}
            for d in base_diags:
                codes[str(d.get("code"))] = codes.get(str(d.get("code")), 0) + 1
            notes.append(f"initialize: {ms1(t_init)} from spawning the server to the response")
            notes.append(f"didOpen -> first publishDiagnostics: {ms1(t_open)}, "
                         f"{len(base_diags)} diagnostics ("
                         + (", ".join(f"{v} {k}" for k, v in sorted(codes.items())) or "none")
                         + f"), message {ev['_size']:,} B")
            tok0 = None
            try:
                r = c.request("textDocument/semanticTokens/full",
                              {"textDocument": {"uri": self.uri}})
                tok0 = (r.get("result") or {}).get("data")
            except LspError as e:
                self.problem("semanticTokens/full (before the edits)", e)

            # 100 edits, each waited for
            version = self.edits(c, version, base_diags, rows, notes)
            self.sample(c, f"after the {a.edits} edits")
            # bursts
            version = self.bursts(c, version, notes)
            self.sample(c, "after the bursts")
            n_bad = self.check_order(c, self.uri, "diagnostics order")
            notes.append(f"publishDiagnostics of an older version after a newer one: {n_bad}")

            # the text is back to the original: tokens must be the same as before
            self.part_requests(c, rows, notes, tok0)
            self.format_flat(c, rows, notes)
            self.sample(c, "at the end")
            logs = c.notes_named("window/logMessage") + c.notes_named("window/showMessage")
            errs = [n for n in logs if (n.get("params") or {}).get("type") == 1]
            for n in errs[:5]:
                self.problem("server log", f"message of type Error: {clip(n, 600)}")
            if logs:
                notes.append(f"window/logMessage + showMessage received: {len(logs)} "
                             f"({len(errs)} of type Error): "
                             + "; ".join(short(str((n.get("params") or {}).get("message")), 120)
                                         for n in logs[:3]) + (" ..." if len(logs) > 3 else ""))
            if c.server_requests:
                kinds = {}
                for r in c.server_requests:
                    kinds[r["method"]] = kinds.get(r["method"], 0) + 1
                notes.append("requests from the server (answered with null): "
                             + ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())))
        except LspError as e:
            self.problem("session", e)
        finally:
            if c:
                gone = c.close(self.problems, "")
                if gone is not None:
                    notes.append(f"shutdown + exit: the process ended {ms1(gone)} after `exit`")
        if rows:
            print(table(rows, ["", "n", "p50", "p95", "max", "notes"]))
            deb = self.debounce()
            if deb is not None:
                print(f"(didChange -> publishDiagnostics includes the server's debounce of "
                      f"{deb} ms, gene-lsp/src/server.rs)")
            print()
        for n in notes:
            print(n)
        print()
        if mem:
            mrows = [[k, kb(v.get("VmRSS")), kb(v.get("VmHWM"))] for k, v in mem.items()]
            print("server memory (/proc/PID/status)")
            print(table(mrows, ["", "VmRSS", "VmHWM (peak)"]))
            peak = (mem.get("at the end") or {}).get("VmHWM")
            if peak:
                print(f"peak memory of the server (VmHWM at the end): {peak:,} KB "
                      f"({peak / 1024:.1f} MiB)")
            print()

    def edits(self, c, version, base_diags, rows, notes):
        """100 incremental edits at 50 lines, each waited for; rows + notes."""
        a = self.a
        by_line = {}
        for ln, ch in self.marks["edit"]:
            by_line.setdefault(ln, ch)
        marks = spread(sorted(by_line.items()), a.edits // 2)
        plan = [("insert", ln, ch) for ln, ch in marks] + [("remove", ln, ch) for ln, ch in marks]
        progress(f"  session: {len(plan)} edits at {len(marks)} lines, each waited for")
        lat, counts, sizes, rss = [], {}, [], []
        for i, (kind, ln, ch) in enumerate(plan, 1):
            version += 1
            if kind == "insert":
                change = {"range": {"start": {"line": ln, "character": ch},
                                    "end": {"line": ln, "character": ch}}, "text": "1"}
            else:
                change = {"range": {"start": {"line": ln, "character": ch},
                                    "end": {"line": ln, "character": ch + 1}}, "text": ""}
            m = c.mark()
            t0 = c.notify("textDocument/didChange", {
                "textDocument": {"uri": self.uri, "version": version},
                "contentChanges": [change]})
            ev = self.wait_diags(c, self.uri, version, m)
            lat.append(ev["_t"] - t0)
            sizes.append(ev["_size"])
            n = len(ev["params"].get("diagnostics") or [])
            counts[n] = counts.get(n, 0) + 1
            if i % max(1, len(plan) // 4) == 0 or i == len(plan):
                rss.append((i, proc_status(c.proc.pid).get("VmRSS")))
            if a.gap > 0:
                time.sleep(a.gap / 1000)
        first, last = self.marks_lines(marks)
        rows.append(["didChange -> publishDiagnostics", len(lat), ms(pct(lat, 50)),
                     ms(pct(lat, 95)), ms(max(lat)),
                     f"{len(marks)} lines ({first}..{last}), insert then remove a digit; "
                     f"{a.gap:g} ms between edits"])
        notes.append(f"edits: diagnostics per publish: "
                     + ", ".join(f"{k} ({v}x)" for k, v in sorted(counts.items()))
                     + f" (before the edits: {len(base_diags)}); message "
                     f"{statistics.median(sizes):,.0f} B (median)")
        notes.append("edits: server VmRSS after edit " + ", ".join(
            f"{i}: {kb(v)}" for i, v in dict(rss).items()))
        if set(counts) != {len(base_diags)}:
            notes.append("edits: NOTE the number of diagnostics changed during the edits")
        p50 = pct(lat, 50)
        self.goals.append(("didChange -> publishDiagnostics p50 < 30 ms", p50, 0.030))
        return version

    def marks_lines(self, marks):
        return (marks[0][0] + 1, marks[-1][0] + 1) if marks else (0, 0)

    def bursts(self, c, version, notes):
        """Bursts of edits sent without waiting: only the last version needs publishing."""
        a = self.a
        if a.bursts <= 0:
            return version
        by_line = {}
        for ln, ch in self.marks["edit"]:
            by_line.setdefault(ln, ch)
        lines = spread(sorted(by_line.items()), a.bursts * 7)[3::7][:a.bursts]
        progress(f"  session: {len(lines)} bursts of {a.burst_size} edits")
        lat, published, extra = [], [], []
        for ln, ch in lines:
            half = a.burst_size // 2
            m = c.mark()
            v0 = version + 1
            for i in range(a.burst_size):
                version += 1
                if i < half:
                    change = {"range": {"start": {"line": ln, "character": ch},
                                        "end": {"line": ln, "character": ch}}, "text": "1"}
                else:
                    change = {"range": {"start": {"line": ln, "character": ch},
                                        "end": {"line": ln, "character": ch + 1}}, "text": ""}
                t_last = c.notify("textDocument/didChange", {
                    "textDocument": {"uri": self.uri, "version": version},
                    "contentChanges": [change]})
            ev = self.wait_diags(c, self.uri, version, m)
            lat.append(ev["_t"] - t_last)
            time.sleep(0.1)   # late publishes of older versions would show up here
            vs = [(n.get("params") or {}).get("version")
                  for n in c.notes_named("textDocument/publishDiagnostics", m)
                  if (n.get("params") or {}).get("uri") == self.uri]
            published.append(len(vs))
            extra.extend(v for v in vs if v is not None and v0 <= v < version)
        notes.append(f"bursts: {len(lines)} x {a.burst_size} didChange sent back to back; "
                     f"last didChange -> its publishDiagnostics p50 {ms(pct(lat, 50))}, "
                     f"max {ms(max(lat))}; publishes per burst: "
                     + ", ".join(str(n) for n in published)
                     + (f" (intermediate versions published: {len(extra)})" if extra else ""))
        return version

    def timed(self, c, label, method, params_list, check=None):
        """One request per params; latencies and results; problems noted."""
        lat, results = [], []
        for params in params_list:
            try:
                r = c.request(method, params)
            except LspError as e:
                self.problem(label, e)
                continue
            lat.append(r["_t"] - r["_sent"])
            results.append((params, r))
        return lat, results

    def part_requests(self, c, rows, notes, tok0):
        a = self.a
        # completion
        cm = spread(self.marks["complete"], a.samples)
        progress(f"  session: {len(cm)} completions")
        params, expect = [], []
        for ln, ch in cm:
            line = self.lines[ln]
            i = utf16_to_index(line, ch)
            dot = i > 0 and line[i - 1] == "."
            ctx = {"triggerKind": 2, "triggerCharacter": "."} if dot else {"triggerKind": 1}
            params.append({"textDocument": {"uri": self.uri},
                           "position": {"line": ln, "character": ch}, "context": ctx})
            expect.append((word_at(line, i), dot))
        lat, res = self.timed(c, "completion", "textDocument/completion", params)
        found, sizes, items_n = 0, [], []
        kind_lat = {True: [], False: []}
        for (p, r), (want, dot), t in zip(res, expect, lat):
            result = r.get("result")
            items = result.get("items") if isinstance(result, dict) else (result or [])
            items_n.append(len(items))
            sizes.append(r["_size"])
            kind_lat[dot].append(t)
            if want and any(it.get("label") in (want, "." + want) for it in items):
                found += 1
        if lat:
            n_dot = len(kind_lat[True])
            rows.append(["completion", len(lat), ms(pct(lat, 50)), ms(pct(lat, 95)), ms(max(lat)),
                         f"{len(lat) - n_dot} in a name, {n_dot} after ` .`; "
                         f"items {statistics.median(items_n):,.0f} (median), "
                         f"{statistics.median(sizes):,.0f} B"])
            for dot, name in ((False, "  in a function name"), (True, "  method after ` .`")):
                xs = kind_lat[dot]
                if xs:
                    rows.append([name, len(xs), ms(pct(xs, 50)), ms(pct(xs, 95)), ms(max(xs)), ""])
            notes.append(f"completion: the name being typed is among the items in "
                         f"{found} of {len(res)}")
            self.goals.append(("completion p50 < 10 ms", pct(lat, 50), 0.010))
        self.sample(c, "after the completions")
        # hover
        hm = spread(self.marks["hover"], a.samples)
        progress(f"  session: {len(hm)} hovers")
        params, names = [], []
        for ln, ch in hm:
            line = self.lines[ln]
            params.append({"textDocument": {"uri": self.uri},
                           "position": {"line": ln, "character": ch + 1}})
            names.append(word_at(line, utf16_to_index(line, ch)))
        lat, res = self.timed(c, "hover", "textDocument/hover", params)
        named, nulls, sizes = 0, 0, []
        for (p, r), want in zip(res, names):
            result = r.get("result")
            sizes.append(r["_size"])
            if not result:
                nulls += 1
                continue
            if want and want in json.dumps(result.get("contents"), ensure_ascii=False):
                named += 1
        if lat:
            rows.append(["hover on a call name", len(lat), ms(pct(lat, 50)), ms(pct(lat, 95)),
                         ms(max(lat)), f"{statistics.median(sizes):,.0f} B"])
            notes.append(f"hover: {len(res) - nulls} of {len(res)} answered with contents, "
                         f"{named} of them naming the function ({nulls} null)")
            self.goals.append(("hover p50 < 10 ms", pct(lat, 50), 0.010))
        self.sample(c, "after the hovers")
        # semantic tokens, document symbols, formatting
        tries = a.tries
        progress(f"  session: semanticTokens/full, documentSymbol, formatting x{tries}")
        lat, res = self.timed(c, "semanticTokens/full", "textDocument/semanticTokens/full",
                              [{"textDocument": {"uri": self.uri}}] * tries)
        if res:
            data = (res[-1][1].get("result") or {}).get("data") or []
            rows.append(["semanticTokens/full", len(lat), ms(pct(lat, 50)), ms(pct(lat, 95)),
                         ms(max(lat)), f"data {len(data):,} integers ({len(data) // 5:,} tokens), "
                         f"{res[-1][1]['_size']:,} B"])
            if tok0 is not None:
                same = tok0 == data
                notes.append(f"semantic tokens after the edits and bursts "
                             f"{'equal' if same else 'DIFFER FROM'} those before them "
                             f"(the edits put the text back as it was)")
                if not same:
                    self.problem("incremental sync", "semantic tokens differ after the edits "
                                 "were undone: the server's text is not the original")
        self.sample(c, "after semanticTokens/full")
        lat, res = self.timed(c, "documentSymbol", "textDocument/documentSymbol",
                              [{"textDocument": {"uri": self.uri}}] * tries)
        if res:
            syms = res[-1][1].get("result") or []
            rows.append(["documentSymbol", len(lat), ms(pct(lat, 50)), ms(pct(lat, 95)),
                         ms(max(lat)), f"{len(syms):,} top-level, {count_symbols(syms):,} in all, "
                         f"{res[-1][1]['_size']:,} B"])
        self.sample(c, "after documentSymbol")
        fparams = {"textDocument": {"uri": self.uri},
                   "options": {"tabSize": 2, "insertSpaces": True}}
        lat, res = self.timed(c, "formatting", "textDocument/formatting", [fparams] * tries)
        if res:
            edits = res[-1][1].get("result")
            rows.append(["formatting (file already formatted)", len(lat), ms(pct(lat, 50)),
                         ms(pct(lat, 95)), ms(max(lat)),
                         f"{len(edits) if isinstance(edits, list) else edits!r} edits, "
                         f"{res[-1][1]['_size']:,} B"])
        self.sample(c, "after formatting")

    def format_flat(self, c, rows, notes):
        """didOpen of the copy without indentation, formatting x tries; the text must be
        what `gene fmt` gives."""
        a = self.a
        progress("  session: formatting of the copy without indentation")
        m = c.mark()
        c.notify("textDocument/didOpen", {"textDocument": {
            "uri": self.flat_uri, "languageId": "gene", "version": 1, "text": self.flat_text}})
        try:
            self.wait_diags(c, self.flat_uri, 1, m)
        except LspError as e:
            self.problem("didOpen of the unindented copy", e)
        fparams = {"textDocument": {"uri": self.flat_uri},
                   "options": {"tabSize": 2, "insertSpaces": True}}
        lat, res = self.timed(c, "formatting (unindented)", "textDocument/formatting",
                              [fparams] * a.tries)
        if res:
            edits = res[-1][1].get("result") or []
            rows.append(["formatting (indentation stripped)", len(lat), ms(pct(lat, 50)),
                         ms(pct(lat, 95)), ms(max(lat)),
                         f"{len(edits)} edit(s), {res[-1][1]['_size']:,} B"])
            w, rc, out, err = time_cmd([a.gene, "fmt"], self.flat_path)
            if len(edits) == 1 and rc == 0:
                same = edits[0].get("newText") == out.decode()
                notes.append(f"formatting of the unindented copy "
                             f"{'equals' if same else 'DIFFERS FROM'} `gene fmt` of it")
                if not same:
                    self.problem("formatting", "LSP formatting and `gene fmt` disagree on the "
                                 "unindented copy")
        c.notify("textDocument/didClose", {"textDocument": {"uri": self.flat_uri}})

    # ----------------------------------------------------------------------
    # formatters on the command line

    def rust_file(self):
        """This repository's .rs files at HEAD, each wrapped in `mod fN { }`, until
        about as many lines as the Gene file. Files with `mod x;` are skipped
        (rustfmt would look for the module's file)."""
        repo = self.a.repo
        want = self.text.count("\n")
        try:
            names = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   check=True).stdout.decode().split()
        except (OSError, subprocess.CalledProcessError):
            return None, 0, 0
        modline = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*;", re.M)
        parts, n, files = [], 0, 0
        for name in sorted(x for x in names if x.endswith(".rs")):
            src = subprocess.run(["git", "-C", repo, "show", f"HEAD:{name}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
            src = src.decode(errors="replace")
            if modline.search(src):
                continue
            files += 1
            parts.append(f"mod f{files} {{\n{src.rstrip()}\n}}\n")
            n += src.rstrip().count("\n") + 3
            if n >= want:
                break
        path = os.path.join(self.tmp, "concat.rs")
        with open(path, "w") as f:
            f.write("".join(parts))
        return path, n, files

    def part_fmt(self):
        a = self.a
        print(f"2. Formatters on the command line (median of {a.tries} runs, whole process "
              f"wall time, output to a pipe)")
        print()
        rows = []
        n_lines = self.text.count("\n")

        def series(cmd, stdin_path=None):
            r0 = time_cmd(cmd, stdin_path)
            if r0[1] != 0:
                return None, r0
            ts = [time_cmd(cmd, stdin_path)[0] for _ in range(a.tries)]
            return ts, r0

        def row(label, cmd, lines, stdin_path=None, note=""):
            ts, r0 = series(cmd, stdin_path)
            if ts is None:
                self.problem(label, f"{' '.join(cmd)}: exit {r0[1]}: {short(r0[3], 600)}")
                rows.append([label, f"{lines:,}", "failed", "n/a", "n/a", note])
                return None, r0
            med = statistics.median(ts)
            rows.append([label, f"{lines:,}", ms(med), ms(min(ts)),
                         f"{med * 1000 / lines * 1000:.1f} ms", note])
            return med, r0

        progress("  fmt: gene fmt / gene check")
        g_med, r0 = row("gene fmt < file (already formatted)", [a.gene, "fmt"], n_lines,
                        self.path)
        if r0[1] == 0 and r0[2].decode() != self.text:
            self.problem("gene fmt", "the output differs from the (already formatted) input")
        g2_med, r0 = row("gene fmt < file (indentation stripped)", [a.gene, "fmt"], n_lines,
                         self.flat_path)
        if r0[1] == 0:
            changed = sum(1 for x, y in zip(r0[2].decode().split("\n"), self.flat_text.split("\n"))
                          if x != y)
            rows[-1][-1] = f"{changed:,} lines re-indented"
        row("gene fmt --check FILE (formatted)", [a.gene, "fmt", "--check", self.path], n_lines)
        row("gene check FILE", [a.gene, "check", self.path], n_lines,
            note="diagnostics on the command line")
        r_med = r2_med = None
        rustfmt = shutil.which("rustfmt")
        if rustfmt:
            progress("  fmt: rustfmt")
            path, rlines, files = self.rust_file()
            if path:
                r_med, r0 = row("rustfmt --emit stdout (each file in a mod block)",
                                [rustfmt, "--edition", "2021", "--emit", "stdout", path], rlines,
                                note=f"{files} .rs files of this repo at HEAD")
                clean = os.path.join(self.tmp, "concat_clean.rs")
                shutil.copy(path, clean)
                if subprocess.run([rustfmt, "--edition", "2021", clean],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                    with open(clean) as f:
                        clines = f.read().count("\n")
                    r2_med, _ = row("rustfmt --emit stdout (its own output)",
                                    [rustfmt, "--edition", "2021", "--emit", "stdout", clean],
                                    clines, note="nothing to change")
                    row("rustfmt --check (its own output)",
                        [rustfmt, "--edition", "2021", "--check", clean], clines)
            ver = subprocess.run([rustfmt, "--version"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode().strip()
        else:
            ver = None
        print(table(rows, ["", "lines", "median", "min", "per 1,000 lines", "notes"]))
        print()
        if ver:
            print(f"rustfmt: {ver}. No other formatter is installed (black, ruff, prettier, "
                  f"gofmt, clang-format, shfmt: not found).")
        else:
            print("rustfmt: not found; no formatter to compare with.")
        if g_med and r_med:
            print(f"gene fmt vs rustfmt, formatted input: {ms(g_med)} vs {ms(r2_med)}; "
                  f"input to re-indent: {ms(g2_med)} vs {ms(r_med)} "
                  f"(rustfmt {r_med / g2_med:.0f}x the time of gene fmt on about the same "
                  f"number of lines; rustfmt re-lays-out every item, gene fmt only re-indents)")
        print()

    def part_goals(self):
        if not self.goals:
            return
        for name, v, lim in self.goals:
            print(f"goal: {name}: {v * 1000:.2f} ms -> {'met' if v < lim else 'NOT MET'}")
        print()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True, help="gene-lsp binary")
    ap.add_argument("--gene", required=True, help="gene binary (for fmt and check)")
    ap.add_argument("--repo", required=True, help="repository root (for the Rust file)")
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=100, help="edits waited for (even)")
    ap.add_argument("--gap", type=float, default=20.0, help="ms between waited edits")
    ap.add_argument("--bursts", type=int, default=5)
    ap.add_argument("--burst-size", type=int, default=10)
    ap.add_argument("--samples", type=int, default=100, help="completion / hover positions")
    ap.add_argument("--tries", type=int, default=10, help="runs of the other requests and commands")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds for every wait")
    ap.add_argument("--parts", default="session,fmt")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args(argv)
    if a.edits < 2 or a.samples < 1 or a.tries < 1 or a.lines < 200:
        ap.error("--edits >= 2, --samples >= 1, --tries >= 1, --lines >= 200")
    if a.edits % 2 or a.burst_size % 2 or a.burst_size < 2:
        ap.error("--edits and --burst-size must be even (half insert a digit, half remove it)")
    parts = [p.strip() for p in a.parts.split(",") if p.strip()]
    b = Bench(a)
    print(f"gene-lsp: {a.server}")
    print(f"gene:     {a.gene}")
    print(f"load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" ({os.cpu_count()} CPUs)")
    try:
        b.describe_file()
        for p in parts:
            fn = {"session": b.part_session, "fmt": b.part_fmt}.get(p)
            if fn is None:
                ap.error(f"unknown part {p!r}")
            fn()
        b.part_goals()
    finally:
        if a.keep:
            progress(f"  kept {b.tmp}")
        else:
            shutil.rmtree(b.tmp, ignore_errors=True)
    print(f"load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if b.problems:
        print(f"PROBLEMS ({len(b.problems)}):")
        for p in b.problems:
            print("- " + p)
        return 1
    print("no protocol problems (every request answered without error, diagnostics only for "
          "the current version)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
