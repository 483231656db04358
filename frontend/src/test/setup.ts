import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach, vi } from 'vitest';
import { cleanup } from '@testing-library/react';
import { authStore } from '../stores/auth';
import { disconnectNotifications } from '../stores/notifications';
import { rewardsStore } from '../stores/rewards';

// jsdom has no canvas (getContext is "not implemented" and answers null). A 2D context that
// records settings and draws nothing lets the charts' real code (Chart.js) run in the tests.
function blankContext(canvas: HTMLCanvasElement): unknown {
  const state: Record<string | symbol, unknown> = { canvas };
  const result = { width: 0, actualBoundingBoxAscent: 0, actualBoundingBoxDescent: 0, data: [], addColorStop: () => undefined };
  return new Proxy(state, {
    get: (s, key) => (key in s ? s[key] : () => result),
    set: (s, key, value) => {
      s[key] = value;
      return true;
    },
  });
}
HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
  return blankContext(this);
} as unknown as typeof HTMLCanvasElement.prototype.getContext;

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  cleanup();
  disconnectNotifications();
  authStore.reset();
  rewardsStore.reset();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});
