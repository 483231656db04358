// nginx limit_req on login/register: a burst from one address gets 429 {"detail":"Slow down"}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { post, freshAddress } from './lib/stack.mjs';

const burst = Number(process.env.AUTH_RATE_BURST || 5);

for (const path of ['/api/auth/login', '/api/auth/register']) {
  test(`a burst on ${path} from one address is answered 429 with Retry-After`, async () => {
    const localAddress = freshAddress();
    const statuses = [];
    let limited;
    for (let i = 0; i < burst + 6; i++) {
      const res = await post(path, { email: `burst${i}@example.com`, password: 'wrong-password' }, { localAddress });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    assert.ok(limited, `no 429 in ${statuses.join(',')}`);
    // the first burst+1 requests pass the limiter (nodelay)
    assert.ok(statuses.slice(0, burst + 1).every((s) => s !== 429), statuses.join(','));
    assert.match(limited.headers['content-type'], /^application\/json/);
    assert.deepEqual(limited.json, { detail: 'Slow down' });
    assert.match(limited.headers['retry-after'] || '', /^[1-9][0-9]*$/);
    assert.equal(limited.headers['x-content-type-options'], 'nosniff');

    // another address is not affected
    const other = await post(path, { email: 'other@example.com', password: 'x' }, { localAddress: freshAddress() });
    assert.notEqual(other.status, 429);
  });
}
