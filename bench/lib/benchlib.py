#!/usr/bin/env python3
"""Timing and resource helper for the bench/*.sh scripts.

Subcommands (each prints a plain-text report on stdout):

  compare       fib/loop wall time: gene vs python3 vs lua5.4 vs node
  poll          gene --poll-interval 100 vs 0 on fib/loop
  await-cpu     CPU used by a process that only awaits a 1 s timer
  many-sleeps   10,000 concurrent 100 ms timers: wall time and peak RSS

Wall time is time.perf_counter() around the child process. CPU time comes
from os.wait4() on the child. Peak RSS comes from GNU time
(`/usr/bin/time -f %M`) when --gnu-time is given, otherwise from the wait4
rusage. (With os.wait4 alone the child's ru_maxrss
is at least this Python process's own peak RSS, because Linux carries the
high-water mark over fork+exec; GNU time is a small C program, so its child
starts from a tiny floor. That is why the scripts prefer GNU time for RSS.)

Only the standard library is used.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


# --------------------------------------------------------------------------
# running things


class Result:
    __slots__ = ("wall", "user", "sys", "maxrss_kb", "rc", "out", "err")

    def __init__(self, wall, user, sys_, maxrss_kb, rc, out, err):
        self.wall = wall
        self.user = user
        self.sys = sys_
        self.maxrss_kb = maxrss_kb
        self.rc = rc
        self.out = out
        self.err = err

    @property
    def cpu(self):
        return self.user + self.sys


def run_timed(cmd, env=None):
    """Run cmd once; wall time only (subprocess.run around perf_counter)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t0
    return Result(wall, 0.0, 0.0, 0, p.returncode,
                  p.stdout.decode(errors="replace"),
                  p.stderr.decode(errors="replace"))


def run_rusage(cmd, gnu_time=None, env=None):
    """Run cmd once; wall, user, sys CPU seconds and peak RSS (KiB).

    CPU times come from os.wait4() (microsecond resolution; with GNU time in
    between they include its own ~1 ms). Peak RSS comes from GNU time's %M
    when gnu_time is given, else from the wait4 ru_maxrss (see module doc).
    """
    rss_path = None
    full = list(cmd)
    if gnu_time:
        fd, rss_path = tempfile.mkstemp(prefix="gene-bench-time-")
        os.close(fd)
        full = [gnu_time, "-f", "%M", "-o", rss_path] + full
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(full, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, env=env)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode(errors="replace")
            stderr = err.read().decode(errors="replace")
        maxrss = ru.ru_maxrss
        if rss_path:
            # GNU time writes "Command exited with non-zero status N" first
            # when the command fails; the figure is on the last line.
            with open(rss_path) as f:
                lines = [ln for ln in f.read().splitlines() if ln.strip()]
            maxrss = int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0
    finally:
        if rss_path:
            os.unlink(rss_path)
    return Result(wall, ru.ru_utime, ru.ru_stime, maxrss, p.returncode,
                  stdout, stderr)


# --------------------------------------------------------------------------
# formatting


def fmt_s(x):
    return "n/a" if x is None else f"{x:.3f} s"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def fmt_kb(x):
    return "n/a" if x is None else f"{int(round(x)):,} KB"


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    lines = []
    for j, r in enumerate([header] + rows):
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def short(text, limit=300):
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " ..."


def first_line(text):
    text = text.strip()
    return text.splitlines()[-1].strip() if text else ""


# --------------------------------------------------------------------------
# compare


def cmd_compare(a):
    langs = []  # (name, command prefix)
    if a.gene:
        langs.append(("gene", [a.gene, "run"], "gene"))
    if a.python:
        langs.append(("python3", [a.python], "py"))
    if a.lua:
        langs.append(("lua5.4", [a.lua], "lua"))
    if a.node:
        langs.append(("node", [a.node], "js"))
    benches = [("fib", "fib(30)", "832040"), ("loop", "loop 10M", "10000000")]

    medians = {}   # (bench, lang) -> median seconds, or None on failure
    checks = []
    for bench, _, expected in benches:
        cmds = {name: prefix + [os.path.join(a.programs, f"{bench}.{ext}")]
                for name, prefix, ext in langs}
        ok = {}
        # warm-up run, also the output check
        for name, _, _ in langs:
            r = run_timed(cmds[name])
            got = first_line(r.out)
            ok[name] = r.rc == 0 and got == expected
            if not ok[name]:
                checks.append(f"check: {name} {bench}: FAILED (exit {r.rc}, "
                              f"output {got!r}, expected {expected!r}) "
                              f"{short(r.err)}")
            elif name == "gene" and bench == "fib":
                checks.append(f"check: gene fib(30)={got} (expected {expected}): ok")
            elif name == "gene":
                checks.append(f"check: gene loop printed {got} (expected {expected}): ok")
        times = {name: [] for name, _, _ in langs}
        for i in range(a.runs):
            order = langs[i % len(langs):] + langs[:i % len(langs)]
            for name, _, _ in order:
                if ok[name]:
                    times[name].append(run_timed(cmds[name]).wall)
        for name, _, _ in langs:
            medians[(bench, name)] = statistics.median(times[name]) if ok[name] else None
        print(f"  {bench}: done", file=sys.stderr)

    names = [n for n, _, _ in langs]
    header = ["benchmark"] + names + ["gene/python", "gene/lua"]
    rows = []
    for bench, label, _ in benches:
        row = [label] + [fmt_s(medians.get((bench, n))) for n in names]
        g = medians.get((bench, "gene"))
        row.append(fmt_ratio(g, medians.get((bench, "python3"))))
        row.append(fmt_ratio(g, medians.get((bench, "lua5.4"))))
        rows.append(row)
    print(f"median wall time of {a.runs} runs (after one warm-up run each); "
          f"ratio < 1 means gene is faster")
    print(table(rows, header))
    if not a.gene:
        print("gene: not available (target/release/gene missing or failed to build)")
    if not a.lua:
        print("lua5.4: not available, column skipped")
    print()
    for c in checks:
        print(c)
    print("target: gene/python <= 0.50x for fib and loop")
    return 0


# --------------------------------------------------------------------------
# poll overhead


def cmd_poll(a):
    benches = [("fib", "832040"), ("loop", "10000000")]
    variants = [(str(v), [a.gene, "run", "--poll-interval", str(v)])
                for v in (a.on, 0)]
    env = dict(os.environ)
    env.pop("GENE_POLL_INTERVAL", None)
    rows = []
    failed = False
    for bench, expected in benches:
        path = os.path.join(a.programs, f"{bench}.gene")
        ok = True
        for v, prefix in variants:
            r = run_timed(prefix + [path], env=env)
            if r.rc != 0 or first_line(r.out) != expected:
                print(f"check: gene --poll-interval {v} {bench}: FAILED "
                      f"(exit {r.rc}, output {first_line(r.out)!r}) {short(r.err)}")
                ok = False
        if not ok:
            failed = True
            rows.append([bench, "error", "error", "n/a", "n/a"])
            continue
        times = {v: [] for v, _ in variants}
        for i in range(a.runs):
            order = variants if i % 2 == 0 else variants[::-1]
            for v, prefix in order:
                times[v].append(run_timed(prefix + [path], env=env).wall)
        on, off = times[variants[0][0]], times["0"]
        med_on, med_off = statistics.median(on), statistics.median(off)
        rows.append([bench, fmt_s(med_on), fmt_s(med_off),
                     f"{(med_on / med_off - 1) * 100:+.2f}%",
                     f"{(min(on) / min(off) - 1) * 100:+.2f}%"])
        print(f"  {bench}: done", file=sys.stderr)
    print(f"gene run --poll-interval {a.on} vs --poll-interval 0 "
          f"(polling off), {a.runs} alternating runs each")
    print(table(rows, ["program", f"poll={a.on} median", "poll=0 median",
                       "overhead (median)", "overhead (min)"]))
    print("target: overhead < 1% (the min-based figure is the less noisy one)")
    return 1 if failed else 0


# --------------------------------------------------------------------------
# await CPU


def cmd_await_cpu(a):
    cmd = [a.gene, "run", a.program]
    rows = []
    pcts = []
    failed = False
    for i in range(a.runs):
        r = run_rusage(cmd, a.gnu_time)
        if r.rc != 0:
            print(f"run {i + 1}: FAILED (exit {r.rc}) {short(r.err)}")
            failed = True
            continue
        pct = 100.0 * r.cpu / r.wall if r.wall > 0 else 0.0
        pcts.append((pct, r))
        rows.append([f"run {i + 1}", f"{r.wall:.3f} s", f"{r.user:.3f} s",
                     f"{r.sys:.3f} s", f"{r.cpu * 1000:.0f} ms", f"{pct:.2f}%"])
    print(f"gene run {os.path.relpath(a.program)}  (await (sleep_async 1000)); "
          f"CPU from wait4 rusage")
    if rows:
        med = statistics.median(p for p, _ in pcts)
        walls = [r.wall for _, r in pcts]
        cpus = [r.cpu for _, r in pcts]
        rows.append(["median", f"{statistics.median(walls):.3f} s", "", "",
                     f"{statistics.median(cpus) * 1000:.0f} ms", f"{med:.2f}%"])
        print(table(rows, ["", "wall", "user", "sys", "user+sys", "CPU/wall"]))
        verdict = "ok" if med < 2.0 else "ABOVE TARGET"
        print(f"target: CPU/wall < 2%  -> {verdict}")
    return 1 if failed or not rows else 0


# --------------------------------------------------------------------------
# many sleeps


def cmd_many_sleeps(a):
    langs = []
    if a.gene:
        langs.append(("gene", [a.gene, "run",
                               os.path.join(a.programs, "many_sleeps.gene")]))
    if a.node:
        langs.append(("node", [a.node, os.path.join(a.programs, "many_sleeps.js")]))
    if a.python:
        langs.append(("python asyncio",
                      [a.python, os.path.join(a.programs, "many_sleeps.py")]))
    counts = [a.count, 0]
    data = {}  # (lang, count) -> list of Result
    ok = {name: True for name, _ in langs}
    for name, cmd in langs:
        for n in counts:
            r = run_rusage(cmd + [str(n)], a.gnu_time)
            if r.rc != 0 or first_line(r.out) != str(n):
                print(f"check: {name} with {n} sleeps: FAILED (exit {r.rc}, "
                      f"output {first_line(r.out)!r}) {short(r.err)}")
                ok[name] = False
    for i in range(a.runs):
        order = langs[i % len(langs):] + langs[:i % len(langs)]
        for name, cmd in order:
            if not ok[name]:
                continue
            for n in counts:
                data.setdefault((name, n), []).append(run_rusage(cmd + [str(n)], a.gnu_time))
        print(f"  run {i + 1}/{a.runs}: done", file=sys.stderr)

    def med(name, n, attr):
        rs = data.get((name, n))
        return statistics.median(getattr(r, attr) for r in rs) if rs else None

    names = [n for n, _ in langs]
    rows = []
    rows.append([f"wall, {a.count:,} sleeps"] + [fmt_s(med(n, a.count, "wall")) for n in names])
    rows.append(["wall, 0 sleeps"] + [fmt_s(med(n, 0, "wall")) for n in names])
    rows.append([f"peak RSS, {a.count:,} sleeps"] + [fmt_kb(med(n, a.count, "maxrss_kb")) for n in names])
    rows.append(["peak RSS, 0 sleeps"] + [fmt_kb(med(n, 0, "maxrss_kb")) for n in names])
    per = {}
    for n in names:
        hi, lo = med(n, a.count, "maxrss_kb"), med(n, 0, "maxrss_kb")
        per[n] = None if hi is None or a.count == 0 else (hi - lo) * 1024 / a.count
    rows.append(["bytes per pending future"] +
                ["n/a" if per[n] is None else f"{per[n]:,.0f} B" for n in names])
    rows.append([f"CPU (user+sys), {a.count:,}"] +
                ["n/a" if med(n, a.count, "cpu") is None else
                 f"{med(n, a.count, 'cpu') * 1000:.0f} ms" for n in names])
    source = "GNU time %M" if a.gnu_time else "os.wait4 ru_maxrss (floored at the helper's own RSS)"
    print(f"{a.count:,} concurrent 100 ms sleeps awaited together; medians of "
          f"{a.runs} runs; whole-process peak RSS from {source}")
    print(table(rows, [""] + names))
    if a.gene and "gene" in per and per["gene"] is not None:
        g_wall = med("gene", a.count, "wall")
        n_wall = med("node", a.count, "wall") if a.node else None
        g_rss = med("gene", a.count, "maxrss_kb")
        p_rss = med("python asyncio", a.count, "maxrss_kb") if a.python else None
        print()
        if n_wall is not None:
            print(f"target: gene wall <= node wall: {g_wall:.3f} s vs {n_wall:.3f} s -> "
                  f"{'ok' if g_wall <= n_wall else 'ABOVE TARGET'}")
        if p_rss is not None:
            print(f"target: gene peak RSS <= asyncio peak RSS: {fmt_kb(g_rss)} vs {fmt_kb(p_rss)} -> "
                  f"{'ok' if g_rss <= p_rss else 'ABOVE TARGET'}")
        print(f"target: < 1024 bytes per pending future: {per['gene']:,.0f} B -> "
              f"{'ok' if per['gene'] < 1024 else 'ABOVE TARGET'}")
    elif not a.gene:
        print("gene: not available (target/release/gene missing or failed to build)")
    return 0 if all(ok.values()) else 1


# --------------------------------------------------------------------------


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("compare")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--programs", required=True)
    p.add_argument("--gene", default="")
    p.add_argument("--python", default="")
    p.add_argument("--lua", default="")
    p.add_argument("--node", default="")
    p.set_defaults(fn=cmd_compare)

    p = sub.add_parser("poll")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--programs", required=True)
    p.add_argument("--gene", required=True)
    p.add_argument("--on", type=int, default=100)
    p.set_defaults(fn=cmd_poll)

    p = sub.add_parser("await-cpu")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--gene", required=True)
    p.add_argument("--program", required=True)
    p.add_argument("--gnu-time", default="")
    p.set_defaults(fn=cmd_await_cpu)

    p = sub.add_parser("many-sleeps")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--programs", required=True)
    p.add_argument("--gene", default="")
    p.add_argument("--node", default="")
    p.add_argument("--python", default="")
    p.add_argument("--gnu-time", default="")
    p.set_defaults(fn=cmd_many_sleeps)

    a = ap.parse_args(argv)
    if getattr(a, "runs", 1) < 1:
        ap.error("--runs must be at least 1")
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
