'use strict';
// Stack traces: async label frames between a callback's frames and the frames
// beneath; absolute paths, lines, columns; paging; native frames.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };
const F = 'stack_async.gene';

async function stopInInner(t, { relative = false } = {}) {
  const prog = h.program(F);
  const line = h.lineOf(F, 'STACK_INNER');
  const s = await h.startStdio(t, relative ? { spawnOptions: { cwd: h.PROGRAMS } } : {});
  let bp;
  await s.launch(relative ? F : prog, {}, async (s) => {
    [bp] = await s.setBreakpoints(prog, [line]);
  });
  const stop = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  return { s, prog, bp, ...stop };
}

test('a callback run because a future resolved shows a label frame between its frames and the frames beneath', T, async (t) => {
  const { s, frames } = await stopInInner(t);
  const names = frames.map((f) => `${f.name}@${f.line}`).join(' | ');
  assert.match(frames[0].name, /inner/, names);
  assert.equal(frames[1].line, h.lineOf(F, 'STACK_CB'), `callback frame: ${names}`);
  const label = frames[2];
  assert.equal(label.presentationHint, 'label', `third frame is the label: ${names}`);
  const napLine = h.lineOf(F, 'STACK_NAP');
  const napCol = h.lineText(F, napLine).indexOf('(sleep_async 30)') + 1;
  const re = new RegExp(`^── future #(\\d+) resolved: sleep_async 30 \\((?:.*/)?stack_async\\.gene:${napLine}:${napCol}\\) ──$`);
  const m = label.name.match(re);
  assert.ok(m, `label frame name ${JSON.stringify(label.name)} matches ${re}`);
  assert.ok(!label.source || !label.source.path, 'the label frame has no source');
  assert.equal(label.line, 0, 'the label frame has line 0');
  const napId = await s.valueOf('(nap .id)', frames[0].id);
  assert.equal(m[1], String(napId), 'the label names the future that resolved');
  const main = frames[3];
  assert.ok(main && main.source, `a main frame below the label: ${names}`);
  assert.equal(main.line, h.lineOf(F, 'STACK_MAIN'), 'main is at its await');
  assert.match(main.name, /main/i);
});

test('frames have absolute source paths (also for a relative program path), lines and columns', T, async (t) => {
  const { frames, prog, bp } = await stopInInner(t, { relative: true });
  const gene = frames.filter((f) => f.source && f.source.path);
  assert.ok(gene.length >= 3, 'three frames with a source');
  for (const f of gene) {
    assert.ok(path.isAbsolute(f.source.path), `absolute path: ${f.source.path}`);
    assert.equal(fs.realpathSync(f.source.path), fs.realpathSync(prog));
    assert.equal(f.source.name, path.basename(prog), 'source name is the file name');
    assert.ok(Number.isInteger(f.line) && f.line >= 1, `line ${f.line}`);
    assert.ok(Number.isInteger(f.column) && f.column >= 1, `column ${f.column}`);
  }
  // stopped at a breakpoint before its statement ran: the position is the breakpoint's
  const indent = h.lineText(F, h.lineOf(F, 'STACK_INNER')).search(/\S/);
  const bpColumn = bp.column !== undefined ? bp.column : indent + 1;
  assert.equal(frames[0].column, bpColumn, `the top frame column is the breakpoint's (statement start ${indent + 1})`);
  const mainLine = h.lineText(F, h.lineOf(F, 'STACK_MAIN'));
  assert.equal(frames[3].column, mainLine.indexOf('(') + 1, 'main frame column');
});

test('stackTrace supports startFrame / levels and reports totalFrames', T, async (t) => {
  const { s, frames } = await stopInInner(t);
  const all = await s.request('stackTrace', { threadId: 1 });
  if (all.body.totalFrames !== undefined) assert.equal(all.body.totalFrames, frames.length);
  const first = await s.request('stackTrace', { threadId: 1, startFrame: 0, levels: 1 });
  assert.equal(first.body.stackFrames.length, 1);
  assert.equal(first.body.stackFrames[0].name, frames[0].name);
  assert.ok(first.body.totalFrames >= frames.length || first.body.totalFrames === undefined, 'totalFrames counts all frames');
  const mid = await s.request('stackTrace', { threadId: 1, startFrame: 1, levels: 2 });
  assert.deepEqual(
    mid.body.stackFrames.map((f) => [f.name, f.line]),
    frames.slice(1, 3).map((f) => [f.name, f.line]),
  );
});

test('a .map callback: callback frame, the native .map frame (subtle, no source), then main', T, async (t) => {
  const M = 'stack_map.gene';
  const prog = h.program(M);
  const line = h.lineOf(M, 'SMAP_BODY');
  const s = await h.startStdio(t);
  await s.launch(prog, {}, async (s) => {
    await s.setBreakpoints(prog, [line]);
  });
  const { frames } = await h.stoppedAt(s, 'breakpoint', line, { file: prog });
  const names = frames.map((f) => `${f.name}@${f.line}:${f.presentationHint || ''}`).join(' | ');
  const iMain = frames.findIndex((f, i) => i > 0 && f.source && f.line === h.lineOf(M, 'SMAP_CALL'));
  assert.ok(iMain > 0, `a main frame at the .map call: ${names}`);
  const between = frames.slice(1, iMain);
  assert.ok(between.length >= 1, `a native frame between the callback and main: ${names}`);
  for (const f of between) {
    assert.equal(f.presentationHint, 'subtle', `native frame ${f.name} is subtle`);
    assert.ok(!f.source || !f.source.path, `native frame ${f.name} has no source`);
  }
  assert.ok(between.some((f) => /map/.test(f.name)), `the native frame names .map: ${names}`);
});
