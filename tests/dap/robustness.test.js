'use strict';
// Robustness, with a raw client (not DebugClient) over stdio and over a socket:
// malformed frames, wrong Content-Length, invalid JSON, unknown commands and bad
// arguments get well-formed error responses and the session goes on; requests
// with empty or missing arguments are accepted; the adapter goes away with its
// client and never leaves the program running.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };

/** A DAP client that writes bytes as given and parses what comes back by itself. */
class RawClient {
  constructor(readable, writable, label) {
    this.writable = writable;
    this.label = label;
    this.buf = Buffer.alloc(0);
    this.messages = [];
    this.unparsable = [];
    this.waiters = [];
    this.seq = 1000;
    readable.on('data', (d) => this._data(d));
  }

  _data(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) break;
      const header = this.buf.slice(0, sep).toString('latin1');
      const m = header.match(/Content-Length: *(\d+)/i);
      if (!m) {
        this.unparsable.push(header);
        this.buf = this.buf.slice(sep + 4);
        continue;
      }
      const len = Number(m[1]);
      if (this.buf.length < sep + 4 + len) break;
      const body = this.buf.slice(sep + 4, sep + 4 + len).toString('utf8');
      this.buf = this.buf.slice(sep + 4 + len);
      try {
        this.messages.push(JSON.parse(body));
      } catch (_) {
        this.unparsable.push(body);
      }
    }
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  raw(bytes) {
    this.writable.write(bytes);
  }

  frame(bodyText) {
    this.raw(`Content-Length: ${Buffer.byteLength(bodyText, 'utf8')}\r\n\r\n${bodyText}`);
  }

  send(command, args, seq = ++this.seq) {
    const req = { seq, type: 'request', command };
    if (args !== undefined) req.arguments = args;
    this.frame(JSON.stringify(req));
    return seq;
  }

  /** Waits for a message matching `pred` (also among those already received). */
  waitFor(pred, ms = h.REQUEST_MS, what = 'a message') {
    return h.withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const m = this.messages.find(pred);
          if (m) resolve(m);
          else this.waiters.push(check);
        };
        check();
      }),
      ms,
      `${this.label}: ${what}; received: ${JSON.stringify(this.messages).slice(0, 1500)}`,
    );
  }

  response(seq, ms) {
    return this.waitFor((m) => m.type === 'response' && m.request_seq === seq, ms, `response to seq ${seq}`);
  }

  async request(command, args, ms) {
    const seq = this.send(command, args);
    return this.response(seq, ms);
  }

  errorResponses() {
    return this.messages.filter((m) => m.type === 'response' && m.success === false);
  }
}

function startRaw(t) {
  if (!fs.existsSync(h.ADAPTER)) throw new Error(`adapter not built: ${h.ADAPTER}`);
  const proc = h.track(cp.spawn(h.ADAPTER, [], { stdio: ['pipe', 'pipe', 'pipe'] }));
  t.after(() => h.killProc(proc));
  const c = new RawClient(proc.stdout, proc.stdin, 'raw stdio');
  c.proc = proc;
  c.stderr = '';
  proc.stderr.on('data', (d) => (c.stderr += d.toString()));
  proc.stdin.on('error', () => {});
  return c;
}

function connectRaw(t, port) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(port, '127.0.0.1', () => {
      const c = new RawClient(sock, sock, `raw socket ${port}`);
      c.sock = sock;
      resolve(c);
    });
    sock.on('error', reject);
    t.after(() => sock.destroy());
  });
}

/** A well-formed error response. */
function assertErrorResponse(r, { seq, command } = {}) {
  assert.equal(r.type, 'response');
  assert.equal(typeof r.seq, 'number', 'has seq');
  assert.equal(typeof r.request_seq, 'number', 'has request_seq');
  assert.equal(r.success, false);
  assert.equal(typeof r.command, 'string', 'has command');
  assert.equal(typeof r.message, 'string', 'has message');
  assert.ok(r.message.length > 0, 'message is not empty');
  if (seq !== undefined) assert.equal(r.request_seq, seq);
  if (command !== undefined) assert.equal(r.command, command);
}

async function initializeWorks(c) {
  const r = await c.request('initialize', { adapterID: 'gene', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  assert.equal(r.success, true, `initialize after bad input: ${JSON.stringify(r)}`);
  assert.equal(r.command, 'initialize');
  assert.equal(r.body.supportsConfigurationDoneRequest, true);
}

function noPanic(c) {
  assert.ok(!/panicked/.test(c.stderr || ''), `the adapter panicked: ${c.stderr}`);
  assert.deepEqual(c.unparsable, [], 'everything the adapter wrote is a frame of JSON');
}

test('garbage bytes get an error response; the session then answers initialize', T, async (t) => {
  const c = startRaw(t);
  c.raw('this is not a frame\r\nneither: is this\r\n\r\n');
  const err = await c.waitFor((m) => m.type === 'response' && m.success === false, 5000, 'an error response to garbage');
  assertErrorResponse(err);
  await initializeWorks(c);
  noPanic(c);
});

test('a Content-Length shorter than the body: error response, then initialize works', T, async (t) => {
  const c = startRaw(t);
  c.raw('Content-Length: 5\r\n\r\n{"seq":1,"type":"request","command":"initialize","arguments":{"adapterID":"gene"}}');
  c.raw('\r\n\r\n');
  await c.waitFor((m) => m.type === 'response' && m.success === false, 5000, 'an error response to a truncated frame');
  for (const e of c.errorResponses()) assertErrorResponse(e);
  await h.sleep(100);
  await initializeWorks(c);
  noPanic(c);
});

test('a Content-Length longer than the body: the bytes that follow complete an invalid frame (error), the next frame is answered', T, async (t) => {
  const c = startRaw(t);
  const body = '{"seq":1,"type":"request","command":"initialize"}';
  c.raw(`Content-Length: ${body.length + 12}\r\n\r\n${body}`);
  await h.sleep(200);
  c.raw('xxxxxxxxxxxx'); // completes the announced length with non-JSON
  await c.waitFor((m) => m.type === 'response' && m.success === false, 5000, 'an error response');
  for (const e of c.errorResponses()) assertErrorResponse(e);
  await initializeWorks(c);
  noPanic(c);
});

test('a non-numeric Content-Length gets an error response; the session goes on', T, async (t) => {
  const c = startRaw(t);
  c.raw('Content-Length: abc\r\n\r\n');
  await c.waitFor((m) => m.type === 'response' && m.success === false, 5000, 'an error response');
  for (const e of c.errorResponses()) assertErrorResponse(e);
  await initializeWorks(c);
  noPanic(c);
});

test('invalid JSON, a JSON array and a request without command get error responses', T, async (t) => {
  const c = startRaw(t);
  c.frame('{"seq": 3, "type": "request", "command": ');
  await c.waitFor((m) => m.type === 'response' && m.success === false, 5000, 'an error response to invalid JSON');
  c.frame('[1, 2, 3]');
  await c.waitFor(() => c.errorResponses().length >= 2, 5000, 'an error response to an array');
  c.frame('{"seq": 4, "type": "request"}');
  const r4 = await c.response(4, 5000);
  assertErrorResponse(r4, { seq: 4 });
  for (const e of c.errorResponses()) assertErrorResponse(e);
  await initializeWorks(c);
  noPanic(c);
});

test('an unknown command gets an error response with its request_seq and command', T, async (t) => {
  const c = startRaw(t);
  const seq = c.send('fooBar', { x: 1 }, 7);
  const r = await c.response(seq);
  assertErrorResponse(r, { seq: 7, command: 'fooBar' });
  await initializeWorks(c);
  const r2 = await c.request('gene/noSuchThing', {});
  assertErrorResponse(r2, { command: 'gene/noSuchThing' });
  noPanic(c);
});

test('bad arguments get error responses; a breakpoint in a missing file is unverified; the session then runs a program', T, async (t) => {
  const c = startRaw(t);
  await initializeWorks(c);
  let r = await c.request('launch', { program: 42 });
  assertErrorResponse(r, { command: 'launch' });
  // The adapter may answer configuration requests only once a program is
  // launched (DAP allows late responses): launch first, stopped on entry.
  const launch = c.send('launch', { program: h.program('session_basic.gene'), stopOnEntry: true });
  const cd = await c.request('configurationDone', {});
  assert.equal(cd.success, true);
  assert.equal((await c.response(launch)).success, true);
  await c.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10000, 'stopped on entry');

  r = await c.request('setBreakpoints', { breakpoints: [{ line: 1 }] });
  assertErrorResponse(r, { command: 'setBreakpoints' });
  r = await c.request('setBreakpoints', { source: { path: 42 }, breakpoints: [{ line: 'one' }] });
  assertErrorResponse(r, { command: 'setBreakpoints' });
  r = await c.request('variables', { variablesReference: 'abc' });
  assertErrorResponse(r, { command: 'variables' });
  r = await c.request('variables', { variablesReference: 987654 });
  assertErrorResponse(r, { command: 'variables' });
  r = await c.request('evaluate', { context: 'repl' });
  assertErrorResponse(r, { command: 'evaluate' });
  r = await c.request('scopes', { frameId: 'top' });
  assertErrorResponse(r, { command: 'scopes' });
  r = await c.request('setVariable', { variablesReference: 1 });
  assertErrorResponse(r, { command: 'setVariable' });
  r = await c.request('gene/futures', { state: 'bogus' });
  assertErrorResponse(r, { command: 'gene/futures' });

  const missing = path.join(h.tmpDir(), 'missing.gene');
  r = await c.request('setBreakpoints', { source: { path: missing }, breakpoints: [{ line: 2 }] });
  assert.equal(r.success, true, 'setBreakpoints on a missing file succeeds');
  assert.equal(r.body.breakpoints.length, 1);
  assert.equal(r.body.breakpoints[0].verified, false);
  assert.equal(typeof r.body.breakpoints[0].message, 'string');

  // the session goes on
  r = await c.request('continue', { threadId: 1 });
  assert.equal(r.success, true);
  await c.waitFor((m) => m.type === 'event' && m.event === 'terminated', 10000, 'terminated');
  const out = c.messages
    .filter((m) => m.type === 'event' && m.event === 'output' && m.body.category === 'stdout')
    .map((m) => m.body.output)
    .join('');
  assert.equal(out, 'out 1 hello\nout 2\nout 3\n');
  noPanic(c);
});

test('requests with empty or missing arguments are accepted (configurationDone {}, threads and disconnect without arguments)', T, async (t) => {
  const c = startRaw(t);
  await initializeWorks(c);
  const launch = c.send('launch', { program: h.program('session_basic.gene'), stopOnEntry: true });
  const cd = await c.request('configurationDone', {});
  assert.equal(cd.success, true, `configurationDone {}: ${JSON.stringify(cd)}`);
  const lr = await c.response(launch);
  assert.equal(lr.success, true);
  await c.waitFor((m) => m.type === 'event' && m.event === 'stopped', 10000, 'stopped on entry');
  const th = await c.request('threads');
  assert.equal(th.success, true, `threads without arguments: ${JSON.stringify(th)}`);
  assert.deepEqual(th.body.threads, [{ id: 1, name: 'main' }]);
  const d = await c.request('disconnect');
  assert.equal(d.success, true, `disconnect without arguments: ${JSON.stringify(d)}`);
  await h.withTimeout(h.exitOf(c.proc), 3000, 'adapter exits after disconnect');
  noPanic(c);
});

test('over stdio, the adapter exits within 2 s when its client goes away (stdin closed) and the program stops', T, async (t) => {
  const c = startRaw(t);
  await initializeWorks(c);
  const hb = path.join(h.tmpDir(), 'heartbeat.txt');
  const readInt = () => {
    try {
      return parseInt(fs.readFileSync(hb, 'utf8'), 10) || 0;
    } catch (_) {
      return 0;
    }
  };
  c.send('launch', { program: h.program('session_blocked.gene'), args: [hb] });
  await c.request('configurationDone');
  await h.until(() => readInt() >= 3, 10000, 'heartbeat');
  const t0 = Date.now();
  c.proc.stdin.end();
  await h.withTimeout(h.exitOf(c.proc), 5000, 'adapter exit after stdin closed');
  const ms = Date.now() - t0;
  t.diagnostic(`adapter exited ${ms} ms after its stdin closed`);
  assert.ok(ms < 2000, `exited after ${ms} ms`);
  const v1 = readInt();
  await h.sleep(300);
  assert.ok(readInt() - v1 <= 1, 'the program stopped');
  assert.ok(!/panicked/.test(c.stderr), c.stderr);
});

test('over --port: garbage on one connection gets an error response; a client that drops mid-run does not keep its program running; the next session works', T, async (t) => {
  const srv = await h.startPortServer(t);
  const c1 = await connectRaw(t, srv.port);
  c1.raw('garbage garbage\r\n\r\n');
  const err = await c1.waitFor((m) => m.type === 'response' && m.success === false, 5000, 'an error response to garbage');
  assertErrorResponse(err);
  await initializeWorks(c1);
  const hb = path.join(h.tmpDir(), 'heartbeat.txt');
  const readInt = () => {
    try {
      return parseInt(fs.readFileSync(hb, 'utf8'), 10) || 0;
    } catch (_) {
      return 0;
    }
  };
  c1.send('launch', { program: h.program('session_blocked.gene'), args: [hb] });
  await c1.request('configurationDone');
  await h.until(() => readInt() >= 3, 10000, 'heartbeat');
  c1.sock.destroy(); // the client goes away without disconnect
  await h.sleep(500);
  const v1 = readInt();
  await h.sleep(300);
  const v2 = readInt();
  assert.ok(v2 - v1 <= 1, `the program kept running after its client went away: ${v1} -> ${v2}`);
  assert.ok(h.alive(srv.proc), 'the server survives a dropped client');

  const s = await h.connectPort(t, srv.port);
  await s.launch(h.program('session_basic.gene'));
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'out 1 hello\nout 2\nout 3\n');
  assert.ok(!/panicked/.test(srv.stderr()), srv.stderr());
});
