// Reads that reach every worker of the test stack, for the read-cache tests: the kernel
// spreads parallel connections over scripts/stack.sh's workers.
import assert from 'node:assert/strict';
import { get } from './stack.mjs';

export const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
export const WORKERS = 4; // scripts/stack.sh's test stack

/** `n` parallel reads of `path`. */
export const many = (path, token, n = 3 * WORKERS) => Promise.all(Array.from({ length: n }, () => get(path, auth(token))));

/** The store commands an answer cost of its own: X-Store-Commands without the caches'
 * upkeep that fell on it (a session sync, the node's once-a-second poll of read marks;
 * tests/e2e/budget.test.mjs counts the same way). */
export const ownCommands = (a) => Number(a.headers['x-store-commands']) - Number(a.headers['x-store-commands-upkeep']);

/** Reads `path` until some worker answers it from its cache; that answer (the cheapest hit of
 * the round) and the round's others. */
export async function cachedRead(path, token) {
  for (let round = 0; round < 10; round++) {
    const answers = await many(path, token);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const hits = answers.filter((a) => a.headers['x-read-cache'] === 'hit');
    if (hits.length) return { hit: hits.reduce((x, y) => (ownCommands(y) < ownCommands(x) ? y : x)), answers };
  }
  assert.fail(`${path}: no worker answered from its cache in 10 rounds`);
}
