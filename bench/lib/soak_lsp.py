#!/usr/bin/env python3
"""Soak of gene-lsp: N random edits and queries over D seconds on a generated file.

A 5,000-line file (gen_gene.py) is opened; then, paced evenly over the duration, each
operation is an incremental edit (an insertion at a random line, undone by the next
edit so the document keeps its size; some insert an unbalanced `(`) or a query at a
random position (hover, completion, definition, references, documentHighlight,
signatureHelp) or over the whole document (documentSymbol, semanticTokens/full,
foldingRange, formatting). Every response is awaited and timed. RSS is sampled every
10 s. Goals: position queries p99 < 50 ms, whole-document requests p99 < 250 ms,
RSS flat (last within 20% + 5 MB of the first sample after the document is open).
Usage: soak_lsp.py --server BIN [--ops 30000] [--seconds 600] [--lines 5000]
"""
import argparse, os, random, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lspbench import LspClient, proc_status  # noqa: E402

POS = ["textDocument/hover", "textDocument/completion", "textDocument/definition",
       "textDocument/references", "textDocument/documentHighlight", "textDocument/signatureHelp"]
WHOLE = ["textDocument/documentSymbol", "textDocument/semanticTokens/full",
         "textDocument/foldingRange", "textDocument/formatting"]
SNIPPETS = ["(var zz 1) ", "(println x) ", "(", "[1 2 ", "# note ", "(fn q [a] (a + 1)) ", "\"s\" "]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--ops", type=int, default=30000)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=10)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    d = tempfile.mkdtemp(prefix="soak-lsp-")
    path = os.path.join(d, "soak.gene")
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "gen_gene.py"), path, "--lines",
                    str(a.lines)], check=True, stdout=subprocess.DEVNULL)
    text = open(path).read()
    lines = text.split("\n")
    uri = "file://" + path
    c = LspClient(a.server, timeout=60, stderr_path=os.path.join(d, "stderr.txt"), keep=False)
    c.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
        "general": {"positionEncodings": ["utf-16"]}}})
    c.notify("initialized", {})
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "gene",
                                                       "version": 1, "text": text}})
    version = 1
    pending_undo = None
    lat = {m: [] for m in POS + WHOLE}
    worst_at = {}  # method -> (ms, seconds into the run) of its slowest answer
    rss = []
    edits = errors = 0
    t0 = time.perf_counter()
    next_sample = t0
    for i in range(a.ops):
        now = time.perf_counter()
        if now >= next_sample:
            rss.append((now - t0, proc_status(c.proc.pid).get("VmRSS")))
            next_sample += 10
        due = t0 + i * a.seconds / a.ops
        if due > now:
            time.sleep(due - now)
        r = rnd.random()
        if r < 0.5 or pending_undo:
            version += 1
            if pending_undo:
                ln, n = pending_undo
                change = {"range": {"start": {"line": ln, "character": 0},
                                    "end": {"line": ln, "character": n}}, "text": ""}
                pending_undo = None
            else:
                ln = rnd.randrange(len(lines))
                s = rnd.choice(SNIPPETS)
                change = {"range": {"start": {"line": ln, "character": 0},
                                    "end": {"line": ln, "character": 0}}, "text": s}
                pending_undo = (ln, len(s))
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                "contentChanges": [change]})
            edits += 1
            continue
        if r < 0.9:
            m = rnd.choice(POS)
            ln = rnd.randrange(len(lines))
            ch = rnd.randrange(len(lines[ln]) + 1)
            params = {"textDocument": {"uri": uri}, "position": {"line": ln, "character": ch}}
            if m == "textDocument/references":
                params["context"] = {"includeDeclaration": True}
        else:
            m = rnd.choice(WHOLE)
            params = {"textDocument": {"uri": uri}}
            if m == "textDocument/formatting":
                params["options"] = {"tabSize": 2, "insertSpaces": True}
        t = time.perf_counter()
        resp = c.request(m, params, ok=False)
        lat[m].append((time.perf_counter() - t) * 1000)
        worst_at[m] = max(worst_at.get(m, (0, 0)), (lat[m][-1], t - t0))
        if "error" in resp:
            errors += 1
    el = time.perf_counter() - t0
    rss.append((el, proc_status(c.proc.pid).get("VmRSS")))
    c.request("shutdown")
    c.notify("exit")
    try:
        c.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        c.proc.kill()
    q = sum(len(v) for v in lat.values())
    print(f"gene-lsp soak: {a.ops} operations ({edits} edits, {q} requests, {errors} error "
          f"answers) in {el:.0f} s on a {len(lines):,}-line file")
    print(f"{'request':36} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'max at':>7} goal")
    ok = True
    for m in POS + WHOLE:
        xs = lat[m]
        goal = 50 if m in POS else 250
        good = pct(xs, 99) < goal
        ok &= good
        at = worst_at.get(m, (0, 0))[1]
        print(f"{m:36} {len(xs):>5} {pct(xs, 50):>7.1f} {pct(xs, 95):>7.1f} {pct(xs, 99):>7.1f} "
              f"{max(xs or [0]):>7.1f} {at:>6.0f}s p99<{goal} {'ok' if good else 'MISSED'}")
    vals = [v for _, v in rss if v]
    first = rss[1][1] if len(rss) > 1 else rss[0][1]
    last = rss[-1][1]
    flat = last <= first * 1.2 + 5 * 1024
    print("RSS samples (s, KB): " + ", ".join(f"{t:.0f}:{v:,}" for t, v in rss))
    print(f"RSS first {first:,} KB (10 s in), last {last:,} KB, max {max(vals):,} KB: "
          f"{'flat' if flat else 'GROWING'}")
    print("verdict:", "all goals met" if ok and flat and errors == 0 else "goals missed")
    return 0 if ok and flat else 1


if __name__ == "__main__":
    sys.exit(main())
