import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach, vi } from 'vitest';
import { cleanup } from '@testing-library/react';
import { authStore } from '../stores/auth';
import { disconnectNotifications } from '../stores/notifications';
import { rewardsStore } from '../stores/rewards';

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
