'use strict';
// Futures: the custom `gene/futures` request (paused and running, filter,
// paging), batched gene/futureCreated / gene/futureResolved events, data
// breakpoints on futures.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };
const FL = 'fut_list.gene';

async function stopAtList(t) {
  const prog = h.program(FL);
  const line = h.lineOf(FL, 'FL_BP');
  const s = await h.startStdio(t);
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  const stop = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  return { s, prog, ...stop };
}

/** Program F stopped at the breakpoint on the line marked `marker`. */
async function stopAtMarker(t, F, marker) {
  const prog = h.program(F);
  const s = await h.startStdio(t);
  const bpLine = h.lineOf(F, marker);
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [bpLine]);
  });
  const { top } = await h.stoppedAt(s, 'breakpoint', bpLine);
  return { s, F, prog, top };
}

function futures(s, args = {}, ms) {
  return s.request('gene/futures', args, ms).then((r) => r.body);
}

test('gene/futures while paused: records with id, label, state, origin, age, callbacks; total; stats', T, async (t) => {
  const { s, prog } = await stopAtList(t);
  const body = await futures(s, { count: 1000 });
  assert.ok(Array.isArray(body.futures));
  assert.equal(typeof body.total, 'number');
  assert.ok(body.total >= 36, `30 timers + 5 resolved + 1 manual: total ${body.total}`);
  assert.equal(body.futures.length, body.total, 'count 1000 returns them all');
  assert.ok(body.stats && typeof body.stats === 'object', 'stats');
  assert.equal(typeof body.stats.pending, 'number');

  const timers = body.futures.filter((f) => f.label === 'sleep_async 20000');
  assert.equal(timers.length, 30);
  const f = timers[0];
  assert.equal(typeof f.id, 'number');
  assert.equal(f.state, 'pending');
  assert.ok(f.origin && path.isAbsolute(f.origin.path), `origin path is absolute: ${JSON.stringify(f.origin)}`);
  assert.equal(fs.realpathSync(f.origin.path), fs.realpathSync(prog));
  assert.equal(f.origin.line, h.lineOf(FL, 'FL_TIMERS'));
  assert.ok(Number.isInteger(f.origin.column) && f.origin.column >= 1);
  assert.ok(typeof f.ageMs === 'number' && f.ageMs >= 0);
  assert.deepEqual(f.callbacks, { onSuccess: 0, onFailure: 0 });

  const done = body.futures.filter((x) => x.state === 'success');
  assert.ok(done.length >= 5, 'the five (async "ok") futures');
  assert.ok(done.every((x) => x.value !== undefined), 'a resolved record has its value');
  assert.ok(done.some((x) => /ok/.test(String(x.value))), 'value "ok"');
  assert.ok(done.every((x) => typeof x.resolvedAfterMs === 'number'), 'resolvedAfterMs on resolved records');
  const ids = body.futures.map((x) => x.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});

test('gene/futures: state filter with total counting the matches; paging with start and count', T, async (t) => {
  const { s } = await stopAtList(t);
  const pending = await futures(s, { state: 'pending', count: 1000 });
  assert.ok(pending.futures.every((f) => f.state === 'pending'));
  assert.ok(pending.total >= 31, `pending total ${pending.total}`);
  assert.equal(pending.futures.length, pending.total);
  const success = await futures(s, { state: 'success', count: 1000 });
  assert.ok(success.futures.every((f) => f.state === 'success'));
  assert.ok(success.total >= 5);
  const cancelled = await futures(s, { state: 'cancelled' });
  assert.equal(cancelled.total, 0);
  assert.deepEqual(cancelled.futures, []);

  const p1 = await futures(s, { state: 'pending', start: 0, count: 10 });
  const p2 = await futures(s, { state: 'pending', start: 10, count: 10 });
  assert.equal(p1.futures.length, 10);
  assert.equal(p2.futures.length, 10);
  assert.equal(p1.total, pending.total, 'total counts all matches, not the page');
  assert.equal(p2.total, pending.total);
  const ids1 = new Set(p1.futures.map((f) => f.id));
  assert.ok(!p2.futures.some((f) => ids1.has(f.id)), 'pages do not overlap');
  assert.deepEqual(
    [...p1.futures, ...p2.futures].map((f) => f.id),
    pending.futures.slice(0, 20).map((f) => f.id),
    'pages follow the order of the full list',
  );
  const last = await futures(s, { state: 'pending', start: pending.total - 3, count: 10 });
  assert.equal(last.futures.length, 3, 'the last page is short');
});

test('gene/futures is answered while the program runs (blocked in an await), without stopping it', T, async (t) => {
  const { s } = await stopAtList(t);
  await s.continue();
  await h.sleep(400);
  const t0 = Date.now();
  const body = await futures(s, { state: 'pending', count: 1000 });
  const ms = Date.now() - t0;
  t.diagnostic(`gene/futures answered in ${ms} ms while running`);
  assert.ok(ms < 3000, `answered after ${ms} ms`);
  assert.ok(body.total >= 31, `pending: ${body.total}`);
  assert.ok(body.futures.some((f) => f.label === 'sleep_async 20000'));
  assert.equal(s.eventsOf('stopped').length, 1, 'no stop besides the breakpoint');
  // and again, to see it is served at every poll
  const again = await futures(s, {});
  assert.ok(again.total >= 31);
});

test('gene/futureCreated and gene/futureResolved are batched: 10,000 futures make at most 200 events each', { timeout: 60000 }, async (t) => {
  const s = await h.startStdio(t);
  await s.launch(h.program('fut_many.gene'));
  await s.runsToEnd(45000);
  assert.ok(s.output('stdout').includes('all resolved 10000'));
  const created = s.eventsOf('gene/futureCreated');
  const resolved = s.eventsOf('gene/futureResolved');
  const recs = (evs) => evs.flatMap((e) => (e.body && e.body.futures) || []);
  const c = recs(created);
  const r = recs(resolved);
  t.diagnostic(`${created.length} futureCreated events (${c.length} records), ${resolved.length} futureResolved events (${r.length} records)`);
  // Batches are flushed on a timer: a loaded machine runs fewer futures per flush.
  // 200 events for 10,000 futures still proves batching (1-4 when idle, bench/dap.sh).
  assert.ok(created.length >= 1 && created.length <= 200, `${created.length} futureCreated events`);
  assert.ok(resolved.length >= 1 && resolved.length <= 200, `${resolved.length} futureResolved events`);
  assert.ok(c.length >= 10000 && c.length <= 10010, `created records add up: ${c.length}`);
  assert.equal(new Set(c.map((x) => x.id)).size, c.length, 'each future is announced once');
  assert.ok(r.length >= 10000, `resolved records add up: ${r.length}`);
  for (const x of [c[0], c[c.length - 1], r[0]]) {
    assert.equal(typeof x.id, 'number');
    assert.equal(typeof x.label, 'string');
    assert.equal(typeof x.state, 'string');
  }
  assert.ok(r.filter((x) => x.label === 'sleep_async 50').every((x) => x.state === 'success'));
});

test('data breakpoint on a future variable: dataBreakpointInfo, then a stop when it resolves at the poll point, before its callback', T, async (t) => {
  const { s, F, prog, top } = await stopAtMarker(t, 'fut_data.gene', 'DB_BP');
  const locals = await s.scope(top.id, 'Locals');
  const id = await s.valueOf('(watched .id)', top.id);
  const info = (await s.request('dataBreakpointInfo', { variablesReference: locals.variablesReference, name: 'watched' })).body;
  assert.equal(info.dataId, `future:${id}`);
  assert.equal(info.description, `when future #${id} resolves`);
  assert.deepEqual(info.accessTypes, ['write']);
  assert.equal(info.canPersist, false);
  const notFuture = (await s.request('dataBreakpointInfo', { variablesReference: locals.variablesReference, name: 'plain_int' })).body;
  assert.equal(notFuture.dataId, null, 'an int is not a data breakpoint target');

  const set = (await s.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] })).body;
  assert.equal(set.breakpoints.length, 1);
  assert.equal(set.breakpoints[0].verified, true);
  await s.continue();
  const stop = await h.stoppedAt(s, 'data breakpoint', h.lineOf(F, 'DB_POLL'), { file: prog });
  const locals2 = await s.scopeVars(stop.top.id, 'Locals');
  const fv = h.varByName(locals2, '$future');
  assert.match(fv.value, /success: nil/, 'the future and its value');
  assert.match(fv.value, new RegExp(`#${id}\\b`), 'names the future');
  assert.ok(!s.output('stdout').includes('watched callback'), 'stopped before the callback ran');
  await s.continue();
  await s.runsToEnd(15000);
  assert.equal(s.output('stdout'), 'set up\nwatched callback\nend\n');
});

test('data breakpoints on manual futures (via Locals and via the Futures scope) stop on the line that resolves them', T, async (t) => {
  const { s, F, prog, top } = await stopAtMarker(t, 'fut_data_manual.gene', 'DM_BP');
  const boxId = await s.valueOf('(box .id)', top.id);
  const otherId = await s.valueOf('(other .id)', top.id);
  const locals = await s.scope(top.id, 'Locals');
  const boxInfo = (await s.request('dataBreakpointInfo', { variablesReference: locals.variablesReference, name: 'box' })).body;
  assert.equal(boxInfo.dataId, `future:${boxId}`);
  const futScope = await s.scope(top.id, 'Futures');
  const entries = await s.variables(futScope.variablesReference);
  const otherEntry = entries.find((v) => v.name.startsWith(`#${otherId} `) || v.name === `#${otherId}`);
  assert.ok(otherEntry, `Futures scope lists #${otherId}: ${entries.map((v) => v.name).join(', ')}`);
  const otherInfo = (await s.request('dataBreakpointInfo', { variablesReference: futScope.variablesReference, name: otherEntry.name })).body;
  assert.equal(otherInfo.dataId, `future:${otherId}`, 'an entry of the Futures scope is a data breakpoint target');

  const set = (await s.request('setDataBreakpoints', { breakpoints: [{ dataId: boxInfo.dataId }, { dataId: otherInfo.dataId }] })).body;
  assert.deepEqual(set.breakpoints.map((b) => b.verified), [true, true]);
  await s.continue();
  let stop = await h.stoppedAt(s, 'data breakpoint', h.lineOf(F, 'DM_RESOLVE'));
  let fv = h.varByName(await s.scopeVars(stop.top.id, 'Locals'), '$future');
  assert.match(fv.value, /success: "manual"/);
  assert.match(fv.value, new RegExp(`#${boxId}\\b`), 'names the future');
  assert.ok(!s.output('stdout').includes('box callback'), 'before box\'s callback');
  await s.continue();
  stop = await h.stoppedAt(s, 'data breakpoint', h.lineOf(F, 'DM_FAIL'));
  fv = h.varByName(await s.scopeVars(stop.top.id, 'Locals'), '$future');
  assert.match(fv.value, /failure: .*went wrong/);
  assert.match(fv.value, new RegExp(`#${otherId}\\b`), 'names the future');
  assert.ok(s.output('stdout').includes('box callback manual\n'));
  assert.ok(!s.output('stdout').includes('other callback'), 'before other\'s callback');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'armed\nbox callback manual\nother callback went wrong\nafter\n');
});

test('gene/setFutureBreakpoints (the Futures view\'s own action) adds to the client\'s data breakpoints instead of replacing them', T, async (t) => {
  const { s, F, top } = await stopAtMarker(t, 'fut_data_manual.gene', 'DM_BP');
  const boxId = Number(await s.valueOf('(box .id)', top.id));
  const otherId = Number(await s.valueOf('(other .id)', top.id));
  const view = (await s.request('gene/setFutureBreakpoints', { ids: [otherId] })).body;
  assert.deepEqual(view.breakpoints.map((b) => [b.id, b.verified]), [[otherId, true]]);
  await assert.rejects(s.request('gene/setFutureBreakpoints', { ids: ['x'] }), /array of future ids/);
  // VS Code sends its own (here: one) data breakpoints afterwards; the view's stays set.
  await s.request('setDataBreakpoints', { breakpoints: [{ dataId: `future:${boxId}` }] });
  await s.continue();
  let stop = await h.stoppedAt(s, 'data breakpoint', h.lineOf(F, 'DM_RESOLVE'));
  await s.continue();
  stop = await h.stoppedAt(s, 'data breakpoint', h.lineOf(F, 'DM_FAIL'));
  assert.match(h.varByName(await s.scopeVars(stop.top.id, 'Locals'), '$future').value, new RegExp(`#${otherId}\\b`));
  await s.continue();
  await s.runsToEnd();
});

test('gene/setFutureBreakpoints with an empty list removes the view\'s breakpoints', T, async (t) => {
  const { s, F, top } = await stopAtMarker(t, 'fut_data_manual.gene', 'DM_BP');
  const boxId = Number(await s.valueOf('(box .id)', top.id));
  await s.request('gene/setFutureBreakpoints', { ids: [boxId] });
  await s.request('gene/setFutureBreakpoints', { ids: [] });
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'armed\nbox callback manual\nother callback went wrong\nafter\n');
});
