'use strict';
// Exception breakpoints: filters `all`, `uncaught`, `failedFuture`; deadlocks;
// exceptionInfo.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };

async function withFilters(t, name, filters, extra = {}) {
  const prog = h.program(name);
  const s = await h.startStdio(t);
  await s.launch(prog, extra, async (s) => {
    await s.request('setExceptionBreakpoints', { filters });
  });
  return { s, prog };
}

function exitCode(s) {
  const e = s.eventsOf('exited');
  assert.equal(e.length, 1, 'one exited event');
  return e[0].body.exitCode;
}

test('filter all: stops at a throw that a try catches; exceptionInfo gives class and message', T, async (t) => {
  const { s, prog } = await withFilters(t, 'exc_all.gene', ['all']);
  await h.stoppedAt(s, 'exception', h.lineOf('exc_all.gene', 'EXC_THROW'), { file: prog });
  const info = (await s.request('exceptionInfo', { threadId: 1 })).body;
  assert.equal(info.exceptionId, 'Exception');
  assert.equal(info.description, 'too big: 5');
  assert.equal(info.breakMode, 'always', 'breakMode for filter all');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'caught: too big: 5\nend\n', 'the try caught it after the stop');
  assert.equal(exitCode(s), 0);
});

test('filter uncaught: a caught exception does not stop', T, async (t) => {
  const { s } = await withFilters(t, 'exc_all.gene', ['uncaught']);
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'caught: too big: 5\nend\n');
  assert.equal(exitCode(s), 0);
});

test('filter uncaught: a throw caught two frames up, and a throw inside async, do not stop', T, async (t) => {
  const { s } = await withFilters(t, 'exc_caught_deep.gene', ['uncaught']);
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'caught deep: deep error\nawaited: kept in the future\nend\n');
  assert.equal(exitCode(s), 0);
});

test('filter uncaught: stops at the throw site before unwinding, frames and locals intact; exceptionInfo fields', T, async (t) => {
  const F = 'exc_uncaught.gene';
  const { s, prog } = await withFilters(t, F, ['uncaught']);
  const { frames, top } = await h.stoppedAt(s, 'exception', h.lineOf(F, 'EXC_UNCAUGHT'), { file: prog });
  assert.equal(s.output('stdout'), 'handled\n', 'the caught throw in guarded did not stop');
  const withSource = frames.filter((f) => f.source && f.source.path);
  assert.ok(withSource.length >= 3, `three Gene frames: ${frames.map((f) => f.name).join(' <- ')}`);
  assert.match(withSource[0].name, /explode/);
  assert.match(withSource[1].name, /caller/);
  assert.equal(withSource[1].line, h.lineOf(F, 'EXC_CALLER'));
  assert.equal(withSource[2].line, h.lineOf(F, 'EXC_MAIN'));
  const locals = await s.scopeVars(top.id, 'Locals');
  assert.equal(h.varByName(locals, 'what').value, '"x"');
  assert.equal(h.varByName(locals, 'local_note').value, '"about to explode"');

  const info = (await s.request('exceptionInfo', { threadId: 1 })).body;
  assert.equal(info.exceptionId, 'BoomError');
  assert.equal(info.description, 'boom: x');
  assert.equal(info.breakMode, 'unhandled', 'breakMode for filter uncaught');
  assert.ok(info.details, 'exceptionInfo has details');
  assert.equal(info.details.message, 'boom: x');
  assert.equal(info.details.typeName, 'BoomError');
  assert.match(info.details.stackTrace, /explode[\s\S]*caller/, 'details.stackTrace is the Gene stack, innermost first');

  await s.continue();
  await s.runsToEnd();
  assert.match(s.output('stderr'), /Error: boom: x/);
  assert.equal(exitCode(s), 1);
});

test('no exception filter: an uncaught throw does not stop, the program ends with 1', T, async (t) => {
  const { s } = await withFilters(t, 'exc_uncaught.gene', []);
  await s.runsToEnd();
  assert.match(s.output('stderr'), /Error: boom: x/);
  assert.equal(exitCode(s), 1);
});

test('filter failedFuture: a failure with a failure callback does not stop; a throw in an async block nobody awaits does', T, async (t) => {
  const F = 'exc_failed_future.gene';
  const { s, prog } = await withFilters(t, F, ['failedFuture']);
  await h.stoppedAt(s, 'exception', h.lineOf(F, 'FF_ASYNC'), { file: prog });
  assert.equal(s.output('stdout'), 'failure callback: expected failure\n', 'the watched failure ran its callback, no stop');
  const info = (await s.request('exceptionInfo', { threadId: 1 })).body;
  assert.equal(info.description, 'nobody listens');
  assert.equal(info.exceptionId, 'Exception');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'failure callback: expected failure\nafter orphan failure\n');
  assert.equal(exitCode(s), 0);
});

test('filter uncaught: a deadlock (await that can never resolve) stops as an exception at the await', T, async (t) => {
  const F = 'exc_deadlock.gene';
  const { s, prog } = await withFilters(t, F, ['uncaught']);
  await h.stoppedAt(s, 'exception', h.lineOf(F, 'DEADLOCK'), { file: prog });
  const info = (await s.request('exceptionInfo', { threadId: 1 })).body;
  assert.match(info.description, /deadlock/i);
  assert.match(info.description, /can never resolve/);
  await s.continue();
  await s.runsToEnd();
  assert.match(s.output('stderr'), /Deadlock/);
  assert.equal(exitCode(s), 1);
});
