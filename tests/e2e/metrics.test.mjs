// Metrics (issue 20): nginx's internal listener serves /metrics (the API pool's shared
// counters plus what the database holds); the public site never does. Debian's `prometheus`
// scrapes the test stack (its own port and data folder under the stack folder, nothing
// remote) and the series exist and move under a small load: requests to /api/health, a
// worker killed with SIGKILL, a dispatcher run. `promtool check metrics` checks a scrape.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, openSync, closeSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import { STACK, REPO, get, waitFor, apiPid, childPids } from './lib/stack.mjs';

const run = promisify(execFile);
const METRICS_URL = process.env.SWMRA_METRICS_URL || STACK.SWMRA_METRICS_URL;
const PROM_PORT = Number(new URL(METRICS_URL).port) + 1;
const PROM_DIR = `${STACK.STACK_DIR}/prometheus`;

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const PROMETHEUS = which('prometheus');
const PROMTOOL = which('promtool');
const EXPORTER = which('prometheus-nginx-exporter'); // optional: nginx's stub_status as series
const EXPORTER_PORT = PROM_PORT + 1;
const SKIP = !PROMETHEUS || !PROMTOOL ? "Debian's prometheus package (prometheus, promtool) is not installed" : false;

/** GET on a loopback URL outside the public site: { status, text }. */
function fetchText(url) {
  return new Promise((resolvePromise, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(15000, () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
  });
}

/** One sample of a scrape: the value of the first line `name{...}` whose labels include all of `labels`. */
function sample(text, name, labels = {}) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** A PromQL instant query: Prometheus' whole answer ({status, data} or {status, error}). */
async function queryRaw(q) {
  const r = await fetchText(`http://127.0.0.1:${PROM_PORT}/api/v1/query?query=${encodeURIComponent(q)}`);
  return JSON.parse(r.text);
}

/** A PromQL instant query against our Prometheus: the first result's value, or undefined. */
async function query(q) {
  const r = await fetchText(`http://127.0.0.1:${PROM_PORT}/api/v1/query?query=${encodeURIComponent(q)}`);
  if (r.status !== 200) return undefined;
  const body = JSON.parse(r.text);
  const first = body.data?.result?.[0];
  return first ? Number(first.value[1]) : undefined;
}

let prom;
let exporter;
before(async () => {
  if (SKIP) return;
  rmSync(PROM_DIR, { recursive: true, force: true });
  mkdirSync(`${PROM_DIR}/data`, { recursive: true });
  const target = new URL(METRICS_URL);
  writeFileSync(
    `${PROM_DIR}/prometheus.yml`,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: swmra',
      `    metrics_path: ${target.pathname}`,
      '    static_configs:',
      `      - targets: ['${target.host}']`,
      ...(EXPORTER
        ? ['  - job_name: nginx', '    static_configs:', `      - targets: ['127.0.0.1:${EXPORTER_PORT}']`]
        : []),
      '',
    ].join('\n'),
  );
  const log = openSync(`${PROM_DIR}/prometheus.log`, 'a');
  prom = spawn(
    PROMETHEUS,
    [
      `--config.file=${PROM_DIR}/prometheus.yml`,
      `--storage.tsdb.path=${PROM_DIR}/data`,
      `--web.listen-address=127.0.0.1:${PROM_PORT}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  if (EXPORTER) {
    exporter = spawn(
      EXPORTER,
      [`-nginx.scrape-uri=${new URL('/stub_status', METRICS_URL).href}`, `-web.listen-address=127.0.0.1:${EXPORTER_PORT}`],
      { stdio: ['ignore', log, log] },
    );
  }
  closeSync(log);
  const up = await waitFor(() => query('up{job="swmra"} == 1').catch(() => undefined), { timeoutMs: 30000, intervalMs: 500 });
  assert.equal(up, 1, `Prometheus on :${PROM_PORT} did not scrape ${METRICS_URL} (log: ${PROM_DIR}/prometheus.log)`);
});

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 10000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

after(async () => {
  await stop(exporter);
  await stop(prom);
});

test('the public site refuses /metrics and the internal route', async () => {
  for (const path of ['/metrics', '/api/internal/metrics']) {
    const r = await get(path);
    assert.equal(r.status, 404, `${path}: ${r.status}`);
    assert.deepEqual(r.json, { detail: 'Not Found' });
    assert.doesNotMatch(r.text, /swmra_/);
  }
});

test('a live scrape passes promtool check metrics and has every family', { skip: SKIP }, async () => {
  await get('/api/health');
  const r = await fetchText(METRICS_URL);
  assert.equal(r.status, 200);
  try {
    execFileSync(PROMTOOL, ['check', 'metrics'], { input: r.text, encoding: 'utf8' });
  } catch (e) {
    assert.fail(`promtool check metrics: ${e.stdout}${e.stderr}`);
  }
  for (const family of [
    'swmra_build_info', 'swmra_http_requests_total', 'swmra_http_request_duration_seconds',
    'swmra_http_requests_in_flight', 'swmra_workers', 'swmra_worker_starts_total',
    'swmra_worker_crashes_total', 'swmra_worker_respawns_total', 'swmra_db_errors_total',
    'swmra_db_unavailable_total', 'swmra_logins_failed_total', 'swmra_logins_throttled_total',
    'swmra_db_up', 'swmra_seats_capacity', 'swmra_seats_booked', 'swmra_seats_overbooked',
    'swmra_notifications', 'swmra_notifications_queue_oldest_age_seconds',
    'swmra_job_last_success_timestamp_seconds', 'swmra_job_period_seconds',
    'swmra_effects_pending', 'swmra_effects_pending_oldest_age_seconds',
  ]) {
    assert.match(r.text, new RegExp(`^# TYPE ${family} `, 'm'), `family ${family} is missing`);
  }
  assert.equal(sample(r.text, 'swmra_db_up'), 1);
  // the outbox's backlog: a count, and the oldest's age (0 when nothing is pending)
  const pending = sample(r.text, 'swmra_effects_pending');
  const pendingAge = sample(r.text, 'swmra_effects_pending_oldest_age_seconds');
  assert.ok(Number.isInteger(pending) && pending >= 0, `swmra_effects_pending ${pending}`);
  assert.ok(pendingAge >= 0 && (pending > 0 || pendingAge === 0), `oldest age ${pendingAge} with ${pending} pending`);
  assert.ok(sample(r.text, 'swmra_http_requests_in_flight') >= 1, 'the scrape itself is in flight');
  assert.ok(sample(r.text, 'swmra_seats_capacity', { day: 'tomorrow', class: 'standard' }) >= 0);
  assert.ok(sample(r.text, 'swmra_http_request_duration_seconds_bucket', { route: '/api/health', le: '+Inf' }) >= 1);
  // nginx's and nchan's own counters on the same internal listener
  const stub = await fetchText(new URL('/stub_status', METRICS_URL).href);
  assert.match(stub.text, /Active connections: \d+/);
  const nchan = await fetchText(new URL('/nchan_stub_status', METRICS_URL).href);
  assert.match(nchan.text, /total published messages: \d+/);
});

test('counters are the whole pool: every worker answers a scrape with the same totals', { skip: SKIP }, async () => {
  // four scrapes in parallel land on different workers; a per-process counter would differ
  await get('/api/health');
  const scrapes = await Promise.all(Array.from({ length: 4 }, () => fetchText(METRICS_URL)));
  const starts = scrapes.map((s) => sample(s.text, 'swmra_worker_starts_total'));
  assert.ok(starts.every((n) => n === starts[0] && n >= childPids(apiPid()).length), starts.join(','));
  const health = scrapes.map((s) => sample(s.text, 'swmra_http_requests_total', { route: '/api/health', status_class: '2xx' }));
  assert.ok(health.every((n) => n === health[0] && n >= 1), health.join(','));
});

test('Prometheus sees requests, a worker crash and a job run move the series', { skip: SKIP, timeout: 90000 }, async () => {
  const healthQ = 'sum(swmra_http_requests_total{route="/api/health",method="GET",status_class="2xx"})';
  const base = (await query(healthQ)) ?? 0;
  const res = await Promise.all(Array.from({ length: 30 }, () => get('/api/health')));
  assert.deepEqual(res.map((r) => r.status), Array(30).fill(200));
  const seen = await waitFor(async () => ((await query(healthQ)) ?? 0) >= base + 30, { timeoutMs: 20000, intervalMs: 500 });
  assert.ok(seen, `requests_total for /api/health did not grow by 30 from ${base} (now ${await query(healthQ)})`);
  const timed = await query('sum(swmra_http_request_duration_seconds_bucket{route="/api/health",le="+Inf"})');
  assert.ok(timed >= base + 30, `the latency histogram counted ${timed} health requests`);

  const crashesBase = (await query('swmra_worker_crashes_total')) ?? 0;
  const respawnsBase = (await query('swmra_worker_respawns_total')) ?? 0;
  const supervisor = apiPid();
  const workers = childPids(supervisor);
  assert.ok(workers.length >= 2, `need two workers, have ${workers.length}`);
  process.kill(workers[0], 'SIGKILL');
  const crashed = await waitFor(async () => ((await query('swmra_worker_crashes_total')) ?? 0) >= crashesBase + 1, { timeoutMs: 20000, intervalMs: 500 });
  assert.ok(crashed, `swmra_worker_crashes_total did not grow from ${crashesBase}`);
  assert.ok(((await query('swmra_worker_respawns_total')) ?? 0) >= respawnsBase + 1, 'the respawn is counted');
  await waitFor(() => childPids(supervisor).length === workers.length, { timeoutMs: 10000 });

  const build = process.env.SWMRA_BUILD_DIR || STACK.SWMRA_BUILD_DIR || REPO;
  const bin = resolve(build, 'cron/swmra-job-dispatch');
  assert.ok(existsSync(bin), `${bin} is not built`);
  const jobQ = 'swmra_job_last_success_timestamp_seconds{name="dispatch"}';
  const before = (await query(jobQ)) ?? 0;
  await run(bin, ['--once', '--env-file', ''], { env: { ...process.env, ...STACK }, timeout: 60000 });
  const moved = await waitFor(async () => ((await query(jobQ)) ?? 0) > before, { timeoutMs: 20000, intervalMs: 500 });
  assert.ok(moved, `the dispatcher's last success did not move (was ${before})`);
  assert.equal(await query('swmra_job_period_seconds{name="dispatch"}'), 60);

  // the same record for people: swmra-jobs status (table and --json)
  const jobs = resolve(build, 'cron/swmra-jobs');
  const asJson = JSON.parse((await run(jobs, ['status', '--json', '--env-file', ''], { env: { ...process.env, ...STACK } })).stdout);
  const dispatch = asJson.jobs.find((j) => j.name === 'dispatch');
  assert.ok(dispatch, JSON.stringify(asJson));
  assert.equal(dispatch.last_result, 'ok');
  assert.equal(dispatch.overdue, false);
  assert.equal(dispatch.period_seconds, 60);
  assert.ok(Date.parse(dispatch.next_expected_at) - Date.parse(dispatch.last_start_at) === 60000);
  const table = (await run(jobs, ['status', '--env-file', ''], { env: { ...process.env, ...STACK } })).stdout;
  assert.match(table, /^JOB +LAST START +RESULT/m);
  assert.match(table, /^dispatch +\S+ +ok +[0-9.]+s +\d+ +0 +\S+ +\S+ +ok$/m);
});

test("nginx's stub_status reaches Prometheus through Debian's prometheus-nginx-exporter", { skip: SKIP || (!EXPORTER && 'prometheus-nginx-exporter is not installed') }, async () => {
  const accepted = 'nginx_connections_accepted{job="nginx"}';
  const first = await waitFor(() => query(accepted), { timeoutMs: 20000, intervalMs: 500 });
  assert.ok(first >= 1, `no ${accepted} in Prometheus`);
  await Promise.all(Array.from({ length: 5 }, () => get('/api/health')));
  const grew = await waitFor(async () => ((await query(accepted)) ?? 0) >= first + 5, { timeoutMs: 20000, intervalMs: 500 });
  assert.ok(grew, `${accepted} did not grow from ${first}`);
  assert.equal(await query('nginx_up{job="nginx"}'), 1);
});

test('every panel of the Grafana dashboard is a query Prometheus accepts, on series that exist', { skip: SKIP }, async () => {
  const dash = JSON.parse(readFileSync(resolve(REPO, 'deploy/grafana/swmra-dashboard.json'), 'utf8'));
  assert.ok(dash.panels.length >= 10);
  const scrape = (await fetchText(METRICS_URL)).text;
  for (const p of dash.panels) {
    for (const t of p.targets) {
      const a = await queryRaw(t.expr);
      assert.equal(a.status, 'success', `${p.title}: ${t.expr}: ${a.error}`);
      // the dashboard names only series the stack exports (nginx_* come from the exporter)
      for (const name of t.expr.match(/\b(?:swmra|nginx)_[a-z_]+/g) || []) {
        if (name.startsWith('swmra_')) {
          // the family is exported (it may have no samples yet, e.g. no notifications)
          const base = name.replace(/_(bucket|sum|count)$/, '');
          assert.match(scrape, new RegExp(`^# TYPE ${base} `, 'm'), `${p.title}: no family ${name}`);
        } else if (EXPORTER) {
          const seen = await queryRaw(`count(${name})`);
          assert.ok(seen.data.result.length > 0, `${p.title}: no series ${name}`);
        }
      }
    }
  }
});
