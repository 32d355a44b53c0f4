'use strict';
// node --test: the node-postgres probe against a fake pg.Pool (an EventEmitter emitting 'acquire'/'release' as
// pg.Pool does: acquire(client), release(err, client)). node-postgres itself is not packaged in Debian.
const test = require('node:test');
const assert = require('node:assert');
const { EventEmitter } = require('node:events');
const path = require('node:path');
const poolscope = require(path.join(__dirname, '..', '..', 'resources', 'probes', 'poolscope-probe.js'));

class FakePool extends EventEmitter {
  constructor() {
    super();
    this.nextPid = 4000;
  }

  connect() {
    const client = { processID: this.nextPid++ };
    this.emit('acquire', client);
    return client;
  }

  release(client) {
    this.emit('release', undefined, client);
  }
}

function refreshOdds(pool) {
  return pool.connect(); // the line a holder must point at
}

test('records each checkout with pid, time and the caller, forgets it on release', () => {
  const pool = new FakePool();
  const probe = poolscope.install(pool);
  const before = Date.now();
  const a = refreshOdds(pool);
  const b = pool.connect();
  probe.markTracked(b, '/api/bets');
  let holders = probe.holders();
  assert.strictEqual(holders.length, 2);
  const held = holders.find((h) => h.backend_pid === a.processID);
  assert.strictEqual(held.tracked, false);
  assert.strictEqual(held.route, null);
  assert.ok(Date.parse(held.acquired_at) >= before - 1);
  assert.match(held.acquired_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // The fake pool's connect() is the innermost frame here (node_modules/pg* frames are skipped in the field).
  assert.match(held.stack[0], /poolscope-probe\.test\.js:\d+:connect$/);
  assert.ok(held.stack.some((f) => /poolscope-probe\.test\.js:28:refreshOdds$/.test(f)), held.stack.join('\n'));
  assert.ok(held.stack.every((f) => !f.includes('poolscope-probe.js')));
  assert.ok(held.stack.length <= 5);
  const tracked = holders.find((h) => h.backend_pid === b.processID);
  assert.deepStrictEqual([tracked.tracked, tracked.route], [true, '/api/bets']);

  pool.release(a);
  holders = probe.holders();
  assert.deepStrictEqual(holders.map((h) => h.backend_pid), [b.processID]);
});

test('serves the contract as JSON through a handler', () => {
  const pool = new FakePool();
  const probe = poolscope.install(pool);
  pool.connect();
  let status = 0;
  let headers = {};
  let body = '';
  probe.handler()({}, {
    writeHead(code, h) { status = code; headers = h; },
    end(text) { body = text; },
  });
  assert.strictEqual(status, 200);
  assert.strictEqual(headers['Content-Type'], 'application/json');
  const parsed = JSON.parse(body);
  assert.strictEqual(parsed.holders.length, 1);
  assert.deepStrictEqual(Object.keys(parsed.holders[0]).sort(), ['acquired_at', 'backend_pid', 'route', 'stack', 'tracked']);
});

test('refuses what is not a pool, ignores clients without a pid', () => {
  assert.throws(() => poolscope.install({}), TypeError);
  const pool = new FakePool();
  const probe = poolscope.install(pool);
  pool.emit('acquire', {});
  assert.deepStrictEqual(probe.holders(), []);
});
