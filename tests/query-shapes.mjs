#!/usr/bin/env node
// tests/query-shapes.mjs COMMAND_LOG_DIR [REPORT]: the query-shape check of make check
// (issue 13, "Index-backed on MongoDB, proven without MongoDB").
//
// Every process of the integration and e2e layers (API workers, jobs, cmocka tests) runs
// with APP_ENV=test and SWMRA_COMMAND_LOG_DIR, so libmongoc APM writes each command that
// matches documents as a line {ctx, cmd, coll, filter, sort} (src/infra/db_trace.c). This
// reduces each to its shape — collection, filter fields with their kind (equality, $in,
// range, other), sort — and asks whether an index of the registry (the modules' index tables,
// plus _id) serves it under MongoDB's rules: the index's leading keys are equality fields
// of the filter (in any order), then the sort keys in order (all directions equal or all
// reversed), then a range field; a shape is served when that leading part is not empty
// (it bounds the scan) and the sort, if any, comes from the index. A $or is served when
// every branch is. Shapes on a collection that grows (all but SMALL) must be served or be
// listed in ACCEPTED with the reason; otherwise the check fails.
// Writes REPORT (default: COMMAND_LOG_DIR/../query-shapes.md) listing every shape, the
// index that serves it and where it was seen; prints "N passed, N failed" last.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// collections that stay small by design: read whole or by _id, never grow with use
// (job_status: one document per cron job, upserted by every run; api_keys and api_key_uses:
// one per third-party client an admin issued a key to, listed whole on the API keys page;
// crews: tens per city, read whole by name (issue 17))
const SMALL = new Set(['slot_templates', 'slot_overrides', 'session_state', 'job_status', 'api_keys', 'api_key_uses', 'crews']);
// scratch collections of the cmocka tests themselves (test_db's claim tests), never the app's
const TEST_SCRATCH = new Set(['claims_it']);

// shapes that may scan, each with why: [collection, test on the shape string, reason]
export const ACCEPTED = [
  ['users', (k) => /\$or\[\{name:other\} or \{email:other\}\]/.test(k),
    'admin free-text search: a case-insensitive substring cannot use a B-tree index; only when an admin types a search'],
  ['pickup_requests', (k) => /\$or\[\{description:other\}/.test(k),
    'staff free-text search: a case-insensitive substring cannot use a B-tree index; only when staff type a search'],
  ['users', (k) => k === 'users read {}',
    'the admin list total without filters: one count per admin page view'],
  ['pickup_requests', (k) => k === 'pickup_requests read {}',
    'the staff list total without filters: one count per staff page view'],
  ['audit', (k) => k === 'audit read {}',
    'the audit log total without filters: one count per admin page view'],
  ['pickup_requests', (k) => /^pickup_requests read \{assigned_slot\.start:range(, category:eq|, status:eq)*\}( sort .*)?$/.test(k),
    "one day's bookings (bounded by the day's seats) from slot_start_1, sorted in memory"],
  ['slot_claims', (k) => k === 'slot_claims read {}',
    "the start-up backfill of the claims' day (slots_claims_backfill): one pass once per SERVICE_TZ, then a marker lookup"],
  ['notifications', (k) => k === 'notifications read {}' || k === 'notifications read {attempts:range}',
    'the metrics scrape: one $group pass by channel and status per scrape (not per request), over a collection bounded by the retention of swmra-job-compact'],
];

// test helpers read the store directly (counts and lookups by arbitrary fields)
const IGNORED_CTX = /^itutil\b/;
// a cmocka test wiping a collection between cases
const ignoredShape = (c, key) => /^test_/.test(c.ctx || '') && / delete \{\}$/.test(key);

const WRAPPERS = new Set(['$oid', '$date', '$numberLong', '$numberInt', '$numberDouble', '$numberDecimal',
  '$binary', '$timestamp', '$regularExpression', '$minKey', '$maxKey', '$symbol', '$code', '$uuid']);
const RANGE = new Set(['$gt', '$gte', '$lt', '$lte']);

function isPlainValue(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return true;
  const keys = Object.keys(v);
  if (keys.length === 1 && WRAPPERS.has(keys[0])) return true;
  return !keys.some((k) => k.startsWith('$'));
}

/** {fields: [[name, kind]], or: [shape...]|null}; kind: eq | in | range | other. */
export function reduce(filter) {
  const fields = [];
  let or = null;
  for (const [k, v] of Object.entries(filter || {})) {
    if (k === '$and') {
      for (const sub of v) {
        const r = reduce(sub);
        fields.push(...r.fields);
        if (r.or) or = r.or;
      }
    } else if (k === '$or') {
      or = v.map(reduce);
    } else if (k.startsWith('$')) {
      fields.push([k, 'other']);
    } else if (isPlainValue(v)) {
      fields.push([k, 'eq']);
    } else {
      const ops = Object.keys(v).filter((o) => o !== '$options');
      let kind = 'other';
      if (ops.every((o) => o === '$eq')) kind = 'eq';
      else if (ops.every((o) => o === '$in')) kind = 'in';
      else if (ops.every((o) => RANGE.has(o))) kind = 'range';
      else if (ops.length === 1 && ops[0] === '$regex' && /^\^/.test(String(v.$regex)) && !v.$options) kind = 'range';
      fields.push([k, kind]);
    }
  }
  fields.sort((a, b) => a[0].localeCompare(b[0]));
  return { fields, or };
}

function shapeString(s) {
  const f = s.fields.map(([k, kind]) => `${k}:${kind}`).join(', ');
  const or = s.or ? `${f ? ', ' : ''}$or[${s.or.map((b) => `{${shapeString(b)}}`).join(' or ')}]` : '';
  return `${f}${or}`;
}

/**
 * Whether index keys `idx` ([[field, dir]]) serve fields + sort ([[field, dir]]); `limited`:
 * the command has a limit, so an index that gives the sort with nothing before it is walked
 * only as far as the page.
 */
export function serves(idx, fields, sort, limited = false) {
  const kind = new Map(fields);
  const eq = (f) => kind.get(f) === 'eq' || kind.get(f) === 'in';
  let p = 0;
  while (p < idx.length && eq(idx[p][0])) p++;
  const s = sort.filter(([f]) => !(kind.get(f) === 'eq'));
  if (s.length) {
    if (idx.length < p + s.length) return false;
    let same = true, reversed = true;
    for (let i = 0; i < s.length; i++) {
      if (idx[p + i][0] !== s[i][0]) return false;
      if (idx[p + i][1] !== s[i][1]) same = false;
      if (idx[p + i][1] !== -s[i][1]) reversed = false;
    }
    if (!same && !reversed) return false;
  }
  if (p > 0) return true;
  // an index that only gives the order, walked as far as the page: only for a filter that
  // has no equality to seek with (else an index on that equality is the one to declare)
  if (limited && s.length && !fields.some(([f]) => eq(f))) return true;
  // no equality before it: bounded by a range on the first key (or the sort keys and the
  // key right after them, when the sort comes straight from the index)
  return idx.slice(0, s.length + 1).some(([f]) => kind.get(f) === 'range');
}

// The C files under src/ that may declare indexes (each module's part, src/infra/module.h).
function sourceFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...sourceFiles(join(dir, e.name)));
    else if (e.name.endsWith('.c')) out.push(join(dir, e.name));
  }
  return out.sort();
}

// The bodies of every `const struct db_index NAME[] = { ... };` table under src/.
export function indexTables(root = join(REPO, 'src')) {
  const tables = [];
  for (const f of sourceFiles(root)) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/const struct db_index \w+\[\]\s*=\s*\{([\s\S]*?)\n\};/g)) tables.push(m[1]);
  }
  return tables;
}

function indexesOf() {
  const src = indexTables().join('\n');
  const out = new Map();
  for (const m of src.matchAll(/\{\s*"(\w+)",\s*"(\w+)",\s*"((?:[^"\\]|\\.)*)"/g)) {
    const keys = Object.entries(JSON.parse(JSON.parse(`"${m[3]}"`)));
    if (!out.has(m[1])) out.set(m[1], [['_id', [['_id', 1]]]]);
    out.get(m[1]).push([m[2], keys]);
  }
  return out;
}

function servedBy(indexes, coll, shape, sort, limited) {
  const list = indexes.get(coll) || [['_id', [['_id', 1]]]];
  // of the indexes that serve it, the one whose leading equality keys cover the most
  const find = (fields, srt) => {
    const eqs = new Set(fields.filter(([, k]) => k === 'eq' || k === 'in').map(([f]) => f));
    const lead = (keys) => {
      let p = 0;
      while (p < keys.length && eqs.has(keys[p][0])) p++;
      return p;
    };
    const ok = list.filter(([, keys]) => serves(keys, fields, srt, limited));
    return ok.sort((a, b) => lead(b[1]) - lead(a[1]))[0];
  };
  const top = find(shape.fields, sort);
  if (top) return top[0];
  if (!shape.or) return null;
  const names = [];
  for (const branch of shape.or) {
    const hit = find([...shape.fields, ...branch.fields], sort);
    if (!hit) return null;
    names.push(hit[0]);
  }
  return `$or: ${[...new Set(names)].join(' + ')}`;
}

function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: tests/query-shapes.mjs COMMAND_LOG_DIR [REPORT]');
    process.exit(2);
  }
  const report = process.argv[3] || join(dir, '..', 'query-shapes.md');
  const indexes = indexesOf();
  const shapes = new Map();
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    files = [];
  }
  for (const f of files) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let c;
      try {
        c = JSON.parse(line);
      } catch {
        continue;
      }
      if (IGNORED_CTX.test(c.ctx || '') || TEST_SCRATCH.has(c.coll)) continue;
      const shape = reduce(c.filter);
      const sort = Object.entries(c.sort || {}).map(([k, v]) => [k, Number(v) < 0 ? -1 : 1]);
      const verb = c.cmd === 'find' || c.cmd === 'aggregate' || c.cmd === 'count' ? 'read' : c.cmd;
      const sorted = sort.length ? ` sort {${sort.map(([k, d]) => `${k}:${d}`).join(', ')}}` : '';
      const key = `${c.coll} ${verb} {${shapeString(shape)}}${sorted}${c.limit ? ' limit' : ''}`;
      if (ignoredShape(c, key)) continue;
      if (!shapes.has(key)) shapes.set(key, { coll: c.coll, shape, sort, limited: !!c.limit, ctx: new Set(), n: 0 });
      const s = shapes.get(key);
      s.n++;
      if (s.ctx.size < 4) s.ctx.add(c.ctx || '?');
    }
  }
  let pass = 0, fail = 0;
  const rows = [];
  for (const [key, s] of [...shapes].sort((a, b) => a[0].localeCompare(b[0]))) {
    const small = SMALL.has(s.coll);
    const idx = servedBy(indexes, s.coll, s.shape, s.sort, s.limited);
    const accepted = ACCEPTED.find(([coll, test]) => coll === s.coll && test(key.replace(/ limit$/, '')));
    let verdict;
    if (idx) verdict = idx;
    else if (accepted) verdict = `scan, accepted: ${accepted[2]}`;
    else if (small) verdict = 'scan (small collection)';
    else verdict = 'NOT SERVED';
    if (verdict === 'NOT SERVED') fail++;
    else pass++;
    rows.push(`| \`${key}\` | ${verdict} | ${s.n} | ${[...s.ctx].join('; ')} |`);
  }
  const text = [
    '# Query shapes seen by make check',
    '',
    `Generated by tests/query-shapes.mjs from ${files.length} command logs: every filter the`,
    'integration and e2e layers sent, reduced to its shape, and the index of',
    'the modules\' index tables (src/domain/*_module.c) that serves it under MongoDB\'s rules',
    '(equality, sort, range).',
    '',
    '| shape | index | commands | seen in |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(report, text);
  for (const r of rows) if (r.includes('NOT SERVED')) console.log(`query-shapes: not served by any declared index: ${r.split('|')[1].trim()}`);
  console.log(`query-shapes: ${shapes.size} shapes from ${files.length} logs, report ${report}`);
  if (files.length === 0) {
    console.log('query-shapes: no command logs (was SWMRA_COMMAND_LOG_DIR set for the stack?)');
    fail++;
  }
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
