'use strict';
// PoolScope probe for node-postgres: report which code holds each pooled connection (the holders contract).
// No dependencies; drop this file next to your code. One require and one call:
//
//   const poolscope = require('./poolscope-probe');
//   const probe = poolscope.install(pool);           // a pg.Pool
//
// Every 'acquire' is recorded with the client's backend pid (client.processID), the time and a few stack frames
// of your code (frames of this probe, of node_modules/pg* and of node's internals are skipped); every 'release'
// forgets it. Serve it inside your health payload (payload.holders = probe.holders()), or on its own URL:
//
//   app.get('/poolscope/holders', probe.handler());   // Express, or http.createServer(probe.handler())
//
// Your own tracking marks what it knows: probe.markTracked(client, '/api/bets').
// Each holder: {backend_pid, acquired_at (RFC 3339), tracked, route, stack: ["file:line:function", ...]}.

const path = require('path');

const MAX_FRAMES = 5;
const MAX_CHARS = 1000;
const SKIPPED = [/[\\/]node_modules[\\/]pg[^\\/]*[\\/]/, /^node:/, /^internal[\\/]/];

function appFrames(limit, skipFile) {
  const saved = Error.stackTraceLimit;
  const savedPrepare = Error.prepareStackTrace;
  Error.stackTraceLimit = 50;
  Error.prepareStackTrace = (_error, callSites) => callSites;
  const holder = {};
  Error.captureStackTrace(holder, appFrames);
  const sites = holder.stack;
  Error.prepareStackTrace = savedPrepare;
  Error.stackTraceLimit = saved;
  const frames = [];
  for (const site of sites || []) {
    if (frames.length >= limit) break;
    const file = site.getFileName();
    if (!file || file === skipFile || SKIPPED.some((re) => re.test(file))) continue;
    const shown = path.isAbsolute(file) ? path.relative(process.cwd(), file) : file;
    const fn = site.getFunctionName() || site.getMethodName() || '<anonymous>';
    frames.push(`${shown}:${site.getLineNumber()}:${fn}`.slice(0, MAX_CHARS));
  }
  return frames;
}

class Probe {
  constructor(frames = MAX_FRAMES) {
    this.frames = Math.max(0, Math.min(Number(frames) || 0, 32));
    this.held = new Map(); // client -> holder
  }

  // The install helper calls these.
  checkedOut(client) {
    const pid = client && client.processID;
    if (!Number.isInteger(pid)) return;
    this.held.set(client, {
      backend_pid: pid,
      acquired_at: Date.now(),
      tracked: false,
      route: null,
      stack: appFrames(this.frames, __filename),
    });
  }

  checkedIn(client) {
    this.held.delete(client);
  }

  // The app's tracking: the client went through it (and for which route).
  markTracked(client, route = null, tracked = true) {
    const h = this.held.get(client);
    if (!h) return;
    h.tracked = Boolean(tracked);
    if (route !== null && route !== undefined) h.route = String(route).slice(0, MAX_CHARS);
  }

  setRoute(client, route) {
    const h = this.held.get(client);
    if (h) h.route = String(route).slice(0, MAX_CHARS);
  }

  // Every connection checked out now, as the contract's JSON objects, oldest first.
  holders() {
    return [...this.held.values()]
      .map((h) => ({ ...h, acquired_at: new Date(h.acquired_at).toISOString(), stack: [...h.stack] }))
      .sort((a, b) => (a.acquired_at < b.acquired_at ? -1 : a.acquired_at > b.acquired_at ? 1 : a.backend_pid - b.backend_pid));
  }

  payload() {
    return { holders: this.holders() };
  }

  json() {
    return JSON.stringify(this.payload());
  }

  // (req, res) handler for http.createServer or Express.
  handler() {
    return (_req, res) => {
      const body = this.json();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(body);
    };
  }
}

// Installs a probe on a pg.Pool (anything emitting 'acquire' and 'release' with the client) and returns it.
function install(pool, frames = MAX_FRAMES) {
  if (!pool || typeof pool.on !== 'function') {
    throw new TypeError('poolscope-probe install: expected a pg.Pool (an EventEmitter with acquire/release events)');
  }
  const probe = new Probe(frames);
  pool.on('acquire', (client) => probe.checkedOut(client));
  pool.on('release', (_error, client) => probe.checkedIn(client));
  pool.on('remove', (client) => probe.checkedIn(client));
  return probe;
}

module.exports = { install, Probe };
