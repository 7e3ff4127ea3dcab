'use strict';
// Variables of later-feature values: sealed literals read as sealed (`#[1 2 3]`,
// type `sealed Array`) and expand to their elements; hash maps and sets expand;
// dates, date-times and times show their printed form and their accessors.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };
const P = 'vars_sealed_dates.gene';

async function locals(t) {
  const prog = h.program(P);
  const line = h.lineOf(P, 'VALUES_BP');
  const s = await h.startStdio(t);
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  const { top } = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  return { s, vars: await s.scopeVars(top.id, 'Locals') };
}

function named(vars, name) {
  const v = vars.find((x) => x.name === name || x.name === `^${name}`);
  assert.ok(v, `no child ${name} in [${vars.map((x) => x.name).join(', ')}]`);
  return v;
}

test('sealed literals read as sealed and expand to their children', T, async (t) => {
  const { s, vars } = await locals(t);
  const steps = h.varByName(vars, 'steps');
  assert.equal(steps.value, '#[1 2 3]');
  assert.equal(steps.type, 'sealed Array');
  assert.ok(steps.variablesReference > 0, 'a sealed array is expandable');
  const elems = await s.children(steps);
  assert.deepEqual([0, 1, 2].map((i) => h.byIndex(elems, i).value), ['1', '2', '3']);

  const point = h.varByName(vars, 'point');
  assert.equal(point.value, '#{^x 1 ^y 2}');
  assert.equal(point.type, 'sealed Map');
  const entries = await s.children(point);
  assert.equal(named(entries, 'x').value, '1');
  assert.equal(named(entries, 'y').value, '2');

  const node = h.varByName(vars, 'node');
  assert.equal(node.value, '#(item ^id 7 "a")');
  assert.equal(node.type, 'sealed Gene');
  const parts = await s.children(node);
  assert.equal(named(parts, 'id').value, '7');

  const plain = h.varByName(vars, 'plain');
  assert.equal(plain.value, '[1 2]');
  assert.equal(plain.type, 'Array');
});

test('a sealed array refuses setVariable with the language message', T, async (t) => {
  const { s, vars } = await locals(t);
  const steps = h.varByName(vars, 'steps');
  const r = await s.requestFails('setVariable', { variablesReference: steps.variablesReference, name: '0', value: '9' });
  const text = `${r.message} ${JSON.stringify(r.body || {})}`;
  assert.match(text, /Cannot set item on sealed array/);
});

test('sealed hash maps and hash sets expand to their entries and members', T, async (t) => {
  const { s, vars } = await locals(t);
  const hm = h.varByName(vars, 'hm');
  assert.equal(hm.value, '#{{1 "one" "k" 2}}');
  assert.equal(hm.type, 'sealed HashMap');
  const entries = await s.children(hm);
  assert.deepEqual(entries.map((v) => [v.name, v.value]), [['1', '"one"'], ['"k"', '2']]);
  const hs = h.varByName(vars, 'hs');
  assert.equal(hs.type, 'HashSet');
  const members = await s.children(hs);
  assert.deepEqual(members.map((v) => v.value), ['4', '5']);
});

test('dates, date-times and times show their printed form and their accessors', T, async (t) => {
  const { s, vars } = await locals(t);
  const day = h.varByName(vars, 'day');
  assert.equal(day.value, '2024-01-23');
  assert.equal(day.type, 'Date');
  const dayFields = await s.children(day);
  assert.deepEqual(dayFields.map((v) => [v.name, v.value]), [['year', '2024'], ['month', '1'], ['day', '23']]);
  assert.equal(named(dayFields, 'year').evaluateName, '(day .year)');

  const stamp = h.varByName(vars, 'stamp');
  assert.equal(stamp.value, '2024-01-23T20:10:10+05:30[Asia/Kolkata]');
  assert.equal(stamp.type, 'DateTime');
  const f = await s.children(stamp);
  assert.equal(named(f, 'hour').value, '20');
  assert.equal(named(f, 'offset').value, '330');
  assert.equal(named(f, 'timezone').value, '"Asia/Kolkata"');
  assert.equal(named(f, 'to_i').value, '1706040610000');

  const clock = h.varByName(vars, 'clock');
  assert.equal(clock.value, '10:10:05');
  assert.equal(clock.type, 'Time');
  const cf = await s.children(clock);
  assert.deepEqual(cf.slice(0, 3).map((v) => v.value), ['10', '10', '5']);
  assert.ok(!cf.some((v) => v.name === 'year'), 'a time has no year');

  // A duration is a float number of microseconds (later 9.6).
  const spent = h.varByName(vars, 'spent');
  assert.equal(spent.type, 'Float');
  assert.ok(Number(spent.value) >= 0);
  assert.equal(spent.variablesReference, 0);
});

test('pattern parameters show the names they bind, not the hidden argument', T, async (t) => {
  const prog = h.program('vars_pattern_params.gene');
  const line = h.lineOf('vars_pattern_params.gene', 'PATTERN_BP');
  const s = await h.startStdio(t);
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  const { top } = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  const vars = await s.scopeVars(top.id, 'Locals');
  assert.deepEqual(vars.map((v) => v.name), ['w', 'h', 'unit', 'a']);
  assert.deepEqual(vars.map((v) => v.value), ['3', '4', '"cm"', '12']);
});
