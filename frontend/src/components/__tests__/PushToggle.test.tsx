import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PushToggle } from '../PushToggle';
import { urlBase64ToUint8Array } from '../../lib/push';
import { fakeFetch, reply } from '../../test/fakeFetch';
import { signIn } from '../../test/render';
import { citizen } from '../../test/fixtures';

// RFC 8291 appendix A's application server key: a valid 65-byte P-256 point.
const KEY = 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8';
const SUB_JSON = {
  endpoint: 'https://push.example.net/send/abc',
  expirationTime: null,
  keys: {
    p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
    auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  },
};

/** A fake PushManager with an optional existing subscription; only what the app uses. */
function fakePush(existing: boolean) {
  let current: { endpoint: string; toJSON: () => unknown; unsubscribe: ReturnType<typeof vi.fn> } | null = null;
  const makeSub = () => {
    const sub = {
      endpoint: SUB_JSON.endpoint,
      toJSON: () => SUB_JSON,
      unsubscribe: vi.fn(async () => {
        current = null;
        return true;
      }),
    };
    current = sub;
    return sub;
  };
  if (existing) makeSub();
  const pushManager = {
    getSubscription: vi.fn(async () => current),
    subscribe: vi.fn(async (_opts: PushSubscriptionOptionsInit) => makeSub()),
  };
  vi.stubGlobal('PushManager', function PushManager() {});
  vi.stubGlobal('Notification', { permission: 'default' });
  Object.defineProperty(navigator, 'serviceWorker', {
    configurable: true,
    value: { getRegistration: vi.fn(async () => ({ pushManager })) },
  });
  return { pushManager, current: () => current };
}

afterEach(() => {
  delete (navigator as unknown as Record<string, unknown>).serviceWorker;
});

const toggle = () => screen.findByRole('checkbox', { name: 'Push notifications on this device' });

describe('PushToggle', () => {
  it('is hidden when the browser has no PushManager, without asking the server', async () => {
    signIn(citizen);
    const net = fakeFetch({});
    const { container } = render(<PushToggle />);
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(container).toBeEmptyDOMElement();
    expect(net.calls).toHaveLength(0);
  });

  it('is hidden when the server has push disabled', async () => {
    signIn(citizen);
    fakePush(false);
    const net = fakeFetch({ 'GET /api/push/vapid-public-key': { enabled: false } });
    const { container } = render(<PushToggle />);
    await waitFor(() => expect(net.find('GET', '/api/push/vapid-public-key')).toHaveLength(1));
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(container).toBeEmptyDOMElement();
  });

  it('subscribes with the VAPID key and posts the subscription', async () => {
    signIn(citizen);
    const push = fakePush(false);
    const net = fakeFetch({
      'GET /api/push/vapid-public-key': { enabled: true, key: KEY },
      'POST /api/push/subscriptions': reply(201, { endpoint: SUB_JSON.endpoint, created: true }),
    });
    render(<PushToggle />);
    const box = await toggle();
    expect(box).not.toBeChecked();
    await userEvent.click(box);
    expect(await screen.findByText('Push notifications are on for this device.')).toBeInTheDocument();
    expect(box).toBeChecked();
    expect(push.pushManager.subscribe).toHaveBeenCalledTimes(1);
    const opts = push.pushManager.subscribe.mock.calls[0][0];
    expect(opts.userVisibleOnly).toBe(true);
    expect(Array.from(opts.applicationServerKey as Uint8Array)).toEqual(Array.from(urlBase64ToUint8Array(KEY)));
    expect(net.find('POST', '/api/push/subscriptions')[0].body).toEqual(SUB_JSON);
    expect(net.find('POST', '/api/push/subscriptions')[0].headers.authorization).toBe('Bearer test-token');
  });

  it('unsubscribes: deletes it on the server and in the browser', async () => {
    signIn(citizen);
    const push = fakePush(true);
    const sub = push.current();
    const net = fakeFetch({
      'GET /api/push/vapid-public-key': { enabled: true, key: KEY },
      'DELETE /api/push/subscriptions': reply(204),
    });
    render(<PushToggle />);
    const box = await toggle();
    await waitFor(() => expect(box).toBeChecked());
    await userEvent.click(box);
    expect(await screen.findByText('Push notifications are off for this device.')).toBeInTheDocument();
    expect(box).not.toBeChecked();
    expect(net.find('DELETE', '/api/push/subscriptions')[0].body).toEqual({ endpoint: SUB_JSON.endpoint });
    expect(sub?.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('undoes the browser subscription when the server refuses it', async () => {
    signIn(citizen);
    const push = fakePush(false);
    fakeFetch({
      'GET /api/push/vapid-public-key': { enabled: true, key: KEY },
      'POST /api/push/subscriptions': reply(422, {
        detail: [{ loc: ['body', 'endpoint'], msg: 'must be an https URL', type: 'value_error.url' }],
      }),
    });
    render(<PushToggle />);
    const box = await toggle();
    await userEvent.click(box);
    expect(await screen.findByText(/Could not change push notifications/)).toBeInTheDocument();
    expect(box).not.toBeChecked();
    expect(push.current()).toBeNull();
  });

  it('is disabled with a hint when notifications are blocked', async () => {
    signIn(citizen);
    fakePush(false);
    vi.stubGlobal('Notification', { permission: 'denied' });
    fakeFetch({ 'GET /api/push/vapid-public-key': { enabled: true, key: KEY } });
    render(<PushToggle />);
    const box = await toggle();
    expect(box).toBeDisabled();
    expect(box).toHaveAccessibleDescription(/blocked for this site/);
  });
});

describe('urlBase64ToUint8Array', () => {
  it('decodes unpadded base64url', () => {
    expect(Array.from(urlBase64ToUint8Array('-_-_'))).toEqual([0xfb, 0xff, 0xbf]);
    expect(Array.from(urlBase64ToUint8Array('YWI'))).toEqual([0x61, 0x62]);
    const k = urlBase64ToUint8Array(KEY);
    expect(k.length).toBe(65);
    expect(k[0]).toBe(4);
  });
});
