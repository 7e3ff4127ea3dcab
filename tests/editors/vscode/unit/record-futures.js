'use strict';
// Records a real gene-dap session for the Futures view tests: the `gene/futures`
// replies (while running and at a breakpoint) and the gene/futureCreated /
// gene/futureResolved events, in arrival order, into fixtures/futures_session.json.
// Run again after a protocol change:  node record-futures.js
const fs = require('node:fs');
const path = require('node:path');
const h = require('../../../dap/lib/harness');

const PROG = path.join(__dirname, 'fixtures/futures_session.gene');
const OUT = path.join(__dirname, 'fixtures/futures_session.json');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const cleanups = [];
  const t = { after: (fn) => cleanups.push(fn) };
  const s = await h.startStdio(t);
  const line = fs.readFileSync(PROG, 'utf8').split('\n').findIndex((l) => l.includes('REC_BP')) + 1;
  const timeline = [];
  const page = async (when) => {
    const body = (await s.request('gene/futures', { count: 500 })).body;
    timeline.push({ at: s.events.length, when, page: body });
  };
  await s.launch(PROG, {}, async (s) => {
    await s.setBreakpoints(PROG, [line]);
  });
  await sleep(100);
  await page('running');
  await s.waitFirst(['stopped'], { ms: 10000 });
  await page('stopped');
  await s.continue();
  await s.runsToEnd();
  const events = s.events.filter((e) => e.event.startsWith('gene/'));
  // Merge by arrival: a page comes after the events that arrived before its reply.
  const out = [];
  let pi = 0;
  s.events.forEach((e, i) => {
    while (pi < timeline.length && timeline[pi].at <= i) out.push({ page: timeline[pi].page, when: timeline[pi++].when });
    if (e.event.startsWith('gene/')) out.push({ event: e.event, body: e.body });
  });
  while (pi < timeline.length) out.push({ page: timeline[pi].page, when: timeline[pi++].when });
  // Paths differ per machine: keep them relative to this folder.
  const json = JSON.stringify(out, null, 1).split(path.dirname(PROG)).join('<fixtures>');
  fs.writeFileSync(OUT, `${json}\n`);
  console.log(`${events.length} events, ${timeline.length} pages -> ${OUT}`);
  for (const c of cleanups) await c();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
