/**
 * Live notification stream: WebSocket first, EventSource (same URL) as fallback, with
 * exponential backoff and jitter between attempts. The server (nginx + nchan) cannot resume
 * by message id, so `onOpen` runs after every (re)connect and the caller catches up over REST.
 * The URL may be a function called before every attempt: a one-use ticket is good for one
 * connection only, so the stream asks for a fresh one each time (EventSource's own retry
 * would reuse a spent ticket; the stream takes over its retries anyway).
 */
export type StreamState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';
export type Transport = 'ws' | 'sse';

export interface StreamOptions {
  /** http(s) URL of the stream, credential included, or a function that gives a fresh one
   *  for every attempt; the ws(s) URL is derived from it. A rejected promise counts as a
   *  failed attempt (backoff, then a new try). */
  url: string | (() => Promise<string>);
  onMessage: (data: unknown) => void;
  onOpen?: (transport: Transport) => void;
  onState?: (state: StreamState, transport: Transport) => void;
  /** The connection closed before it ever opened (refused handshake: maybe a bad token). */
  onRefused?: (transport: Transport) => void;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  /** Failures before the first open after which the other transport is tried. */
  switchAfter?: number;
}

export class NotificationStream {
  private opts: Required<Omit<StreamOptions, 'onOpen' | 'onState' | 'onRefused'>> & StreamOptions;
  private transport: Transport;
  private ws: WebSocket | null = null;
  private es: EventSource | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private failuresOnTransport = 0;
  private stopped = true;
  private generation = 0;
  state: StreamState = 'idle';

  constructor(opts: StreamOptions) {
    this.opts = {
      baseDelayMs: 1000,
      maxDelayMs: 30000,
      random: Math.random,
      switchAfter: 2,
      ...opts,
    };
    this.transport = typeof WebSocket !== 'undefined' ? 'ws' : 'sse';
  }

  get currentTransport(): Transport {
    return this.transport;
  }

  get attempts(): number {
    return this.attempt;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.clearTimer();
    this.closeSockets();
    this.setState('stopped');
  }

  /** Skip the backoff wait (e.g. the browser came back online). */
  reconnectNow(): void {
    if (this.stopped || this.state === 'open' || this.state === 'connecting') return;
    this.clearTimer();
    this.open();
  }

  /** Delay before the next attempt: base·2^attempt, capped, with 50–100 % jitter. */
  nextDelay(): number {
    const raw = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** this.attempt);
    return Math.round(raw * (0.5 + this.opts.random() * 0.5));
  }

  private setState(s: StreamState) {
    this.state = s;
    this.opts.onState?.(s, this.transport);
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private closeSockets() {
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
      try {
        this.ws.close();
      } catch {
        /* already closed */
      }
      this.ws = null;
    }
    if (this.es) {
      this.es.onopen = this.es.onmessage = this.es.onerror = null;
      this.es.close();
      this.es = null;
    }
  }

  private open() {
    this.closeSockets();
    const gen = ++this.generation;
    this.setState('connecting');
    const { url } = this.opts;
    if (typeof url === 'string') {
      this.connect(gen, url);
      return;
    }
    url().then(
      (u) => {
        if (gen === this.generation && !this.stopped) this.connect(gen, u);
      },
      () => {
        if (gen === this.generation && !this.stopped) this.schedule();
      },
    );
  }

  private connect(gen: number, url: string) {
    let opened = false;
    const onOpen = () => {
      if (gen !== this.generation) return;
      opened = true;
      this.attempt = 0;
      this.failuresOnTransport = 0;
      this.setState('open');
      this.opts.onOpen?.(this.transport);
    };
    const onData = (data: unknown) => {
      if (gen !== this.generation || typeof data !== 'string' || !data.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        return;
      }
      this.opts.onMessage(parsed);
    };
    const onDown = () => {
      if (gen !== this.generation || this.stopped) return;
      this.closeSockets();
      if (!opened) {
        this.failuresOnTransport++;
        this.opts.onRefused?.(this.transport);
        const other: Transport = this.transport === 'ws' ? 'sse' : 'ws';
        const otherAvailable = other === 'ws' ? typeof WebSocket !== 'undefined' : typeof EventSource !== 'undefined';
        if (this.failuresOnTransport >= this.opts.switchAfter && otherAvailable) {
          this.transport = other;
          this.failuresOnTransport = 0;
        }
      }
      this.schedule();
    };

    try {
      if (this.transport === 'ws') {
        const ws = new WebSocket(url.replace(/^http/, 'ws'));
        this.ws = ws;
        ws.onopen = onOpen;
        ws.onmessage = (e) => onData(e.data);
        ws.onclose = onDown;
        ws.onerror = () => {
          /* a close event follows */
        };
      } else {
        const es = new EventSource(url);
        this.es = es;
        es.onopen = onOpen;
        es.onmessage = (e) => onData(e.data);
        // EventSource would retry by itself; take over so catch-up and backoff stay ours.
        es.onerror = onDown;
      }
    } catch {
      onDown();
    }
  }

  private schedule() {
    if (this.stopped) return;
    const delay = this.nextDelay();
    this.attempt++;
    this.setState('waiting');
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.open();
    }, delay);
  }
}
