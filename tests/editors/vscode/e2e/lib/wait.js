'use strict';
// Waiting on conditions (no fixed sleeps): shared by harness.js and debug-views.js.

const WAIT_MS = 30000; // one DOM condition

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value (returned); a timeout names `what`. */
async function until(fn, what, ms = WAIT_MS, every = 100) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const why = last instanceof Error ? ` (last error: ${last.message.split('\n')[0]})` : '';
      throw new Error(`timeout after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}${why}`);
    }
    await sleep(every);
  }
}

module.exports = { WAIT_MS, sleep, until };
