'use strict';
// Scopes and variables: Locals, paging, Captured (reference counts), Globals,
// Futures, Event loop; setVariable; evaluateName.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };
const L = 'vars_locals.gene';
const C = 'vars_captured.gene';
const FU = 'vars_futures.gene';

/** A map entry child, whether the adapter names it `a` or `^a`. */
function entry(vars, key) {
  const v = vars.find((x) => x.name === key || x.name === `^${key}`);
  assert.ok(v, `no entry ${key} in [${vars.map((x) => x.name).join(', ')}]`);
  return v;
}

async function stopAt(t, name, markers, extra = {}) {
  const prog = h.program(name);
  const lines = markers.map((m) => h.lineOf(name, m));
  const s = await h.startStdio(t);
  await s.launch(prog, extra, async (s) => {
    await s.setBreakpoints(prog, lines);
  });
  const stop = await h.stoppedAt(s, 'breakpoint', lines[0], { file: prog });
  return { s, prog, lines, ...stop };
}

test('scopes are Locals, Captured, Globals, Futures, Event loop, in this order', T, async (t) => {
  const { s, top } = await stopAt(t, L, ['VARS_BP']);
  const scopes = await s.scopes(top.id);
  assert.deepEqual(
    scopes.map((x) => x.name),
    ['Locals', 'Captured', 'Globals', 'Futures', 'Event loop'],
  );
  for (const sc of scopes) assert.ok(sc.variablesReference > 0, `scope ${sc.name} is expandable`);
});

test('Locals: parameters and locals with their values, strings quoted, arrays and maps expandable, evaluateName on each', T, async (t) => {
  const { s, top } = await stopAt(t, L, ['VARS_BP']);
  const locals = await s.scopeVars(top.id, 'Locals');
  assert.equal(h.varByName(locals, 'n').value, '5');
  assert.equal(h.varByName(locals, 'name').value, '"Ann"');
  assert.equal(h.varByName(locals, 's').value, '"abc"');
  assert.equal(h.varByName(locals, 'i').value, '250');
  for (const v of locals) {
    assert.equal(typeof v.evaluateName, 'string', `${v.name} has an evaluateName`);
    assert.ok(v.evaluateName.length > 0);
  }
  const items = h.varByName(locals, 'items');
  assert.ok(items.variablesReference > 0, 'an array is expandable');
  const elems = await s.children(items);
  assert.deepEqual([0, 1, 2].map((i) => h.byIndex(elems, i).value), ['1', '2', '3']);
  for (const e of elems) assert.equal(typeof e.evaluateName, 'string', `element ${e.name} has an evaluateName`);
  const m = h.varByName(locals, 'm');
  const entries = await s.children(m);
  assert.equal(entry(entries, 'a').value, '1');
  assert.equal(entry(entries, 'b').value, '2');
});

test('a 250-element array is paged with indexedVariables; a 150-entry map reports namedVariables', T, async (t) => {
  const { s, top } = await stopAt(t, L, ['VARS_BP']);
  const locals = await s.scopeVars(top.id, 'Locals');
  const big = h.varByName(locals, 'big');
  assert.equal(big.indexedVariables, 250);
  const page = await s.variables(big.variablesReference, { filter: 'indexed', start: 100, count: 50 });
  assert.equal(page.length, 50, 'a page of 50');
  assert.equal(h.byIndex(page, 100).value, '100');
  assert.equal(h.byIndex(page, 149).value, '149');
  assert.ok(!page.some((v) => v.name === '99' || v.name === '[99]' || v.name === '150' || v.name === '[150]'), 'only the page');
  const tail = await s.variables(big.variablesReference, { filter: 'indexed', start: 240, count: 10 });
  assert.deepEqual(tail.map((v) => v.value), ['240', '241', '242', '243', '244', '245', '246', '247', '248', '249']);

  const wide = h.varByName(locals, 'wide');
  assert.equal(wide.namedVariables, 150);
  const entries = await s.variables(wide.variablesReference, { filter: 'named' });
  const keyed = entries.filter((v) => /^\^?k\d+$/.test(v.name));
  assert.equal(keyed.length, 150, 'all 150 entries');
  assert.equal(entry(entries, 'k0').value, '0');
  assert.equal(entry(entries, 'k149').value, '149');
});

test('Globals: the program\'s top-level names first, with values; built-ins do not flood it', T, async (t) => {
  const { s, top } = await stopAt(t, L, ['VARS_BP']);
  const globals = await s.scopeVars(top.id, 'Globals');
  assert.equal(h.varByName(globals, 'g_total').value, '10');
  assert.equal(h.varByName(globals, 'g_label').value, '"globals here"');
  h.varByName(globals, 'show');
  const user = ['g_label', 'g_total', 'show'];
  assert.deepEqual(
    globals.slice(0, 3).map((v) => v.name).sort(),
    user,
    `user definitions come first: ${globals.slice(0, 8).map((v) => v.name).join(', ')}`,
  );
  assert.ok(globals.length < 100, `Globals has ${globals.length} entries`);
  for (const v of globals) assert.equal(typeof v.evaluateName, 'string', `${v.name} has an evaluateName`);
});

test('evaluateName of locals, elements, entries and globals evaluates back to the shown value', T, async (t) => {
  const { s, top } = await stopAt(t, L, ['VARS_BP']);
  const locals = await s.scopeVars(top.id, 'Locals');
  const items = await s.children(h.varByName(locals, 'items'));
  const m = await s.children(h.varByName(locals, 'm'));
  const globals = await s.scopeVars(top.id, 'Globals');
  const checks = [
    h.varByName(locals, 'n'),
    h.varByName(locals, 'name'),
    h.byIndex(items, 1),
    entry(m, 'b'),
    h.varByName(globals, 'g_total'),
  ];
  for (const v of checks) {
    const r = await s.evaluate(v.evaluateName, { frameId: top.id, context: 'watch' });
    assert.equal(r.result, v.value, `evaluateName ${v.evaluateName} of ${v.name}`);
  }
});

test('setVariable on a local, an array element, a map entry and a global changes what the program sees', T, async (t) => {
  const { s, top } = await stopAt(t, L, ['VARS_BP']);
  const localsScope = await s.scope(top.id, 'Locals');
  let r = await s.request('setVariable', { variablesReference: localsScope.variablesReference, name: 'n', value: '41' });
  assert.equal(r.body.value, '41');
  const locals = await s.variables(localsScope.variablesReference);
  assert.equal(h.varByName(locals, 'n').value, '41', 'Locals shows the new value');

  const items = h.varByName(locals, 'items');
  const el = h.byIndex(await s.children(items), 1);
  r = await s.request('setVariable', { variablesReference: items.variablesReference, name: el.name, value: '(10 * 2)' });
  assert.equal(r.body.value, '20', 'the value is a Gene expression evaluated in the frame');

  const m = h.varByName(locals, 'm');
  const a = entry(await s.children(m), 'a');
  r = await s.request('setVariable', { variablesReference: m.variablesReference, name: a.name, value: '7' });
  assert.equal(r.body.value, '7');

  const globalsScope = await s.scope(top.id, 'Globals');
  r = await s.request('setVariable', { variablesReference: globalsScope.variablesReference, name: 'g_total', value: '99' });
  assert.equal(r.body.value, '99');

  await s.continue();
  await s.runsToEnd();
  // VARS_BP itself runs after the change, so it prints n = 41 too
  assert.equal(s.output('stdout'), 'show 41 Ann abc\nafter 41 [1 20 3] 7\nresult 42\nglobal 99\n');
});

/** The Captured entry for make's heap scope (the one listing x and y). */
async function makeScope(s, frameId) {
  const captured = await s.scopeVars(frameId, 'Captured');
  const scopes = captured.filter((v) => /^scope#\d+$/.test(v.name));
  const mine = scopes.find((v) => /(^|[ ,·])x\b/.test(v.value) && /\by\b/.test(v.value));
  assert.ok(mine, `a scope#N entry holding x, y in Captured: ${captured.map((v) => `${v.name}=${v.value}`).join('; ')}`);
  const m = mine.value.match(/^refs (\d+) · (.*)$/);
  assert.ok(m, `value "refs N · names": ${mine.value}`);
  return { v: mine, refs: Number(m[1]), names: m[2] };
}

test('Captured: a scope#N entry whose refs go up when a callback captures it and down after the callback ran', T, async (t) => {
  const { s, top, lines } = await stopAt(t, C, ['CAP_A', 'CAP_B', 'CAP_C']);
  const a = await makeScope(s, top.id);
  await s.continue();
  const b1 = await h.stoppedAt(s, 'breakpoint', lines[1]);
  const b = await makeScope(s, b1.top.id);
  assert.equal(b.v.name, a.v.name, 'same scope identity');
  assert.ok(b.refs > a.refs, `refs up when the callback captured the scope: ${a.refs} -> ${b.refs}`);
  const kids = await s.children(b.v);
  assert.equal(h.varByName(kids, 'x').value, '1');
  assert.equal(h.varByName(kids, 'y').value, '2');
  const heldBy = h.varByName(kids, 'held by');
  assert.match(heldBy.value, /callback of future #\d+|closure/, `held by: ${heldBy.value}`);
  for (const k of kids.filter((k) => k.name !== 'held by')) {
    assert.equal(typeof k.evaluateName, 'string', `${k.name} has an evaluateName`);
  }
  await s.continue();
  const c1 = await h.stoppedAt(s, 'breakpoint', lines[2]);
  const c = await makeScope(s, c1.top.id);
  assert.equal(c.v.name, a.v.name, 'same scope identity');
  assert.ok(c.refs < b.refs, `refs down after the callback ran: ${b.refs} -> ${c.refs}`);
  assert.ok(s.output('stdout').includes('cb 1 2\n'), 'the callback ran');
  t.diagnostic(`refs: before capture ${a.refs}, captured ${b.refs}, after the callback ${c.refs}`);
});

test('setVariable on a captured variable: the callback and the frame see the new value', T, async (t) => {
  const { s, top } = await stopAt(t, C, ['CAP_B']);
  const { v } = await makeScope(s, top.id);
  const r = await s.request('setVariable', { variablesReference: v.variablesReference, name: 'x', value: '10' });
  assert.equal(r.body.value, '10');
  const locals = await s.scopeVars(top.id, 'Locals');
  assert.equal(h.varByName(locals, 'x').value, '10', 'Locals reads the captured parameter from its scope');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'before capture\nafter capture\ncb 10 2\nafter callback 10\nresult 10\n');
});

async function futuresScope(t) {
  const { s, top } = await stopAt(t, FU, ['FUT_BP']);
  const futures = await s.scopeVars(top.id, 'Futures');
  const ids = {};
  for (const n of ['pend', 'ok', 'bad', 'cancelled', 'both']) ids[n] = await s.valueOf(`(${n} .id)`, top.id);
  const find = (n) => {
    const v = futures.find((x) => x.name.startsWith(`#${ids[n]} `) || x.name === `#${ids[n]}`);
    assert.ok(v, `Futures has #${ids[n]} (${n}): ${futures.map((x) => x.name).join(', ')}`);
    return v;
  };
  return { s, top, futures, find };
}

test('Futures scope: every live future as "#id label" with its state as value', T, async (t) => {
  const { find } = await futuresScope(t);
  const pend = find('pend');
  assert.match(pend.name, /^#\d+ sleep_async 20000$/);
  assert.match(pend.value, /^pending \d+(\.\d+)? ?(ms|s)$/, `pending value: ${pend.value}`);
  assert.equal(find('ok').value, 'success: "data"');
  assert.equal(find('bad').value, 'failure: Exception: nope');
  assert.equal(find('cancelled').value, 'cancelled');
  assert.match(find('both').value, /^pending/);
});

test('Futures scope: children give state, value/error, origin, age, callbacks and combinator inputs', T, async (t) => {
  const { s, find } = await futuresScope(t);
  const pend = await s.children(find('pend'));
  assert.equal(h.varByName(pend, 'state').value.replace(/"/g, ''), 'pending');
  assert.match(h.varByName(pend, 'origin').value, new RegExp(`vars_futures\\.gene:${h.lineOf(FU, 'FUT_PEND')}:\\d+"?$`));
  h.varByName(pend, 'age');
  assert.equal(h.varByName(pend, 'on success callbacks').value, '1');
  assert.equal(h.varByName(pend, 'on failure callbacks').value, '0');

  const ok = await s.children(find('ok'));
  assert.equal(h.varByName(ok, 'state').value.replace(/"/g, ''), 'success');
  assert.equal(h.varByName(ok, 'value').value, '"data"');
  h.varByName(ok, 'resolved after');

  const bad = await s.children(find('bad'));
  assert.match(h.varByName(bad, 'error').value, /nope/);

  const both = await s.children(find('both'));
  const inputs = h.varByName(both, 'inputs');
  assert.ok(inputs.variablesReference > 0 || /#\d+/.test(inputs.value), `inputs of gene/all: ${inputs.value}`);
});

test('Event loop scope: the figures of (gene/async/stats) plus host operations in flight', T, async (t) => {
  const { s, top } = await stopAt(t, FU, ['FUT_BP']);
  const loop = await s.scopeVars(top.id, 'Event loop');
  for (const n of ['polls', 'polls_with_work', 'completions', 'callbacks', 'awaits', 'await_blocked_ms', 'pending', 'pending_max', 'in_flight']) {
    const v = h.varByName(loop, n);
    assert.match(v.value, /^\d+(\.\d+)?$/, `${n} is a number: ${v.value}`);
  }
  assert.ok(Number(h.varByName(loop, 'pending').value) >= 2, 'pend and both are pending');
  assert.ok(Number(h.varByName(loop, 'in_flight').value) >= 1, 'the 20 s timer is in flight');
  const stats = await s.valueOf('((gene/async/stats) .get "pending")', top.id);
  assert.equal(h.varByName(loop, 'pending').value, stats, 'same figure as (gene/async/stats)');
});
