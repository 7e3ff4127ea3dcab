'use strict';
// The Futures tree model, fed the gene/futures replies and events of a recorded real
// gene-dap session (fixtures/futures_session.json, made by record-futures.js).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { load } = require('./lib/load');

const { FuturesModel, formatMs } = load('futuresModel');
const timeline = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/futures_session.json'), 'utf8'));

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}
function replay(model, upTo = timeline.length) {
  for (const step of timeline.slice(0, upTo)) {
    if (step.page) model.applyPage(step.page);
    else model.applyEvent(step.event, step.body);
  }
}
function shape(model) {
  return model.groups().map((g) => [g.label, g.description, model.children(g.state).map((r) => r.label)]);
}
const indexOf = (pred) => timeline.findIndex(pred);

test('the recording has what the tests rely on', () => {
  assert.ok(indexOf((s) => s.event === 'gene/futureCreated') >= 0);
  assert.ok(indexOf((s) => s.when === 'running') >= 0);
  assert.ok(indexOf((s) => s.when === 'stopped') >= 0);
  assert.ok(timeline.filter((s) => s.event === 'gene/futureResolved').length >= 1);
});

test('created events: one Pending group, one row per future, `#id label`, in id order', () => {
  const m = new FuturesModel();
  replay(m, indexOf((s) => s.event === 'gene/futureCreated') + 1);
  assert.deepEqual(shape(m), [['Pending', '4', ['#1 sleep_async 300', '#2 sleep_async 700', '#3 new gene/Future', '#4 sleep_async 20000']]]);
  assert.equal(m.pendingCount(), 4);
  const [row] = m.children('pending');
  assert.equal(row.contextValue, 'future.pending');
  assert.equal(row.icon.id, 'watch');
  assert.deepEqual(row.origin, { path: '<fixtures>/futures_session.gene', line: 2, column: 11 });
  assert.match(row.tooltip, /created at <fixtures>\/futures_session\.gene:2:11/);
});

test('a page while running: ages, and who awaits a future', () => {
  const c = clock();
  const m = new FuturesModel(c.now);
  replay(m, indexOf((s) => s.when === 'running') + 1);
  const rows = m.children('pending');
  assert.equal(rows.length, 4);
  const first = rows.find((r) => r.futureId === 1);
  assert.match(first.description, /^\d+ ms · futures_session\.gene:2$/, first.description);
  assert.match(first.tooltip, /awaited by <main> \(/);
  // The age keeps counting between refreshes.
  const before = parseInt(rows.find((r) => r.futureId === 4).description, 10);
  c.t += 1500;
  const later = m.children('pending').find((r) => r.futureId === 4).description;
  assert.match(later, /^\d+\.\d s · futures_session\.gene:5$/);
  assert.ok(parseFloat(later) * 1000 >= before + 1500 - 100, `${later} vs ${before} ms + 1.5 s`);
});

test('resolved events move futures to their final state and they stay listed there', () => {
  const m = new FuturesModel();
  replay(m, indexOf((s) => s.when === 'stopped'));
  const groups = m.groups().map((g) => g.label);
  assert.deepEqual(groups, ['Succeeded', 'Failed', 'Cancelled'], 'pending first when there is any; empty groups are hidden');
  const ok = m.children('success');
  assert.deepEqual(ok.map((r) => r.label), ['#2 sleep_async 700', '#1 sleep_async 300'], 'newest resolution first');
  assert.match(ok[1].description, /^nil · after \d+ ms · futures_session\.gene:2$/);
  assert.equal(ok[1].contextValue, 'future.success');
  assert.equal(ok[1].icon.id, 'pass');
  const [failed] = m.children('failure');
  assert.equal(failed.description.split(' · ')[0], 'Exception: went wrong');
  assert.equal(failed.icon.id, 'error');
  const [cancelled] = m.children('cancelled');
  assert.match(cancelled.description, /CancellationException: Future cancelled/);
  assert.equal(m.pendingCount(), 0);
});

test('the page at the breakpoint after they resolved agrees with the events', () => {
  const m = new FuturesModel();
  replay(m);
  assert.deepEqual(shape(m), [
    ['Succeeded', '2', ['#2 sleep_async 700', '#1 sleep_async 300']],
    ['Failed', '1', ['#3 new gene/Future']],
    ['Cancelled', '1', ['#4 sleep_async 20000']],
  ]);
});

test('a pending future a complete page no longer lists was collected: dropped; resolved ones stay as history', () => {
  const m = new FuturesModel();
  m.applyEvent('gene/futureCreated', { futures: [rec(1), rec(2)] });
  m.applyEvent('gene/futureResolved', { futures: [rec(1, 'success', { value: '5' })] });
  m.applyPage({ futures: [], total: 0 });
  assert.deepEqual(shape(m), [['Succeeded', '1', ['#1 t']]]);
});

test('paging: a page that does not hold every future keeps the rest and counts them from stats', () => {
  const m = new FuturesModel(undefined, { groupLimit: 2 });
  m.applyEvent('gene/futureCreated', { futures: [rec(1), rec(2), rec(3)] });
  m.applyPage({ futures: [rec(1), rec(2)], total: 10, stats: { pending: 10 } });
  assert.equal(m.pendingCount(), 11, 'three known + eight never listed');
  const rows = m.children('pending');
  assert.deepEqual(rows.map((r) => r.label), ['#1 t', '#2 t', '… 9 more']);
  assert.equal(rows[2].kind, 'more');
});

test('a stale page (computed before a resolution event that arrived first) does not turn a resolved future back to pending', () => {
  const m = new FuturesModel();
  m.applyEvent('gene/futureCreated', { futures: [rec(1), rec(2)] });
  m.applyEvent('gene/futureResolved', { futures: [rec(2, 'success', { value: 'v' })] });
  m.applyPage({ futures: [rec(1), rec(2)], total: 2 });
  assert.equal(m.record(2).state, 'success');
  assert.equal(m.pendingCount(), 1);
});

test('a late created event does not turn a resolved future back to pending', () => {
  const m = new FuturesModel();
  m.applyEvent('gene/futureResolved', { futures: [rec(7, 'success', { value: '1' })] });
  m.applyEvent('gene/futureCreated', { futures: [rec(7)] });
  assert.equal(m.record(7).state, 'success');
  assert.equal(m.applyEvent('output', {}), false, 'other events are not futures events');
});

test('history is bounded per state, oldest first out', () => {
  const m = new FuturesModel(undefined, { historyLimit: 3 });
  for (let i = 1; i <= 5; i++) m.applyEvent('gene/futureResolved', { futures: [rec(i, 'success', { value: String(i) })] });
  assert.deepEqual(m.children('success').map((r) => r.futureId), [5, 4, 3]);
});

test('watched futures: their own context value and icon; resolving or clearing drops the watch', () => {
  const m = new FuturesModel();
  m.applyEvent('gene/futureCreated', { futures: [rec(1), rec(2)] });
  m.setWatched(2, true);
  assert.deepEqual(m.watchedIds(), [2]);
  const row = m.children('pending').find((r) => r.futureId === 2);
  assert.equal(row.contextValue, 'future.pending.watched');
  assert.equal(row.icon.id, 'debug-breakpoint-data');
  assert.match(row.tooltip, /breaks when it resolves/);
  m.applyEvent('gene/futureResolved', { futures: [rec(2, 'success', { value: 'x' })] });
  assert.deepEqual(m.watchedIds(), []);
  m.clear();
  assert.equal(m.size, 0);
  assert.deepEqual(m.groups(), []);
});

test('malformed records are ignored, not thrown on', () => {
  const m = new FuturesModel();
  m.applyEvent('gene/futureCreated', { futures: [{ id: 'x' }, { id: 3, state: 'weird' }, null].filter(Boolean) });
  m.applyEvent('gene/futureCreated', undefined);
  m.applyPage({});
  assert.equal(m.size, 0);
});

test('formatMs', () => {
  assert.equal(formatMs(12.4), '12 ms');
  assert.equal(formatMs(1540), '1.5 s');
  assert.equal(formatMs(125_000), '2 min 5 s');
  assert.equal(formatMs(-1), '');
});

function rec(id, state = 'pending', extra = {}) {
  return { id, label: 't', state, ageMs: 0, callbacks: { onSuccess: 0, onFailure: 0 }, ...extra };
}
