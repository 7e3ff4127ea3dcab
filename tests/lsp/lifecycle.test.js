'use strict';
// Lifecycle: initialize (capabilities, position encoding negotiation, pull
// diagnostics only when the client can pull), shutdown then exit, an unknown method,
// malformed frames written raw to stdin.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/client');

const { T } = h;

const FOLD_URI = 'file:///tmp/gene-lsp-e2e/none.gene';

/** A request every healthy server answers: formatting of an open document. */
async function stillServing(c, what) {
  const uri = h.docUri('alive');
  await c.open(uri, '(fn f [x]\nx)\n');
  const r = await c.request('textDocument/formatting', {
    textDocument: { uri },
    options: { tabSize: 2, insertSpaces: true },
  });
  assert.deepEqual(
    r.map((e) => e.newText),
    ['(fn f [x]\n  x)\n'],
    `${what}: the server still formats after it${c.context()}`,
  );
}

test('initialize: server info, incremental sync, and the features that work today', T, async (t) => {
  const c = h.spawnServer(t);
  const r = await c.initialize();
  assert.equal(r.serverInfo && r.serverInfo.name, 'gene-lsp');
  assert.match(String(r.serverInfo.version), /^\d+\.\d+\.\d+/);
  const caps = r.capabilities;
  const sync = caps.textDocumentSync;
  assert.equal(typeof sync, 'object', `textDocumentSync is an options object: ${JSON.stringify(sync)}`);
  assert.equal(sync.openClose, true, 'open/close notifications wanted');
  assert.equal(sync.change, h.lsp.TextDocumentSyncKind.Incremental, 'incremental sync (2)');
  assert.equal(caps.documentFormattingProvider, true);
  assert.equal(caps.documentRangeFormattingProvider, true);
  const onType = caps.documentOnTypeFormattingProvider;
  assert.ok(onType, 'onTypeFormatting advertised');
  const triggers = [onType.firstTriggerCharacter, ...(onType.moreTriggerCharacter || [])];
  assert.ok(triggers.includes('\n'), `newline triggers on-type formatting: ${JSON.stringify(triggers)}`);
  assert.ok(triggers.includes(')'), `")" triggers on-type formatting: ${JSON.stringify(triggers)}`);
  assert.ok(caps.foldingRangeProvider, 'foldingRange advertised');
  assert.ok(caps.selectionRangeProvider, 'selectionRange advertised');
  // A client that cannot pull gets pushed diagnostics: no diagnosticProvider.
  assert.equal(caps.diagnosticProvider, undefined, 'no diagnosticProvider for a push-only client');
});

test('position encoding: utf-16 unless the client offers utf-8', T, async (t) => {
  const cases = [
    { offered: null, want: 'utf-16' },
    { offered: ['utf-16'], want: 'utf-16' },
    { offered: ['utf-8'], want: 'utf-8' },
    { offered: ['utf-16', 'utf-8'], want: 'utf-8' },
    { offered: ['utf-32', 'utf-8', 'utf-16'], want: 'utf-8' },
    { offered: ['utf-32'], want: 'utf-16' },
  ];
  for (const k of cases) {
    const c = h.spawnServer(t);
    const r = await c.initialize({ encodings: k.offered });
    assert.equal(
      r.capabilities.positionEncoding,
      k.want,
      `client offering ${JSON.stringify(k.offered)} gets ${k.want}`,
    );
    c.dispose();
  }
});

test('diagnosticProvider is advertised only to a client that can pull', T, async (t) => {
  const c = h.spawnServer(t);
  const r = await c.initialize({ pull: true });
  const dp = r.capabilities.diagnosticProvider;
  assert.ok(dp, `diagnosticProvider advertised to a pulling client: ${JSON.stringify(r.capabilities)}`);
  assert.equal(dp.interFileDependencies, false);
  assert.equal(dp.workspaceDiagnostics, false);
});

test('shutdown then exit ends the process promptly with status 0', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri();
  await c.open(uri, '(println "bye")\n');
  await c.waitDiagnostics(uri);
  const ex = await c.shutdownAndExit(3000);
  assert.equal(ex.code, 0, `exit status after shutdown+exit: ${JSON.stringify(ex)}${c.context()}`);
  assert.ok(ex.ms < 1000, `the process ended ${ex.ms} ms after exit (want < 1000 ms)`);
});

test('shutdown then exit also ends a server that is busy with open documents and pending edits', T, async (t) => {
  const c = await h.start(t);
  const uri = h.docUri();
  await c.open(uri, '(var x 1)\n');
  for (let v = 2; v <= 20; v++) {
    c.change(uri, v, [{ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 8 } }, text: ' 1' }]);
  }
  const ex = await c.shutdownAndExit(3000);
  assert.equal(ex.code, 0, JSON.stringify(ex));
});

test('an unknown request gets MethodNotFound (-32601) and the server goes on', T, async (t) => {
  const c = await h.start(t);
  const e = await c.requestError('gene/noSuchMethod', { x: 1 });
  assert.equal(e.code, h.rpc.ErrorCodes.MethodNotFound, `error code: ${JSON.stringify(e)}`);
  // Unknown notifications (with and without the `$/` prefix) are ignored.
  await c.notify('$/noSuchNotification', { y: 2 });
  await c.notify('gene/noSuchNotification', { y: 2 });
  const e2 = await c.requestError('textDocument/noSuchRequest', {});
  assert.equal(e2.code, -32601);
  await stillServing(c, 'unknown methods');
  assert.equal(c.exited, null, `the server is still running${c.context()}`);
});

// Each malformed frame is written raw to stdin on its own server; afterwards a valid
// request must still be answered and the process must still run.
const MALFORMED = [
  { name: 'a body that is not JSON', raw: h.frame('{"jsonrpc": "2.0", "id": 99, "method": '), code: -32700 },
  { name: 'JSON that is not a JSON-RPC message', raw: h.frame('{"foo": 1}'), code: -32600 },
  { name: 'a request whose method is a number', raw: h.frame('{"jsonrpc":"2.0","id":5,"method":5}'), code: null },
  { name: 'a header without Content-Length', raw: 'Content-Type: application/json\r\n\r\n{}', code: null },
];

for (const m of MALFORMED) {
  test(`a malformed frame (${m.name}) does not kill the server`, T, async (t) => {
    const c = await h.start(t);
    await c.writeRaw(m.raw);
    // Give the server the time to choke on it.
    await h.sleep(300);
    assert.equal(c.exited, null, `the server exited after ${m.name}: ${JSON.stringify(c.exited)}${c.context()}`);
    const r = await c.request('textDocument/foldingRange', { textDocument: { uri: FOLD_URI } }).catch((e) => e);
    assert.ok(!(r instanceof Error) || r.code !== undefined, `a request after ${m.name} is answered: ${r && r.message}${c.context()}`);
    await stillServing(c, m.name);
    if (m.code !== null) {
      // The malformed message itself is answered with a JSON-RPC error (id null).
      const logged = c.rpcLog.map((l) => l.message).join('\n');
      assert.match(logged, new RegExp(`"code": ${m.code}`), `an error response ${m.code} to the malformed frame; got: ${logged}`);
    }
  });
}
