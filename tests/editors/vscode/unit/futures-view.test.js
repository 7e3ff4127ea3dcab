'use strict';
// The Futures view and status bar item with `vscode` stood in at its edges: a debug
// session's adapter messages go in through the tracker, `gene/futures` requests come
// out, and the tree and status bar show the result.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const stub = require('./lib/vscode-stub');
const { load } = require('./lib/load');

const timeline = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/futures_session.json'), 'utf8'));
const pages = Object.fromEntries(timeline.filter((s) => s.page).map((s) => [s.when, s.page]));
const events = timeline.filter((s) => s.event);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(pred, ms = 3000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function setup(t) {
  const ed = stub.install();
  ed.settings['gene.futures.refreshInterval'] = 100;
  const { FuturesView } = load('futuresView');
  const log = ed.vscode.window.createOutputChannel('test');
  const view = new FuturesView(log);
  t.after(() => view.dispose());
  const tree = ed.trees.get('gene.futures');
  const status = ed.statusItems.find((s) => s.id === 'gene.futures.pending');
  return { ed, view, tree, status, log };
}

function rows(view) {
  return view.getChildren().map((g) => [g.label, view.getChildren(g).map((r) => r.label)]);
}

test('no session: an explanatory message, no status bar item, no rows', (t) => {
  const { view, tree, status } = setup(t);
  assert.equal(tree.options.treeDataProvider, view);
  assert.match(tree.message, /Start a Gene debug session/);
  assert.equal(status.visible, false);
  assert.deepEqual(view.getChildren(), []);
});

test('while the program runs the view polls gene/futures and shows pending futures; the status bar counts them', async (t) => {
  const { ed, view, tree, status } = setup(t);
  let page = pages.running;
  const s = stub.fakeSession(ed, { answer: (cmd) => (cmd === 'gene/futures' ? page : {}) });
  ed.activeDebugSession = s;
  s.send({ type: 'event', event: 'process', body: {} });
  await until(() => s.requests.length >= 2, 3000, 'two polls');
  assert.deepEqual(s.requests[0], { command: 'gene/futures', args: { count: 500 } });
  await until(() => status.text === '$(watch) 4 pending', 2000, `status text (is "${status.text}")`);
  assert.equal(status.visible, true);
  assert.equal(status.command, 'gene.futures.focus');
  assert.equal(tree.description, '4 pending');
  assert.equal(tree.message, '', 'the empty-view message is cleared once futures show');
  assert.deepEqual(rows(view), [['Pending', ['#1 sleep_async 300', '#2 sleep_async 700', '#3 new gene/Future', '#4 sleep_async 20000']]]);

  const [group] = view.getChildren();
  const gi = view.getTreeItem(group);
  assert.equal(gi.collapsibleState, ed.vscode.TreeItemCollapsibleState.Expanded);
  assert.equal(gi.description, '4');
  const item = view.getTreeItem(view.getChildren(group)[0]);
  assert.equal(item.contextValue, 'future.pending');
  assert.equal(item.iconPath.id, 'watch');
  assert.deepEqual(item.command.command, 'gene.futures.revealOrigin');
  assert.match(item.id, /^session-1:future:1$/);

  // Resolution events between polls move rows at once.
  for (const e of events.filter((x) => x.event === 'gene/futureResolved')) s.send({ type: 'event', event: e.event, body: e.body });
  page = pages.stopped;
  await until(() => status.text === '$(watch) 0 pending', 2000, 'resolved');
  assert.deepEqual(rows(view).map((r) => r[0]), ['Succeeded', 'Failed', 'Cancelled']);
});

test('stopped: one refresh at once, no polling while paused; continued: polling again', async (t) => {
  const { ed } = setup(t);
  const s = stub.fakeSession(ed, { answer: () => pages.stopped });
  ed.activeDebugSession = s;
  s.send({ type: 'event', event: 'stopped', body: { reason: 'breakpoint' } });
  await until(() => s.requests.length === 1, 1000, 'the refresh at the stop');
  await sleep(350);
  assert.equal(s.requests.length, 1, 'no polling while paused');
  s.send({ type: 'event', event: 'continued', body: {} });
  await until(() => s.requests.length >= 3, 2000, 'polling after continue');
});

test('a refresh asked for while one is in flight runs after it (the stop after a late reply is not lost)', async (t) => {
  const { ed, view } = setup(t);
  let release;
  const gate = new Promise((r) => (release = r));
  let first = true;
  const s = stub.fakeSession(ed, {
    answer: () => {
      if (first) {
        first = false;
        return gate.then(() => pages.running);
      }
      return pages.stopped;
    },
  });
  ed.activeDebugSession = s;
  void view.refresh();
  s.send({ type: 'event', event: 'stopped', body: { reason: 'breakpoint' } });
  assert.equal(s.requests.length, 1, 'one request at a time');
  release();
  await until(() => s.requests.length === 2, 1000, 'the second refresh');
  await until(() => view.getChildren().map((g) => g.label).join() === 'Succeeded,Failed,Cancelled', 1000, 'the newer page shown');
});

test('the session ends: the view is cleared, the status bar item hidden, polling stops', async (t) => {
  const { ed, view, tree, status } = setup(t);
  const s = stub.fakeSession(ed, { answer: () => pages.running });
  ed.activeDebugSession = s;
  s.send({ type: 'event', event: 'process', body: {} });
  await until(() => view.getChildren().length === 1, 2000, 'rows');
  ed.activeDebugSession = undefined;
  ed.onTerminate.fire(s);
  assert.deepEqual(view.getChildren(), []);
  assert.equal(status.visible, false);
  assert.match(tree.message, /Start a Gene debug session/);
  const n = s.requests.length;
  await sleep(300);
  assert.equal(s.requests.length, n, 'no requests to an ended session');
});

test('a failing gene/futures request is logged, not thrown', async (t) => {
  const { ed, log } = setup(t);
  const s = stub.fakeSession(ed, {
    answer: () => {
      throw new Error('no program');
    },
  });
  ed.activeDebugSession = s;
  s.send({ type: 'event', event: 'stopped', body: {} });
  await until(() => log.lines.some((l) => /gene\/futures failed: no program/.test(l)), 1000, 'the log line');
});

test('clicking a row reveals where the future was created (1-based origin to 0-based position)', async (t) => {
  const { ed, view } = setup(t);
  await view.revealOrigin({ origin: { path: '/ws/a.gene', line: 3, column: 7 } });
  assert.equal(ed.shown.length, 1);
  assert.equal(ed.shown[0].uri.fsPath, '/ws/a.gene');
  const { line, character } = ed.shown[0].options.selection.start;
  assert.deepEqual({ line, character }, { line: 2, character: 6 });
  await view.revealOrigin({});
  assert.equal(ed.shown.length, 1, 'a row without an origin does nothing');
});

test('Break on Value Change on a pending row asks the adapter and marks the row; an adapter error undoes it', async (t) => {
  const { ed, view } = setup(t);
  let fail = false;
  const s = stub.fakeSession(ed, {
    answer: (cmd) => {
      if (cmd === 'gene/futures') return pages.running;
      if (fail) throw new Error('not a future');
      return { breakpoints: [] };
    },
  });
  ed.activeDebugSession = s;
  s.send({ type: 'event', event: 'stopped', body: {} });
  await until(() => view.getChildren().length === 1, 2000, 'rows');
  const row = view.getChildren(view.getChildren()[0]).find((r) => r.futureId === 2);
  await view.setBreakOnResolve(row, true);
  assert.deepEqual(s.requests.at(-1), { command: 'gene/setFutureBreakpoints', args: { ids: [2] } });
  const marked = view.getChildren(view.getChildren()[0]).find((r) => r.futureId === 2);
  assert.equal(marked.contextValue, 'future.pending.watched');
  fail = true;
  const other = view.getChildren(view.getChildren()[0]).find((r) => r.futureId === 4);
  await view.setBreakOnResolve(other, true);
  assert.deepEqual(s.requests.at(-1).args, { ids: [2, 4] });
  assert.equal(view.getChildren(view.getChildren()[0]).find((r) => r.futureId === 4).contextValue, 'future.pending', 'undone');
  assert.ok(ed.messages.some((m) => m.level === 'error' && /could not set the breakpoint: not a future/.test(m.text)));
  fail = false;
  await view.setBreakOnResolve(marked, false);
  assert.deepEqual(s.requests.at(-1).args, { ids: [] });
});
