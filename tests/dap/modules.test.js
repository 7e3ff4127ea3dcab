'use strict';
// Programs of several files: breakpoints and stepping inside an imported module,
// and how values of the later language (enum variants, Result/Option, regex
// matches, immutable collections) read in Variables.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };
const MAIN = 'modules/main.gene';
const SHAPES = 'modules/shapes.gene';

test('a breakpoint in an imported module stops there, with the module as the frame\'s source', T, async (t) => {
  const main = h.program(MAIN);
  const shapes = h.program(SHAPES);
  const line = h.lineOf(SHAPES, 'MOD_AREA');
  const s = await h.startStdio(t);
  let pending;
  await s.launch(main, {}, async (s) => {
    [pending] = await s.setBreakpoints(shapes, [line]);
  });
  // Not loaded before the import runs: pending, then verified by a breakpoint event.
  assert.equal(pending.verified, false, JSON.stringify(pending));
  assert.match(pending.message, /Pending: set when the program loads this file/);
  const { top } = await h.stoppedAt(s, 'breakpoint', line, { file: shapes });
  const changed = s.events.filter((e) => e.event === 'breakpoint');
  assert.ok(
    changed.some((e) => e.body.reason === 'changed' && e.body.breakpoint.id === pending.id && e.body.breakpoint.verified && e.body.breakpoint.line === line),
    JSON.stringify(changed),
  );
  assert.equal(fs.realpathSync(top.source.path), fs.realpathSync(shapes));
  const frames = await s.stackTrace();
  assert.ok(frames.length >= 2, 'the module function and its caller');
  assert.equal(fs.realpathSync(frames[1].source.path), fs.realpathSync(main), 'the caller is in main.gene');
  assert.equal(frames[1].line, h.lineOf(MAIN, 'MAIN_CALL'));
  const locals = await s.scopeVars(top.id, 'Locals');
  assert.equal(h.varByName(locals, 'w').value, '2');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'area 6\n');
});

test('stepping into a function of an imported module, and out again', T, async (t) => {
  const main = h.program(MAIN);
  const shapes = h.program(SHAPES);
  const s = await h.startStdio(t);
  const call = h.lineOf(MAIN, 'MAIN_CALL');
  await s.launch(main, {}, async (s) => {
    await s.setBreakpoints(main, [call]);
  });
  await h.stoppedAt(s, 'breakpoint', call, { file: main });
  await s.request('stepIn', { threadId: 1 });
  const inside = await h.stoppedAt(s, 'step', null, { file: shapes });
  assert.ok(inside.top.line >= h.lineOf(SHAPES, 'MOD_AREA') - 1 && inside.top.line <= h.lineOf(SHAPES, 'MOD_AREA'), `in area: line ${inside.top.line}`);
  await s.request('stepOut', { threadId: 1 });
  const back = await h.stoppedAt(s, 'step', null, { file: main });
  assert.ok([call, h.lineOf(MAIN, 'MAIN_AFTER')].includes(back.top.line), `back in main: line ${back.top.line}`);
  await s.continue();
  await s.runsToEnd();
});

test('enum variants, Result/Option, regex matches and immutable arrays read in Variables', T, async (t) => {
  const main = h.program(MAIN);
  const line = h.lineOf(MAIN, 'MAIN_AFTER');
  const s = await h.startStdio(t);
  await s.launch(main, {}, async (s) => {
    await s.setBreakpoints(main, [line]);
  });
  const { top } = await h.stoppedAt(s, 'breakpoint', line, { file: main });
  const vars = await s.scopeVars(top.id, 'Globals').catch(() => s.scopeVars(top.id, 'Locals'));
  const all = vars.concat(await s.scopeVars(top.id, 'Locals').catch(() => []));
  const v = (n) => {
    const x = all.find((y) => y.name === n);
    assert.ok(x, `${n} in ${all.map((y) => y.name).join(', ')}`);
    return x;
  };
  assert.match(v('circle').value, /Circle/);
  assert.match(v('circle').value, /2/);
  assert.match(v('ok').value, /Ok/);
  assert.match(v('ok').value, /42/);
  assert.match(v('none').value, /None/);
  assert.match(v('re').value, /a\(b\+\)/);
  assert.match(v('m').value, /abbb/);
  assert.match(v('frozen').value, /1.*2.*3/);
  assert.equal(v('m').value, 'VkRegexMatch "abbb" at 1..5');
  const mkids = await s.variables(v('m').variablesReference);
  const mk = Object.fromEntries(mkids.map((x) => [x.name, x]));
  assert.equal(mk.value.value, '"abbb"');
  assert.match(mk.captures.value, /"bbb"/);
  assert.equal(mk.start.value, '1');
  assert.equal(mk.end.value, '5');
  assert.equal(mk.captures.evaluateName, 'm/captures');
  assert.ok(v('circle').variablesReference > 0, 'a payload variant expands');
  const fields = await s.variables(v('circle').variablesReference);
  assert.deepEqual(fields.map((x) => [x.name, x.value]), [['radius', '2']]);
  assert.equal(v('none').variablesReference, 0, 'a unit variant does not');
  await s.continue();
  await s.runsToEnd();
});
