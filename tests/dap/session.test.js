'use strict';
// Session: initialize, launch arguments, threads, output, end of session,
// syntax errors, missing program, disconnect/terminate while blocked, --port.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

const T = { timeout: h.TEST_MS };

const CAPABILITIES = [
  'supportsConfigurationDoneRequest',
  'supportsFunctionBreakpoints',
  'supportsConditionalBreakpoints',
  'supportsHitConditionalBreakpoints',
  'supportsEvaluateForHovers',
  'supportsSetVariable',
  'supportsLogPoints',
  'supportsBreakpointLocationsRequest',
  'supportsDataBreakpoints',
  'supportsExceptionInfoRequest',
  'supportsCompletionsRequest',
  'supportsTerminateRequest',
  'supportsClipboardContext',
];

function readInt(file) {
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isNaN(n) ? 0 : n;
  } catch (_) {
    return 0;
  }
}

function exitedThenTerminated(s) {
  const iExit = s.events.findIndex((e) => e.event === 'exited');
  const iTerm = s.events.findIndex((e) => e.event === 'terminated');
  assert.ok(iExit >= 0, 'an exited event was sent');
  assert.ok(iTerm > iExit, 'terminated comes after exited');
  assert.equal(s.eventsOf('exited').length, 1, 'exactly one exited event');
  return s.events[iExit].body.exitCode;
}

test('initialize advertises exactly the supported capabilities and the three exception filters, then initialized', T, async (t) => {
  const s = await h.startStdio(t);
  const r = await s.initialize();
  const caps = r.body || {};
  for (const c of CAPABILITIES) assert.equal(caps[c], true, `capability ${c}`);
  // Allowed besides the list: supportsExceptionFilterOptions (the contract says false
  // is fine, so true is too) and supportsDelayedStackTraceLoading (it means startFrame,
  // levels and totalFrames work, which the contract requires; stack.test.js checks it).
  const allowed = ['supportsExceptionFilterOptions', 'supportsDelayedStackTraceLoading'];
  const extra = Object.keys(caps).filter(
    (k) => k.startsWith('supports') && caps[k] === true && !CAPABILITIES.includes(k) && !allowed.includes(k),
  );
  assert.deepEqual(extra, [], 'no capability advertised beyond what works');
  const filters = caps.exceptionBreakpointFilters || [];
  assert.deepEqual(filters.map((f) => f.filter).sort(), ['all', 'failedFuture', 'uncaught']);
  for (const f of filters) assert.equal(typeof f.label, 'string', `filter ${f.filter} has a label`);
  await s.waitEvent('initialized');
  const iResp = s.log.findIndex((l) => l.kind === 'response' && l.msg.command === 'initialize');
  const iEv = s.log.findIndex((l) => l.kind === 'event' && l.msg.event === 'initialized');
  assert.ok(iResp >= 0 && iEv > iResp, 'initialized comes after the initialize response');
});

test('stopOnEntry stops on the first statement line; threads is one thread "main"', T, async (t) => {
  const s = await h.startStdio(t);
  const prog = h.program('session_basic.gene');
  await s.launch(prog, { stopOnEntry: true });
  await h.stoppedAt(s, 'entry', h.lineOf('session_basic.gene', 'ENTRY'), { file: prog });
  const th = await s.request('threads');
  assert.deepEqual(th.body.threads, [{ id: 1, name: 'main' }]);
  assert.equal(s.output('stdout'), '', 'nothing has run at the entry stop');
  await s.continue();
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'out 1 hello\nout 2\nout 3\n');
});

test('stdout arrives as output events in order, then exited 0 and terminated', T, async (t) => {
  const s = await h.startStdio(t);
  await s.launch(h.program('session_basic.gene'));
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'out 1 hello\nout 2\nout 3\n');
  assert.equal(exitedThenTerminated(s), 0, 'exit code');
  assert.deepEqual(s.protocolErrors, [], 'every frame on the adapter stdout is JSON');
});

test('stdout then stderr (uncaught error) arrive in order; exit code 1', T, async (t) => {
  const s = await h.startStdio(t);
  await s.launch(h.program('session_stderr.gene'));
  await s.runsToEnd();
  const stdout = s.output('stdout');
  const stderr = s.output('stderr');
  assert.equal(stdout, 'out A\nout B\n');
  assert.match(stderr, /^Error: boom on purpose/m);
  const both = s
    .eventsOf('output')
    .filter((e) => e.body.category === 'stdout' || e.body.category === 'stderr')
    .map((e) => e.body.output)
    .join('');
  assert.ok(both.indexOf('out B') < both.indexOf('Error: boom on purpose'), `order of output: ${JSON.stringify(both)}`);
  assert.ok(!both.includes('never printed'));
  assert.equal(exitedThenTerminated(s), 1, 'exit code');
});

test('exited carries the exit code of (exit 3)', T, async (t) => {
  const s = await h.startStdio(t);
  await s.launch(h.program('session_exitcode.gene'));
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'bye\n');
  assert.equal(exitedThenTerminated(s), 3);
});

test('launch args become $args; program path relative to the adapter cwd', T, async (t) => {
  const s = await h.startStdio(t, { spawnOptions: { cwd: h.PROGRAMS } });
  await s.launch('session_args.gene', { args: ['alpha', '--flag', 'two words'] });
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'arg=[alpha]\narg=[--flag]\narg=[two words]\nargc=3\n');
});

test('launch cwd and env apply to the program (cwd, relative paths, get_env, has_env, $env, null removes)', T, async (t) => {
  const adapterCwd = h.tmpDir('gene-dap-adapter-cwd-');
  const progDir = h.tmpDir('gene-dap-prog-cwd-');
  fs.copyFileSync(h.program('session_cwd_env.gene'), path.join(progDir, 'prog.gene'));
  fs.writeFileSync(path.join(progDir, 'data.txt'), 'payload');
  const env = { ...process.env, GENE_DAP_REMOVE_ME: 'present' };
  delete env.GENE_DAP_T1;
  const s = await h.startStdio(t, { spawnOptions: { cwd: adapterCwd, env } });
  // program relative to `cwd`
  await s.launch('prog.gene', { cwd: progDir, env: { GENE_DAP_T1: 'hello', GENE_DAP_REMOVE_ME: null } });
  await s.runsToEnd();
  const out = s.output('stdout');
  const cwdLine = out.split('\n').find((l) => l.startsWith('cwd='));
  assert.ok(cwdLine, `a cwd line in ${JSON.stringify(out)}`);
  assert.equal(fs.realpathSync(cwdLine.slice(4)), fs.realpathSync(progDir), '(cwd) is the launch cwd');
  assert.equal(out.split('\n').slice(1).join('\n'), 't1=hello\nremoved=false\nenvmap=hello\ndata=payload\n');
});

test('noDebug runs the program without stopping (stopOnEntry and a breakpoint are ignored)', T, async (t) => {
  const s = await h.startStdio(t);
  const prog = h.program('session_basic.gene');
  await s.launch(prog, { noDebug: true, stopOnEntry: true }, async (s) => {
    await s.setBreakpoints(prog, [h.lineOf('session_basic.gene', 'NODEBUG_BP')]);
  });
  await s.runsToEnd();
  assert.equal(s.output('stdout'), 'out 1 hello\nout 2\nout 3\n');
  assert.ok(!s.hasEvent('stopped'), 'no stopped event under noDebug');
  assert.equal(exitedThenTerminated(s), 0);
});

test('pollInterval reaches the VM: a ready callback runs during the loop by default, only at the end with 0', T, async (t) => {
  const prog = h.program('session_poll.gene');
  const a = await h.startStdio(t, { label: 'default poll' });
  await a.launch(prog);
  await a.runsToEnd();
  assert.equal(a.output('stdout'), 'callback\nloop done\n', 'default pollInterval');

  const b = await h.startStdio(t, { label: 'pollInterval 0' });
  await b.launch(prog, { pollInterval: 0 });
  await b.runsToEnd();
  assert.equal(b.output('stdout'), 'loop done\ncallback\n', 'pollInterval 0');

  const c = await h.startStdio(t, { label: 'pollInterval 100' });
  await c.launch(prog, { pollInterval: 100 });
  await c.runsToEnd();
  assert.equal(c.output('stdout'), 'callback\nloop done\n', 'pollInterval 100');
});

test('output that looks like protocol framing stays in output events, complete and in order', T, async (t) => {
  const s = await h.startStdio(t);
  await s.launch(h.program('session_noisy.gene'));
  await s.runsToEnd(20000);
  let expected = 'Content-Length: 30\n\n{"type":"event","event":"x"}\n';
  for (let i = 0; i < 2000; i++) expected += `line ${i}\n`;
  expected += 'end of output\n';
  assert.equal(s.output('stdout'), expected);
  assert.deepEqual(s.protocolErrors, [], 'no program output mixed into the protocol stream');
  assert.ok(!s.hasEvent('x'), 'the printed fake event did not reach the client as an event');
});

test('output printed before a long await reaches the client while the program waits', T, async (t) => {
  const s = await h.startStdio(t);
  await s.launch(h.program('pause_await.gene'));
  await s.waitOutput('waiting\n', { category: 'stdout', ms: 5000 });
  assert.ok(!s.hasEvent('terminated'), 'the program is still waiting');
});

test('a program with syntax errors: every error as output (same text as gene run), then exited 1 and terminated', T, async (t) => {
  const prog = h.program('session_syntax_error.gene');
  const s = await h.startStdio(t);
  await s.launch(prog);
  await s.runsToEnd();
  const stderr = s.output('stderr');
  assert.match(stderr, /Error: Unexpected '\)'\n\s+--> .*session_syntax_error\.gene:4:14/);
  assert.match(stderr, /Error: Mismatched '\]': expected '\)'\n\s+--> .*session_syntax_error\.gene:6:10/);
  assert.ok(!s.output('stdout').includes('start'), 'nothing ran');
  assert.equal(exitedThenTerminated(s), 1);
  if (fs.existsSync(h.GENE)) {
    const ref = cp.spawnSync(h.GENE, ['run', prog], { encoding: 'utf8' });
    assert.equal(ref.status, 1);
    assert.equal(stderr.trimEnd(), ref.stderr.trimEnd(), 'same text as `gene run`');
  } else {
    t.diagnostic(`gene binary ${h.GENE} missing: compared with the expected messages only`);
  }
});

test('a missing program file is an error response to launch naming the path', T, async (t) => {
  const s = await h.startStdio(t);
  await s.initialize();
  await s.waitEvent('initialized');
  const missing = path.join(h.tmpDir(), 'no_such_program.gene');
  const r = await s.requestFails('launch', { program: missing });
  const text = [r.message, r.body && r.body.error && r.body.error.format].join(' ');
  assert.ok(text.includes(missing), `error names the path: ${text}`);
  assert.equal(r.command, 'launch');
});

async function blockedSession(t, s) {
  const hb = path.join(h.tmpDir(), 'heartbeat.txt');
  await s.launch(h.program('session_blocked.gene'), { args: [hb] });
  // The heartbeat is a callback chain that runs inside the await on 100 timers:
  // once it has beaten a few times, the program is blocked in that await.
  await h.until(() => readInt(hb) >= 3, 10000, 'heartbeat from inside the await');
  await h.sleep(100);
  return hb;
}

test('disconnect while blocked in an await with 100 pending timers stops the program within 100 ms; the adapter exits within 2 s (stdio)', T, async (t) => {
  const s = await h.startStdio(t);
  await blockedSession(t, s);
  const t0 = process.hrtime.bigint();
  await s.request('disconnect', { terminateDebuggee: true });
  const respMs = Number(process.hrtime.bigint() - t0) / 1e6;
  s.disconnected = true;
  const ex = await h.withTimeout(h.exitOf(s.proc), 5000, 'adapter exit after disconnect');
  const exitMs = Number(process.hrtime.bigint() - t0) / 1e6;
  t.diagnostic(`disconnect response after ${respMs.toFixed(1)} ms, adapter exit after ${exitMs.toFixed(1)} ms (code ${ex.code})`);
  // the issue says 100 ms; 500 absorbs the noise of a loaded 2-core machine
  assert.ok(respMs < 500, `disconnect answered after ${respMs.toFixed(1)} ms`);
  assert.ok(exitMs < 2000, `adapter exited ${exitMs.toFixed(1)} ms after disconnect`);
});

test('terminate while blocked in an await with 100 pending timers: terminated within 100 ms, the program stops', T, async (t) => {
  const s = await h.startStdio(t);
  const hb = await blockedSession(t, s);
  const t0 = process.hrtime.bigint();
  const term = s.waitEvent('terminated', { ms: 5000 });
  await s.request('terminate', {});
  await term;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.diagnostic(`terminated event ${ms.toFixed(1)} ms after the terminate request`);
  assert.ok(ms < 500, `terminated after ${ms.toFixed(1)} ms`);
  // the heartbeat stops (one write already in flight may still land)
  const v1 = readInt(hb);
  await h.sleep(300);
  const v2 = readInt(hb);
  await h.sleep(300);
  const v3 = readInt(hb);
  assert.ok(v2 - v1 <= 1 && v3 === v2, `heartbeat went on after terminate: ${v1} ${v2} ${v3}`);
  const t1 = process.hrtime.bigint();
  await s.request('disconnect', {});
  s.disconnected = true;
  await h.withTimeout(h.exitOf(s.proc), 5000, 'adapter exit after disconnect');
  const exitMs = Number(process.hrtime.bigint() - t1) / 1e6;
  assert.ok(exitMs < 2000, `adapter exited ${exitMs.toFixed(1)} ms after disconnect`);
});

test('--port serves sessions one after another with stdin closed; disconnect stops the program and the server waits for the next session', T, async (t) => {
  const srv = await h.startPortServer(t);
  srv.proc.stdin.end(); // clients of a server adapter close its stdin
  const s1 = await h.connectPort(t, srv.port, { label: 'port session 1' });
  const hb = await blockedSession(t, s1);
  const t0 = process.hrtime.bigint();
  await s1.request('disconnect', { terminateDebuggee: true });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.diagnostic(`port mode: disconnect answered after ${ms.toFixed(1)} ms`);
  s1.disconnected = true;
  s1.dc.stopAdapter();
  assert.ok(ms < 500, `disconnect answered after ${ms.toFixed(1)} ms`);
  const v1 = readInt(hb);
  await h.sleep(300);
  const v2 = readInt(hb);
  await h.sleep(300);
  const v3 = readInt(hb);
  assert.ok(v2 - v1 <= 1 && v3 === v2, `program still running after disconnect: heartbeat ${v1} ${v2} ${v3}`);
  assert.ok(h.alive(srv.proc), 'the server is still running after the first session');

  const s2 = await h.connectPort(t, srv.port, { label: 'port session 2' });
  await s2.launch(h.program('session_basic.gene'));
  await s2.runsToEnd();
  assert.equal(s2.output('stdout'), 'out 1 hello\nout 2\nout 3\n');
  assert.equal(exitedThenTerminated(s2), 0);
  await s2.request('disconnect', {});
  s2.disconnected = true;
  s2.dc.stopAdapter();
  await h.sleep(300);
  assert.ok(h.alive(srv.proc), 'the server waits for the next session');
  assert.equal(srv.stdout(), '', 'nothing written to the server stdout in --port mode');
});

test('--port: cwd and env of one session do not leak into the next session', T, async (t) => {
  const serverCwd = h.tmpDir('gene-dap-server-cwd-');
  const progDir = h.tmpDir('gene-dap-prog-cwd-');
  fs.copyFileSync(h.program('session_cwd_env.gene'), path.join(progDir, 'prog.gene'));
  fs.writeFileSync(path.join(progDir, 'data.txt'), 'payload');
  const env = { ...process.env, GENE_DAP_REMOVE_ME: 'present' };
  delete env.GENE_DAP_T1;
  const srv = await h.startPortServer(t, { spawnOptions: { cwd: serverCwd, env } });

  const s1 = await h.connectPort(t, srv.port, { label: 'session with cwd/env' });
  await s1.launch('prog.gene', { cwd: progDir, env: { GENE_DAP_T1: 'one', GENE_DAP_REMOVE_ME: null } });
  await s1.runsToEnd();
  const out1 = s1.output('stdout');
  assert.equal(out1.split('\n').slice(1).join('\n'), 't1=one\nremoved=false\nenvmap=one\ndata=payload\n');
  await s1.close();

  const s2 = await h.connectPort(t, srv.port, { label: 'session without cwd/env' });
  await s2.launch(path.join(progDir, 'prog.gene'));
  await s2.runsToEnd();
  const out2 = s2.output('stdout');
  const cwdLine = out2.split('\n').find((l) => l.startsWith('cwd='));
  assert.ok(cwdLine, `a cwd line in ${JSON.stringify(out2)}`);
  assert.equal(fs.realpathSync(cwdLine.slice(4)), fs.realpathSync(serverCwd), "the second session runs in the server's cwd");
  assert.equal(out2.split('\n').slice(1).join('\n'), 't1=unset\nremoved=true\nenvmap=void\ndata=none\n');
});
