'use strict';
// Evaluate in the selected frame (repl, watch, hover, clipboard), await in the
// repl, hover never calls, errors, completions.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };
const E = 'eval.gene';

async function stopInInner(t) {
  const prog = h.program(E);
  const line = h.lineOf(E, 'EVAL_BP');
  const s = await h.startStdio(t);
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  const stop = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  return { s, prog, line, ...stop };
}

test('repl expressions over locals, captured variables and globals of the selected frame', T, async (t) => {
  const { s, frames, top } = await stopInInner(t);
  assert.equal((await s.evaluate('y', { frameId: top.id })).result, '3');
  assert.equal((await s.evaluate('(local_sum + x + g_total)', { frameId: top.id })).result, '117');
  assert.equal((await s.evaluate('m/b/c', { frameId: top.id })).result, '"deep"');
  const outer = frames.find((f) => /outer/.test(f.name));
  assert.ok(outer, `an outer frame: ${frames.map((f) => f.name).join(' | ')}`);
  assert.equal((await s.evaluate('n', { frameId: outer.id })).result, '1', 'n in the outer frame');
  assert.equal((await s.evaluate('(n * 10)', { frameId: outer.id })).result, '10');
  const r = await s.evaluate('m', { frameId: top.id });
  assert.ok(r.variablesReference > 0, 'a map result is expandable');
});

test('the repl can call functions (their output arrives as output events)', T, async (t) => {
  const { s, top } = await stopInInner(t);
  assert.equal((await s.evaluate('(bump)', { frameId: top.id })).result, '1');
  await s.waitOutput('bump called\n', { category: 'stdout', ms: 3000 });
  assert.equal((await s.evaluate('g_calls', { frameId: top.id })).result, '1', 'the global changed by the call');
  await s.continue();
  await s.runsToEnd();
  // The `noisy` callback may print after it (its timer ends at 1.5 s).
  assert.ok(s.output('stdout').includes('calls 1\n'), `the call's effect persists: ${s.output('stdout')}`);
});

test('await in the repl drives the event loop; callback output during it arrives as output events', T, async (t) => {
  const { s, top, line } = await stopInInner(t);
  assert.equal((await s.evaluate('(await (sleep_async 50))', { frameId: top.id })).result, 'nil');
  assert.equal((await s.evaluate('(await (deliver 200 "later value"))', { frameId: top.id })).result, '"later value"');
  // `noisy` (a 1.5 s timer) resolves during this await; its callback prints
  const t0 = Date.now();
  assert.equal((await s.evaluate('(await (sleep_async 2000))', { frameId: top.id, ms: 15000 })).result, 'nil');
  assert.ok(Date.now() - t0 >= 1500, 'the await really waited');
  await s.waitOutput('callback during repl\n', { category: 'stdout', ms: 1000 });
  // still stopped where we were
  assert.equal((await s.topFrame()).line, line);
  await s.continue();
  await s.runsToEnd();
  const out = s.output('stdout');
  assert.equal(out.split('callback during repl').length - 1, 1, `the callback ran once: ${out}`);
});

test('hover reads names and paths but never calls: a call or an assignment is an error and has no effect', T, async (t) => {
  const { s, top } = await stopInInner(t);
  assert.equal((await s.evaluate('x', { frameId: top.id, context: 'hover' })).result, '7');
  assert.equal((await s.evaluate('m/b/c', { frameId: top.id, context: 'hover' })).result, '"deep"');
  await s.requestFails('evaluate', { expression: '(bump)', frameId: top.id, context: 'hover' });
  await s.requestFails('evaluate', { expression: '(g_calls += 1)', frameId: top.id, context: 'hover' });
  assert.equal((await s.evaluate('g_calls', { frameId: top.id })).result, '0', 'nothing was called or assigned');
  await h.sleep(200);
  assert.ok(!s.output().includes('bump called'), 'bump did not run');
});

test('evaluation errors are error responses carrying the Gene message', T, async (t) => {
  const { s, top } = await stopInInner(t);
  let r = await s.requestFails('evaluate', { expression: '(1 + "a")', frameId: top.id, context: 'repl' });
  assert.match(r.message + JSON.stringify(r.body || {}), /Cannot add Int and String/);
  r = await s.requestFails('evaluate', { expression: 'no_such_name_q', frameId: top.id, context: 'repl' });
  assert.match(r.message + JSON.stringify(r.body || {}), /no_such_name_q is not defined/);
  r = await s.requestFails('evaluate', { expression: '(1 +', frameId: top.id, context: 'repl' });
  assert.ok(r.message.length > 0);
  // the session goes on
  assert.equal((await s.evaluate('y', { frameId: top.id })).result, '3');
});

test('watch and clipboard contexts', T, async (t) => {
  const { s, top } = await stopInInner(t);
  assert.equal((await s.evaluate('(local_sum * 2)', { frameId: top.id, context: 'watch' })).result, '20');
  const clip = await s.evaluate('m', { frameId: top.id, context: 'clipboard' });
  assert.match(clip.result, /deep/, `clipboard shows the whole value: ${clip.result}`);
  // without frameId: the top frame
  assert.equal((await s.evaluate('local_sum', { context: 'watch' })).result, '10');
});

test('completions offer locals, captured names, globals and natives', T, async (t) => {
  const { s, top } = await stopInInner(t);
  const r = await s.request('completions', { text: '', column: 1, frameId: top.id });
  const labels = r.body.targets.map((x) => x.label);
  for (const want of ['y', 'local_sum', 'x', 'g_total', 'bump', 'println', 'sleep_async']) {
    assert.ok(labels.includes(want), `completions include ${want}`);
  }
  const sl = await s.request('completions', { text: 'sl', column: 3, frameId: top.id });
  assert.ok(sl.body.targets.some((x) => x.label === 'sleep_async'), 'prefix "sl" offers sleep_async');
});
