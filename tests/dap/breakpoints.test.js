'use strict';
// Breakpoints: line breakpoints and their verification, breakpointLocations,
// condition, hitCondition, logMessage, changes while running, function
// breakpoints.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };

const LINES = 'bp_lines.gene';
const LOOP = 'bp_loop.gene';

test('a line breakpoint on a statement is verified where requested and stops there with hitBreakpointIds', T, async (t) => {
  const prog = h.program(LINES);
  const line = h.lineOf(LINES, 'BP_X');
  const s = await h.startStdio(t);
  let bp;
  await s.launch(prog, {}, async (s) => {
    [bp] = await s.setBreakpoints(prog, [line]);
  });
  assert.equal(bp.verified, true);
  assert.equal(bp.line, line);
  assert.equal(typeof bp.id, 'number', 'breakpoint has an id');
  assert.ok(bp.source && bp.source.path, 'breakpoint has a source');
  assert.equal(fs.realpathSync(bp.source.path), fs.realpathSync(prog));
  const { event } = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  assert.ok(Array.isArray(event.body.hitBreakpointIds) && event.body.hitBreakpointIds.includes(bp.id), 'hitBreakpointIds names the breakpoint');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'z 3\n');
});

test('breakpoints on a blank and on a comment line move to the next statement line and stop there', T, async (t) => {
  const prog = h.program(LINES);
  const blank = h.lineOf(LINES, 'BEFORE_BLANK') + 1;
  const comment = h.lineOf(LINES, 'COMMENT_LINE');
  const target = h.lineOf(LINES, 'AFTER_COMMENT');
  assert.equal(h.lineText(LINES, blank).trim(), '', 'the test program has a blank line here');
  const s = await h.startStdio(t);
  let bps;
  await s.launch(prog, {}, async (s) => {
    bps = await s.setBreakpoints(prog, [blank, comment]);
  });
  for (const bp of bps) {
    assert.equal(bp.verified, true);
    assert.equal(bp.line, target, 'moved to the next statement line (response says where)');
  }
  const { event } = await h.stoppedAt(s, 'breakpoint', target);
  const ids = event.body.hitBreakpointIds || [];
  assert.ok(ids.some((id) => bps.map((b) => b.id).includes(id)), 'hitBreakpointIds names a moved breakpoint');
  await s.continue();
  await s.runsToEnd();
});

test('a breakpoint past the last statement is unverified with a message; others in the request keep their order', T, async (t) => {
  const prog = h.program(LINES);
  const nLines = fs.readFileSync(prog, 'utf8').split('\n').length;
  const good = h.lineOf(LINES, 'BP_X');
  const s = await h.startStdio(t);
  let bps;
  await s.launch(prog, {}, async (s) => {
    bps = await s.setBreakpoints(prog, [nLines + 10, good]);
  });
  assert.equal(bps[0].verified, false, 'past the end: unverified');
  assert.ok(typeof bps[0].message === 'string' && bps[0].message.length > 0, 'unverified breakpoint has a message');
  assert.equal(bps[1].verified, true);
  assert.equal(bps[1].line, good);
  await h.stoppedAt(s, 'breakpoint', good);
  await s.continue();
  await s.runsToEnd();
});

test('a breakpoint in a missing file is unverified with a message and the program runs on', T, async (t) => {
  const missing = path.join(h.tmpDir(), 'missing.gene');
  const s = await h.startStdio(t);
  let bps;
  await s.launch(h.program(LINES), {}, async (s) => {
    bps = await s.setBreakpoints(missing, [1, 3]);
  });
  for (const bp of bps) {
    assert.equal(bp.verified, false);
    assert.ok(typeof bp.message === 'string' && bp.message.length > 0, 'has a message');
  }
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'z 3\n');
});

test('breakpointLocations lists the statement starts of a range (not blank or comment lines)', T, async (t) => {
  const prog = h.program(LINES);
  const s = await h.startStdio(t);
  // asked while a session runs (stopped on entry), as editors do
  await s.launch(prog, { stopOnEntry: true });
  await h.stoppedAt(s, 'entry', h.lineOf(LINES, 'BP_X'));
  const from = h.lineOf(LINES, 'BP_X');
  const to = h.lineOf(LINES, 'LAST');
  const r = await s.request('breakpointLocations', { source: { path: prog }, line: from, endLine: to });
  const locs = r.body.breakpoints;
  assert.ok(Array.isArray(locs) && locs.length > 0, 'some locations');
  const lines = [...new Set(locs.map((l) => l.line))].sort((a, b) => a - b);
  const expected = ['BP_X', 'BEFORE_BLANK', 'AFTER_COMMENT', 'LAST'].map((m) => h.lineOf(LINES, m));
  assert.deepEqual(lines, expected);
  for (const l of locs) {
    if (l.column !== undefined) assert.ok(Number.isInteger(l.column) && l.column >= 1, `column ${l.column}`);
  }
  // a single line
  const one = await s.request('breakpointLocations', { source: { path: prog }, line: from });
  assert.deepEqual([...new Set(one.body.breakpoints.map((l) => l.line))], [from]);
});

async function loopStops(t, bp, opts = {}) {
  const prog = h.program(LOOP);
  const s = await h.startStdio(t);
  let res;
  await s.launch(prog, opts, async (s) => {
    [res] = await s.setBreakpoints(prog, [{ line: h.lineOf(LOOP, 'LOOP_BODY'), ...bp }]);
  });
  assert.equal(res.verified, true);
  const values = await h.collectStops(s, 'i');
  assert.equal(s.output('stdout'), 'total 55\n', 'the program ran to its end');
  return values.map(Number);
}

test('condition: stops only where it holds', T, async (t) => {
  assert.deepEqual(await loopStops(t, { condition: '(i == 5)' }), [5]);
});

const HIT_CONDITIONS = [
  ['3', [3]],
  ['>= 8', [8, 9, 10]],
  ['> 8', [9, 10]],
  ['== 4', [4]],
  ['% 3', [3, 6, 9]],
];
for (const [hc, expected] of HIT_CONDITIONS) {
  test(`hitCondition "${hc}" stops on hits ${expected.join(', ')}`, T, async (t) => {
    assert.deepEqual(await loopStops(t, { hitCondition: hc }), expected);
  });
}

test('hitCondition counts only the hits where the condition holds', T, async (t) => {
  // even i: 2 4 6 8 10 are hits 1..5
  assert.deepEqual(await loopStops(t, { condition: '((i % 2) == 0)', hitCondition: '2' }), [4]);
  assert.deepEqual(await loopStops(t, { condition: '((i % 2) == 0)', hitCondition: '% 2' }), [4, 8]);
});

test('logMessage interpolates {expr} into console output and never stops', T, async (t) => {
  const prog = h.program(LOOP);
  const s = await h.startStdio(t);
  await s.launch(prog, {}, async (s) => {
    const [bp] = await s.setBreakpoints(prog, [{ line: h.lineOf(LOOP, 'LOOP_BODY'), logMessage: 'i={i} sq={(i * i)}' }]);
    assert.equal(bp.verified, true);
  });
  await s.runsToEnd();
  const logged = s
    .output('console')
    .split('\n')
    .filter((l) => /^i=\d+ sq=\d+$/.test(l));
  const expected = [];
  for (let i = 1; i <= 10; i++) expected.push(`i=${i} sq=${i * i}`);
  assert.deepEqual(logged, expected);
  assert.ok(s.output('console').includes('i=1 sq=1\n'), 'each log line ends with a newline');
  assert.equal(s.output('stdout'), 'total 55\n');
});

test('breakpoints set and removed while the program runs take effect at once', T, async (t) => {
  const prog = h.program('bp_running.gene');
  const line = h.lineOf('bp_running.gene', 'RUN_BODY');
  const s = await h.startStdio(t);
  await s.launch(prog);
  await h.sleep(400);
  assert.ok(!s.hasEvent('stopped') && !s.hasEvent('terminated'), 'running');
  const t0 = Date.now();
  const [bp] = await s.setBreakpoints(prog, [line]);
  assert.equal(bp.verified, true);
  const { top } = await h.stoppedAt(s, 'breakpoint', line, { ms: 5000 });
  t.diagnostic(`stopped ${Date.now() - t0} ms after setting the breakpoint on the running program`);
  const n1 = Number(await s.valueOf('n', top.id));
  assert.ok(n1 >= 1 && n1 < 120, `n = ${n1}`);
  // one more hit with the breakpoint still there
  await s.continue();
  const second = await h.stoppedAt(s, 'breakpoint', line, { ms: 5000 });
  assert.equal(Number(await s.valueOf('n', second.top.id)), n1 + 1);
  // remove it: the program runs to its end
  const none = await s.setBreakpoints(prog, []);
  assert.deepEqual(none, []);
  await s.continue();
  await s.runsToEnd(15000);
  assert.ok(s.output('stdout').includes('finished\n'));
});

test('function breakpoints by name, ns/name and Class/method stop on the function\'s first line', T, async (t) => {
  const F = 'bp_functions.gene';
  const prog = h.program(F);
  const s = await h.startStdio(t);
  let res;
  await s.launch(prog, {}, async (s) => {
    const r = await s.request('setFunctionBreakpoints', {
      breakpoints: [{ name: 'plain' }, { name: 'tools/helper' }, { name: 'Counter/bump' }],
    });
    res = r.body.breakpoints;
  });
  assert.equal(res.length, 3, 'one Breakpoint per function breakpoint');
  const expectations = [
    ['plain', 'FN_PLAIN_HEAD', 'FN_PLAIN'],
    ['helper', 'FN_NS_HEAD', 'FN_NS'],
    ['bump', 'FN_METHOD_HEAD', 'FN_METHOD'],
  ];
  for (const [name, head, body] of expectations) {
    const { top } = await h.stoppedAt(s, 'function breakpoint', null);
    const ok = [h.lineOf(F, head), h.lineOf(F, body)];
    assert.ok(ok.includes(top.line), `${name}: stopped on line ${top.line}, expected the function's first line ${ok.join(' or ')}`);
    assert.ok(top.name.includes(name), `top frame name ${top.name} names ${name}`);
    await s.continue();
  }
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'plain 42\nhelper x\nns x\nmethod 3\n');
});
