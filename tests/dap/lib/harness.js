'use strict';
// Helpers for the gene-dap end-to-end tests.
//
// Every scenario drives the real adapter binary through the real client library
// (`DebugClient` of @vscode/debugadapter-testsupport). On top of it this file adds
// what the library lacks:
// - every event is recorded from the moment the client connects, so a test never
//   misses an event that arrived before it started waiting (the library's
//   `waitForEvent` only sees events emitted after it is called: the `initialized`
//   trap of ../../shared/TOOLING.md);
// - every request and every wait has a timeout (the library's requests have none,
//   and over a socket its waits have none either);
// - the adapter's stderr is kept for failure messages, stdout frames that are not
//   JSON are recorded instead of crashing the test process;
// - every process a test spawns is killed when the test ends.

const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = process.env.GENE_DAP || path.join(ROOT, 'target/debug/gene-dap');
const GENE = process.env.GENE_BIN || path.join(ROOT, 'target/debug/gene');
const PROGRAMS = path.resolve(__dirname, '../programs');

const REQUEST_MS = 10000; // one request
const EVENT_MS = 10000; // one awaited event
const TEST_MS = 30000; // one test (pass as `{ timeout: TEST_MS }`)

// ---- processes and timing (shared: ../../lib/proc.js) ---------------------------

const { track, alive, killProc, exitOf, sleep, withTimeout, until } = require('../../lib/proc');

function program(name) {
  const p = path.join(PROGRAMS, name);
  if (!fs.existsSync(p)) throw new Error(`test program missing: ${p}`);
  return p;
}

/**
 * 1-based line of the line of `name` that carries the marker comment `# MARKER`
 * (the marker must be the whole word after `#`).
 */
function lineOf(name, marker) {
  const lines = fs.readFileSync(program(name), 'utf8').split('\n');
  const re = new RegExp(`#\\s*${marker}\\s*$`);
  const found = [];
  lines.forEach((l, i) => {
    if (re.test(l)) found.push(i + 1);
  });
  if (found.length !== 1) {
    throw new Error(`marker ${marker} found ${found.length} times in ${name}`);
  }
  return found[0];
}

/** Text of a 1-based line of a program. */
function lineText(name, line) {
  return fs.readFileSync(program(name), 'utf8').split('\n')[line - 1];
}

const tmpDirs = [];
function tmpDir(prefix = 'gene-dap-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
process.on('exit', () => {
  for (const d of tmpDirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch (_) {
      /* best effort */
    }
  }
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until a line of `stream` output matches `re`; resolves with the match. */
function waitForLine(proc, streamName, re, ms, what) {
  const stream = proc[streamName];
  return withTimeout(
    new Promise((resolve, reject) => {
      let buf = '';
      const onData = (d) => {
        buf += d.toString();
        const m = buf.match(re);
        if (m) {
          stream.off('data', onData);
          resolve(m);
        }
      };
      stream.on('data', onData);
      proc.once('exit', (code) =>
        reject(new Error(`${what}: process exited (code ${code}) before printing ${re}; it printed: ${buf}`)),
      );
    }),
    ms,
    what,
  );
}

// ---- sessions ---------------------------------------------------------------------

/**
 * A DebugClient plus what the tests need around it: a log of every event and
 * response in arrival order, queues of events by type, the adapter's stderr, and
 * cleanup.
 */
class Session {
  constructor(dc, { proc = null, label = 'session' } = {}) {
    this.dc = dc;
    this.proc = proc; // the adapter process when this session spawned it (stdio)
    this.label = label;
    this.log = []; // every message received, in order: {kind: 'event'|'response', msg, at}
    this.events = []; // every event, in order
    this.consumed = new Set(); // indexes into this.events already returned by waitEvent
    this.protocolErrors = []; // stdout frames that were not JSON
    this.stderr = '';
    this.caps = null;
    this.closed = false;
    this.disconnected = false; // set by a test that sent disconnect itself
    this._waiters = [];
    this._instrument();
  }

  _instrument() {
    const dc = this.dc;
    const origDispatch = dc.dispatch.bind(dc);
    dc.dispatch = (body) => {
      let msg;
      try {
        msg = JSON.parse(body);
      } catch (e) {
        this.protocolErrors.push(String(body).slice(0, 500));
        return;
      }
      const at = Date.now();
      if (msg && msg.type === 'event') {
        this.events.push(msg);
        this.log.push({ kind: 'event', msg, at });
      } else {
        this.log.push({ kind: 'response', msg, at });
      }
      origDispatch(body);
      const waiters = this._waiters;
      this._waiters = [];
      for (const w of waiters) w();
    };
  }

  /** Sends a request; resolves with the response (rejects on an error response). */
  request(command, args, ms = REQUEST_MS) {
    const sent = this.dc.send(command, args).catch((e) => {
      const err = new Error(`'${command}' failed: ${e.message}`);
      err.dapMessage = e.message;
      throw err;
    });
    return withTimeout(this._orAdapterGone(sent, command), ms, () => `${this.label}: response to '${command}'${this._tail()}`);
  }

  /** Fails fast (instead of timing out) when the adapter process dies first. */
  _orAdapterGone(promise, command) {
    if (!this.proc || command === 'disconnect' || command === 'terminate') return promise;
    if (!this._exit) this._exit = exitOf(this.proc);
    const gone = this._exit
      .then(() => sleep(300)) // let a response already written arrive
      .then(() => {
        throw new Error(`${this.label}: no response to '${command}'${this._tail()}`);
      });
    gone.catch(() => {});
    return Promise.race([promise, gone]);
  }

  /**
   * Sends a request and resolves with the raw response whatever its `success`
   * (the library's promise loses the error response's body).
   */
  rawRequest(command, args, ms = REQUEST_MS) {
    return withTimeout(
      new Promise((resolve) => this.dc.doSend(command, args, resolve)),
      ms,
      () => `${this.label}: response to '${command}'${this._tail()}`,
    );
  }

  /** Sends a request that must fail; resolves with the error response. */
  async requestFails(command, args, ms = REQUEST_MS) {
    const r = await this.rawRequest(command, args, ms);
    assert.equal(r.success, false, `'${command}' should fail but succeeded: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.message, 'string', `error response to '${command}' has no message`);
    return r;
  }

  /**
   * Waits until `match()` returns something other than undefined (it is called
   * now and after every message received). A waiter that timed out never
   * consumes anything later.
   */
  _wait(match, ms, what) {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new Error(`timeout after ${ms} ms: ${this.label}: ${what}${this._tail()}`));
      }, ms);
      const check = () => {
        if (done) return;
        let r;
        try {
          r = match();
        } catch (e) {
          done = true;
          clearTimeout(timer);
          reject(e);
          return;
        }
        if (r !== undefined) {
          done = true;
          clearTimeout(timer);
          resolve(r);
        } else {
          this._waiters.push(check);
        }
      };
      check();
    });
  }

  _take(types, pred) {
    for (let i = 0; i < this.events.length; i++) {
      if (this.consumed.has(i)) continue;
      const e = this.events[i];
      if (types.includes(e.event) && (!pred || pred(e))) {
        this.consumed.add(i);
        return e;
      }
    }
    return undefined;
  }

  /**
   * The first event of `type` (matching `pred`) not yet taken by a wait, waiting
   * for it if needed. Events are queued from the connection on, so the wait may
   * start after the event arrived.
   */
  waitEvent(type, { pred = null, ms = EVENT_MS } = {}) {
    return this._wait(() => this._take([type], pred), ms, `event '${type}'`);
  }

  /** The first not yet taken event whose type is one of `types`. */
  waitFirst(types, { ms = EVENT_MS } = {}) {
    return this._wait(() => this._take(types, null), ms, `one of the events ${types.join('/')}`);
  }

  /** Whether an event of `type` has arrived (consumed or not). */
  hasEvent(type, pred = null) {
    return this.events.some((e) => e.event === type && (!pred || pred(e)));
  }

  eventsOf(type) {
    return this.events.filter((e) => e.event === type);
  }

  /** Concatenated text of the output events (of one category, or stdout+stderr+console). */
  output(category = null) {
    return this.eventsOf('output')
      .filter((e) => (category ? e.body.category === category : true))
      .map((e) => e.body.output)
      .join('');
  }

  /** Waits until the output (of `category`) contains `text`. */
  waitOutput(text, { category = null, ms = EVENT_MS } = {}) {
    return this._wait(
      () => (this.output(category).includes(text) ? this.output(category) : undefined),
      ms,
      `output containing ${JSON.stringify(text)}; output so far: ${JSON.stringify(this.output().slice(-2000))}`,
    );
  }

  _tail() {
    const evs = this.events.slice(-8).map((e) => e.event + (e.body && e.body.reason ? `(${e.body.reason})` : ''));
    const err = this.stderr ? `; adapter stderr: ${this.stderr.slice(-1500)}` : '';
    const gone =
      this.proc && !alive(this.proc) ? `; the adapter exited (code ${this.proc.exitCode}, signal ${this.proc.signalCode})` : '';
    return `; last events: [${evs.join(', ')}]${gone}${err}`;
  }

  // ---- protocol steps ----

  async initialize(args = {}) {
    const r = await this.request('initialize', {
      clientID: 'gene-dap-e2e',
      clientName: 'gene-dap e2e tests',
      adapterID: 'gene',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
      supportsVariableType: true,
      supportsVariablePaging: true,
      supportsRunInTerminalRequest: false,
      locale: 'en',
      ...args,
    });
    this.caps = r.body || {};
    return r;
  }

  /**
   * initialize, launch (or attach), `configure(session)` between `initialized`
   * and `configurationDone` (set breakpoints there), configurationDone.
   * Returns the launch response.
   */
  async start(kind, args, configure = null) {
    if (!this.caps) await this.initialize();
    await this.waitEvent('initialized');
    // The launch response may come before or after configurationDone (DAP allows
    // both); a failed launch is reported at once.
    const launched = this.request(kind, args);
    const failed = launched.then(
      () => new Promise(() => {}),
      (e) => {
        throw new Error(`${kind} failed: ${e.message}${this._tail()}`);
      },
    );
    await Promise.race([
      (async () => {
        if (configure) await configure(this);
        await this.request('configurationDone');
      })(),
      failed,
    ]);
    return launched;
  }

  launch(programPath, extra = {}, configure = null) {
    return this.start('launch', { program: programPath, ...extra }, configure);
  }

  attach(port, extra = {}, configure = null) {
    return this.start('attach', { port, ...extra }, configure);
  }

  async setBreakpoints(file, bps) {
    const r = await this.request('setBreakpoints', {
      source: { path: file, name: path.basename(file) },
      breakpoints: bps.map((b) => (typeof b === 'number' ? { line: b } : b)),
      lines: bps.map((b) => (typeof b === 'number' ? b : b.line)),
    });
    assert.ok(r.body && Array.isArray(r.body.breakpoints), 'setBreakpoints response has body.breakpoints');
    assert.equal(r.body.breakpoints.length, bps.length, 'one Breakpoint per requested breakpoint');
    return r.body.breakpoints;
  }

  async stackTrace(args = {}) {
    const r = await this.request('stackTrace', { threadId: 1, ...args });
    return r.body.stackFrames;
  }

  async topFrame() {
    const frames = await this.stackTrace();
    assert.ok(frames.length > 0, 'stackTrace returned no frames');
    return frames[0];
  }

  async scopes(frameId) {
    const r = await this.request('scopes', { frameId });
    return r.body.scopes;
  }

  async scope(frameId, name) {
    const scopes = await this.scopes(frameId);
    const s = scopes.find((x) => x.name === name);
    assert.ok(s, `no scope '${name}' in [${scopes.map((x) => x.name).join(', ')}]`);
    return s;
  }

  async variables(variablesReference, extra = {}) {
    const r = await this.request('variables', { variablesReference, ...extra });
    return r.body.variables;
  }

  async scopeVars(frameId, name) {
    const s = await this.scope(frameId, name);
    return this.variables(s.variablesReference);
  }

  async children(variable, extra = {}) {
    assert.ok(variable.variablesReference > 0, `variable ${variable.name} has no children (variablesReference 0)`);
    return this.variables(variable.variablesReference, extra);
  }

  async evaluate(expression, { frameId, context = 'repl', ms = REQUEST_MS } = {}) {
    const args = { expression, context };
    if (frameId !== undefined) args.frameId = frameId;
    const r = await this.request('evaluate', args, ms);
    return r.body;
  }

  /** The value of `expression` in the top frame (repl), as the adapter shows it. */
  async valueOf(expression, frameId) {
    if (frameId === undefined) frameId = (await this.topFrame()).id;
    return (await this.evaluate(expression, { frameId })).result;
  }

  async continue() {
    await this.request('continue', { threadId: 1 });
  }

  /** Waits for `terminated`, failing if a `stopped` event comes first. */
  async runsToEnd(ms = EVENT_MS) {
    const e = await this.waitFirst(['terminated', 'stopped'], { ms });
    if (e.event === 'stopped') {
      const frames = await this.stackTrace().catch(() => []);
      const where = frames[0] ? `${frames[0].name} line ${frames[0].line}` : '?';
      throw new Error(`expected the program to run to its end, but it stopped (${e.body.reason}) at ${where}`);
    }
    return e;
  }

  /**
   * Closes the session: disconnect (bounded; skipped when the test already
   * disconnected), then close the connection and kill what is left.
   */
  async close() {
    if (this.closed) return;
    this.closed = true;
    if (!this.disconnected) {
      try {
        await withTimeout(this.dc.send('disconnect', { terminateDebuggee: true }), 3000, 'disconnect');
      } catch (_) {
        /* the adapter may be gone already */
      }
    }
    try {
      this.dc.stopAdapter();
    } catch (_) {
      /* ignore */
    }
    killProc(this.proc);
  }
}

/** Ensures `t.after` closes the session. */
function autoClose(t, s) {
  if (t && typeof t.after === 'function') t.after(() => s.close());
  return s;
}

/**
 * Starts gene-dap over stdio (new DebugClient(adapter, '', 'gene'); dc.start()).
 * `spawnOptions`: cwd/env of the adapter process.
 */
async function startStdio(t, { spawnOptions = {}, label = 'stdio' } = {}) {
  if (!fs.existsSync(ADAPTER)) throw new Error(`adapter not built: ${ADAPTER} (set GENE_DAP)`);
  // DebugClient spawns `runtime executable`, here `gene-dap ''`: the adapter must
  // ignore an empty argument (VS Code and nvim-dap pass none).
  const dc = new DebugClient(ADAPTER, '', 'gene', { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions }, false);
  dc.defaultTimeout = EVENT_MS;
  // Instrument before start so that no message can arrive unrecorded.
  const s = new Session(dc, { label });
  await withTimeout(dc.start(), REQUEST_MS, 'start the adapter');
  s.proc = track(dc._adapterProcess);
  // Writing to an adapter that already exited must not crash the test process.
  s.proc.stdin.on('error', () => {});
  s.proc.stderr.on('data', (d) => {
    s.stderr += d.toString();
  });
  return autoClose(t, s);
}

/** Spawns `gene-dap --port 0`; resolves with {proc, port, stderr()} once it listens. */
async function startPortServer(t, { spawnOptions = {} } = {}) {
  if (!fs.existsSync(ADAPTER)) throw new Error(`adapter not built: ${ADAPTER} (set GENE_DAP)`);
  const proc = track(cp.spawn(ADAPTER, ['--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions }));
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d.toString();
  });
  let stdout = '';
  proc.stdout.on('data', (d) => {
    stdout += d.toString();
  });
  if (t && typeof t.after === 'function') t.after(() => killProc(proc));
  const m = await waitForLine(
    proc,
    'stderr',
    /gene-dap listening on 127\.0\.0\.1:(\d+)/,
    REQUEST_MS,
    'gene-dap --port 0 prints its port',
  );
  return { proc, port: Number(m[1]), stderr: () => stderr, stdout: () => stdout };
}

/** Connects a DebugClient to a gene-dap (or debuggee) listening on `port`. */
async function connectPort(t, port, { label = `port ${port}` } = {}) {
  const dc = new DebugClient('', '', 'gene');
  const s = new Session(dc, { label });
  await withTimeout(dc.start(port), REQUEST_MS, `connect to 127.0.0.1:${port}`);
  // A server that closes the connection must not crash the test process.
  if (dc._socket) dc._socket.on('error', () => {});
  return autoClose(t, s);
}

/** Spawns the `gene` binary; keeps its stdout/stderr. */
function spawnGene(t, args, opts = {}) {
  if (!fs.existsSync(GENE)) throw new Error(`gene binary not built: ${GENE} (set GENE_BIN)`);
  const proc = track(cp.spawn(GENE, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (d) => (out.stdout += d.toString()));
  proc.stderr.on('data', (d) => (out.stderr += d.toString()));
  if (t && typeof t.after === 'function') t.after(() => killProc(proc));
  return { proc, out };
}

// ---- assertions -------------------------------------------------------------------

/**
 * Waits for the next `stopped` event, checks its reason, thread and (optionally)
 * the top frame's line; returns {event, frames, top}.
 */
async function stoppedAt(s, reason, line, { file = null, ms = EVENT_MS } = {}) {
  const event = await s.waitFirst(['stopped', 'terminated'], { ms });
  if (event.event === 'terminated') {
    throw new Error(
      `expected a stop (${reason}${line ? ' at line ' + line : ''}) but the program ended; output: ${JSON.stringify(
        s.output().slice(-1500),
      )}`,
    );
  }
  const frames = await s.stackTrace();
  const top = frames[0];
  const where = top ? `${top.name} ${top.source && top.source.path}:${top.line}` : 'no frame';
  assert.equal(event.body.reason, reason, `stopped reason (stopped at ${where})`);
  assert.equal(event.body.threadId, 1, 'stopped threadId');
  assert.equal(event.body.allThreadsStopped, true, 'stopped allThreadsStopped');
  assert.ok(top, 'a stopped thread has frames');
  if (line !== undefined && line !== null) {
    assert.equal(top.line, line, `top frame line (stopped at ${where})`);
  }
  if (file) {
    assert.ok(top.source && top.source.path, 'top frame has a source path');
    assert.equal(fs.realpathSync(top.source.path), fs.realpathSync(file), 'top frame source path');
  }
  return { event, frames, top };
}

/** initialize, launch `program`, `configure(s)`, configurationDone (see Session.start). */
function launch(s, programPath, extra = {}, configure = null) {
  return s.launch(programPath, extra, configure);
}

async function topFrame(s) {
  return s.topFrame();
}

async function scopeVars(s, frameId, name) {
  return s.scopeVars(frameId, name);
}

/** The variable called `name` in `vars` (fails listing the names present). */
function varByName(vars, name) {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no variable '${name}' in [${vars.map((x) => x.name).join(', ')}]`);
  return v;
}

/** Elements of an array variable's children, whatever the adapter calls them ("0", "[0]"). */
function byIndex(vars, i) {
  const v = vars.find((x) => x.name === String(i) || x.name === `[${i}]`);
  assert.ok(v, `no element ${i} in [${vars.map((x) => x.name).join(', ')}]`);
  return v;
}

/**
 * Collects the value of `expr` (evaluated in the top frame) at every stop until
 * the program ends; checks each stop's reason.
 */
async function collectStops(s, expr, { reason = 'breakpoint', max = 20 } = {}) {
  const seen = [];
  for (let n = 0; n <= max; n++) {
    const e = await s.waitFirst(['stopped', 'terminated']);
    if (e.event === 'terminated') return seen;
    assert.equal(e.body.reason, reason, 'stopped reason');
    seen.push(await s.valueOf(expr));
    await s.continue();
  }
  throw new Error(`more than ${max} stops; values so far ${JSON.stringify(seen)}`);
}

module.exports = {
  ADAPTER,
  GENE,
  PROGRAMS,
  REQUEST_MS,
  EVENT_MS,
  TEST_MS,
  Session,
  startStdio,
  startPortServer,
  connectPort,
  spawnGene,
  withTimeout,
  until,
  sleep,
  program,
  lineOf,
  lineText,
  tmpDir,
  freePort,
  waitForLine,
  exitOf,
  alive,
  killProc,
  track,
  launch,
  stoppedAt,
  topFrame,
  scopeVars,
  varByName,
  byIndex,
  collectStops,
};
