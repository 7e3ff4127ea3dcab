'use strict';
// Attach: `gene run --debug-port N FILE` waits for a debugger; with
// `--debug-no-wait` it runs and accepts one later. The adapter's `attach`
// request takes `{port}`.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };

function readInt(file) {
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isNaN(n) ? 0 : n;
  } catch (_) {
    return 0;
  }
}

test('gene run --debug-port waits for a debugger; attach, breakpoint, continue to the end', T, async (t) => {
  const prog = h.program('attach_wait.gene');
  const port = await h.freePort();
  const g = h.spawnGene(t, ['run', '--debug-port', String(port), prog]);
  await h.waitForLine(
    g.proc,
    'stderr',
    new RegExp(`gene: waiting for debugger on 127\\.0\\.0\\.1:${port}`),
    10000,
    'gene run --debug-port announces the port',
  );
  await h.sleep(500);
  assert.ok(h.alive(g.proc), 'the program waits (still running)');
  assert.equal(g.out.stdout, '', 'nothing ran before a debugger attached');

  const s = await h.startStdio(t);
  const line = h.lineOf('attach_wait.gene', 'ATTACH_BP');
  await s.attach(port, {}, async (s) => {
    const [bp] = await s.setBreakpoints(prog, [line]);
    assert.equal(bp.verified, true, 'breakpoint verified in an attached session');
    assert.equal(bp.line, line);
  });
  const { top } = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  assert.equal(await s.valueOf('total', top.id), '6');
  await s.continue();
  const ex = await h.withTimeout(h.exitOf(g.proc), 10000, 'the debuggee ends after continue');
  assert.equal(ex.code, 0, `exit code of the debuggee; stderr: ${g.out.stderr}`);
  await s.waitEvent('terminated');
  // The program's output goes to its own stdout or to output events: together it is complete.
  const all = g.out.stdout + s.output('stdout');
  for (const l of ['started', 'total 6', 'done']) assert.ok(all.includes(l), `output contains ${l}: ${JSON.stringify(all)}`);
});

test('gene run --debug-no-wait runs at once; a debugger attaches later, pauses and resumes it', T, async (t) => {
  const prog = h.program('attach_nowait.gene');
  const hb = path.join(h.tmpDir(), 'ticks.txt');
  const port = await h.freePort();
  const g = h.spawnGene(t, ['run', '--debug-port', String(port), '--debug-no-wait', prog, hb]);
  await h.until(() => readInt(hb) >= 3, 10000, 'the program runs before any debugger attaches');

  const s = await h.startStdio(t);
  await s.attach(port);
  await h.sleep(200);
  assert.ok(!s.hasEvent('stopped'), 'attaching does not stop the program');
  const before = readInt(hb);
  await s.request('pause', { threadId: 1 });
  const { top } = await h.stoppedAt(s, 'pause', null, { file: prog });
  const first = h.lineOf('attach_nowait.gene', 'TICK_BODY') - 1;
  const last = h.lineOf('attach_nowait.gene', 'TICK_AWAIT');
  assert.ok(top.line >= first && top.line <= last, `paused inside the loop (line ${top.line})`);
  const n = Number(await s.valueOf('n', top.id));
  assert.ok(n >= before, `n (${n}) >= ticks seen before pausing (${before})`);

  // paused: no ticks
  const v1 = readInt(hb);
  await h.sleep(400);
  const v2 = readInt(hb);
  assert.ok(v2 - v1 <= 1, `the program kept ticking while paused: ${v1} -> ${v2}`);
  // resumed: ticks again
  await s.continue();
  await h.until(() => readInt(hb) >= v2 + 3, 5000, 'ticks resume after continue');
  assert.ok(h.alive(g.proc));
});
