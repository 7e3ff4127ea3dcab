'use strict';
// Stepping over and into awaits, out of callbacks; pause while computing
// (loops, .map callbacks, generators, timer callbacks; any pollInterval) and
// while blocked in an await; a breakpoint in a callback cancels a step.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };

const AWAIT = 'step_await.gene';

async function stopAtAwait(t) {
  const prog = h.program(AWAIT);
  const s = await h.startStdio(t);
  const line = h.lineOf(AWAIT, 'STEP_AWAIT');
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  return { s, prog };
}

test('next over an await lands on the next line with the value in Locals and $awaited; callbacks that ran meanwhile are not stepped into', T, async (t) => {
  const { s } = await stopAtAwait(t);
  assert.ok(!s.output('stdout').includes('side callback ran'), 'the side callback has not run yet');
  await s.request('next', { threadId: 1 });
  const { top } = await h.stoppedAt(s, 'step', h.lineOf(AWAIT, 'STEP_AFTER'));
  assert.match(top.name, /flow/, 'same frame');
  const locals = await s.scopeVars(top.id, 'Locals');
  assert.equal(h.varByName(locals, 'got').value, '"data"');
  assert.equal(h.varByName(locals, '$awaited').value, '"data"', 'the last awaited value as a pseudo-variable');
  // the side callback ran while the await waited (its output is in order before the stop or right after)
  await s.waitOutput('side callback ran\n', { category: 'stdout', ms: 1000 });
  assert.ok(!s.output('stdout').includes('got data'), 'STEP_AFTER has not run yet');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'side callback ran\ngot data\n');
});

test('stepIn on an await stops at the first Gene line that runs next: the callback of a future that resolved meanwhile', T, async (t) => {
  const { s } = await stopAtAwait(t);
  await s.request('stepIn', { threadId: 1 });
  const { frames } = await h.stoppedAt(s, 'step', h.lineOf(AWAIT, 'SIDE_CB'));
  const label = frames.find((f) => f.presentationHint === 'label');
  assert.ok(label, `an async label frame below the callback: ${frames.map((f) => f.name).join(' | ')}`);
  assert.match(label.name, /future #\d+ resolved: sleep_async 300/);
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'side callback ran\ngot data\n');
});

test('stepOut of a callback stops at the next line run by a frame below it', T, async (t) => {
  const F = 'step_out.gene';
  const prog = h.program(F);
  const s = await h.startStdio(t);
  const line = h.lineOf(F, 'OUT_CB');
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  await h.stoppedAt(s, 'breakpoint', line);
  await s.request('stepOut', { threadId: 1 });
  const { top } = await h.stoppedAt(s, 'step', h.lineOf(F, 'OUT_AFTER'));
  assert.equal(await s.valueOf('r', top.id), '"from callback"');
  assert.equal(s.output('stdout'), 'from callback\n');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'from callback\nafter gate from callback\n');
});

/**
 * Launches a program that computes forever, pauses it twice and checks where it
 * stopped and that it made progress in between.
 */
async function pauseTwice(t, name, marker, { pollInterval, below = null } = {}) {
  const prog = h.program(name);
  const line = h.lineOf(name, marker);
  const s = await h.startStdio(t);
  const extra = pollInterval === undefined ? {} : { pollInterval };
  await s.launch(prog, extra);
  await h.sleep(500);
  let last = -1;
  for (let round = 0; round < 2; round++) {
    const t0 = Date.now();
    await s.request('pause', { threadId: 1 });
    const { frames, top } = await h.stoppedAt(s, 'pause', line, { file: prog, ms: 5000 });
    t.diagnostic(`pause ${round + 1}: stopped after ${Date.now() - t0} ms`);
    if (below) {
      const bl = h.lineOf(name, below);
      assert.ok(
        frames.slice(1).some((f) => f.line === bl && f.source),
        `a frame below at line ${bl}: ${frames.map((f) => `${f.name}:${f.line}`).join(' | ')}`,
      );
    }
    const spins = Number(await s.valueOf('spins', top.id));
    assert.ok(spins > last, `progress between pauses: spins ${last} -> ${spins}`);
    last = spins;
    if (round === 0) {
      await s.continue();
      await h.sleep(300);
    }
  }
  return s;
}

for (const poll of [undefined, 0]) {
  const label = poll === undefined ? 'default pollInterval' : `pollInterval ${poll}`;
  test(`pause while computing in a loop (${label})`, T, async (t) => {
    await pauseTwice(t, 'pause_loop.gene', 'PAUSE_LOOP', { pollInterval: poll });
  });
  test(`pause inside a .map callback that computes (${label})`, T, async (t) => {
    await pauseTwice(t, 'pause_map.gene', 'MAP_SPIN', { pollInterval: poll, below: 'MAP_CALL' });
  });
  test(`pause inside a generator body that computes (${label})`, T, async (t) => {
    await pauseTwice(t, 'pause_generator.gene', 'GEN_SPIN', { pollInterval: poll, below: 'GEN_CALL' });
  });
  test(`pause inside a timer callback that computes (${label})`, T, async (t) => {
    await pauseTwice(t, 'pause_callback.gene', 'CB_SPIN', { pollInterval: poll, below: 'CB_MAIN_AWAIT' });
  });
}

test('pause while blocked in an await: the top frame is the awaiting line', T, async (t) => {
  const F = 'pause_await.gene';
  const prog = h.program(F);
  const s = await h.startStdio(t);
  await s.launch(prog);
  await h.sleep(500);
  const t0 = Date.now();
  await s.request('pause', { threadId: 1 });
  const { top } = await h.stoppedAt(s, 'pause', h.lineOf(F, 'PAUSE_AWAIT'), { file: prog, ms: 5000 });
  const ms = Date.now() - t0;
  t.diagnostic(`pause during an await stopped after ${ms} ms`);
  assert.ok(ms < 2000, `pause took ${ms} ms`);
  const v = await s.valueOf('slow', top.id);
  assert.match(v, /Future|pending/i, `slow is a pending future: ${v}`);
  // still paused: no output, no end
  await h.sleep(300);
  assert.ok(!s.hasEvent('terminated'));
});

test('a breakpoint hit in a callback while stepping elsewhere stops there (reason breakpoint) and cancels the step', T, async (t) => {
  const F = 'step_bp_in_callback.gene';
  const prog = h.program(F);
  const s = await h.startStdio(t);
  const mainLine = h.lineOf(F, 'MAIN_BP');
  const cbLine = h.lineOf(F, 'CB_BP');
  let bps;
  await s.launch(prog, {}, async (s) => {
    bps = await s.setBreakpoints(prog, [mainLine, cbLine]);
  });
  await h.stoppedAt(s, 'breakpoint', mainLine);
  // step in main (over the 2 s await); the 1 s timer's callback hits its breakpoint meanwhile
  let stop = null;
  for (let i = 0; i < 3; i++) {
    await s.request('next', { threadId: 1 });
    const e = await s.waitFirst(['stopped', 'terminated']);
    assert.equal(e.event, 'stopped', 'the program stopped again');
    if (e.body.reason === 'breakpoint') {
      stop = e;
      break;
    }
    assert.equal(e.body.reason, 'step');
  }
  assert.ok(stop, 'stopped at the breakpoint in the callback while stepping');
  const top = await s.topFrame();
  assert.equal(top.line, cbLine, 'stopped in the callback');
  assert.ok((stop.body.hitBreakpointIds || []).includes(bps[1].id), 'hitBreakpointIds names the callback breakpoint');
  // the step was cancelled: continue runs to the end without a step stop
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'main 1\ncallback hit\nmain 2\n');
});
