// The stack's clock for the tests, and a grid slot that starts soon at any hour.
//
// A test stack may run with TEST_NOW_OFFSET (seconds, honoured only with APP_ENV=test): the
// API and the cron jobs then see now + offset. Tests that compare server times with "now"
// use now() from here, so they hold whatever the offset (tests/e2e/clock-sweep.sh runs the
// clock-dependent files at several hours of the week that way).
import assert from 'node:assert/strict';
import { STACK, request } from './stack.mjs';

export const NOW_OFFSET_MS = Number(process.env.TEST_NOW_OFFSET || STACK.TEST_NOW_OFFSET || 0) * 1000;

/** Milliseconds since the epoch on the stack's clock. */
export const now = () => Date.now() + NOW_OFFSET_MS;

const HOUR = 3600 * 1000;
const TZ = process.env.SERVICE_TZ || STACK.SERVICE_TZ || 'Asia/Kolkata';
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ });
const partsFmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const hm = (mins) => `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
const minutes = (s) => (s === '24:00' ? 1440 : Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));

/** A free standard grid slot starting between 1 h and 23 h from now, from the staff calendar. */
async function findSoon(staff) {
  for (const d of [0, 1]) {
    const date = dayFmt.format(new Date(now() + d * 86400000));
    const res = await request('GET', `/api/staff/slots?date=${date}`, auth(staff));
    assert.equal(res.status, 200, `staff slots ${date}: ${res.text}`);
    const hit = res.json.find((e) => {
      const start = Date.parse(e.start);
      return e.capacity_class === 'standard' && !e.closed && e.remaining > 0 && start > now() + HOUR && start < now() + 23 * HOUR;
    });
    if (hit) return hit;
  }
  return null;
}

/**
 * A free standard grid slot that starts 1..23 h from now (inside the residents' lead time),
 * at any hour of the week: when the slot template has none (the seed has no Sunday and no
 * nights), the test's template gets one window on the weekday of now + 3 h, for the rest of
 * the test only (t.after puts the template back; bookings made meanwhile stay valid).
 */
export async function soonSlot(t, staff, admin) {
  const found = await findSoon(staff);
  if (found) return found;
  const tpl = await request('GET', '/api/admin/slot-templates', auth(admin));
  assert.equal(tpl.status, 200, tpl.text);
  const original = tpl.json;
  const target = partsFmt.formatToParts(new Date(now() + 3 * HOUR));
  const part = (type) => target.find((p) => p.type === type).value;
  const weekday = WEEKDAYS.indexOf(part('weekday'));
  const len = original.slot_minutes;
  let start = Number(part('hour')) * 60;
  if (start + len > 1440) start = 1440 - len;
  const end = start + len;
  const weekly = original.weekly.filter((w) => w.weekday !== weekday || minutes(w.end) <= start || minutes(w.start) >= end);
  weekly.push({ weekday, start: hm(start), end: end === 1440 ? '24:00' : hm(end) });
  const { timezone: _informational, ...rest } = original;
  const put = await request('PUT', '/api/admin/slot-templates', { ...auth(admin), json: { ...rest, weekly } });
  assert.equal(put.status, 200, `template with a window soon: ${put.text}`);
  t.after(async () => {
    const back = await request('PUT', '/api/admin/slot-templates', { ...auth(admin), json: rest });
    assert.equal(back.status, 200, `template restored: ${back.text}`);
  });
  const made = await findSoon(staff);
  assert.ok(made, `a slot 1..23 h ahead after adding ${WEEKDAYS[weekday]} ${hm(start)}-${hm(end)}`);
  return made;
}
