'use strict';
// Process and timing helpers shared by the end-to-end test harnesses
// (tests/dap/lib/harness.js, tests/lsp/lib/client.js). Node built-ins only: each
// suite installs its own packages. Every process passed to `track` is killed when
// the test process exits.

const spawned = new Set();

function track(proc) {
  spawned.add(proc);
  proc.on('exit', () => spawned.delete(proc));
  return proc;
}

function alive(proc) {
  return proc && proc.exitCode === null && proc.signalCode === null;
}

function killProc(proc) {
  if (alive(proc)) {
    try {
      proc.kill('SIGKILL');
    } catch (_) {
      /* already gone */
    }
  }
}

function killAll() {
  for (const p of spawned) killProc(p);
}
process.on('exit', killAll);

/** Resolves with {code, signal} when `proc` exits (at once if it already has). */
function exitOf(proc) {
  if (!alive(proc)) return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects with a clear message if `promise` does not settle within `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timeout after ${ms} ms: ${typeof what === 'function' ? what() : what}`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `fn` until it returns a truthy value; returns that value. */
async function until(fn, ms, what, every = 20) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout after ${ms} ms: ${what}`);
    await sleep(every);
  }
}

module.exports = { track, alive, killProc, killAll, exitOf, sleep, withTimeout, until };
