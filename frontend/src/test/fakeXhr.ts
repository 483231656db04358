import { vi } from 'vitest';

/** A stand-in for XMLHttpRequest (uploads), answering with progress events then a reply. */
export function installFakeXhr(respond: (xhr: FakeXhr) => { status: number; body: unknown }, delayMs = 150) {
  const sent: FakeXhr[] = [];
  class FakeXhr {
    method = '';
    url = '';
    headers: Record<string, string> = {};
    body: FormData | null = null;
    status = 0;
    responseText = '';
    upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(k: string, v: string) {
      this.headers[k.toLowerCase()] = v;
    }
    abort() {
      this.onabort?.();
    }
    send(body: FormData) {
      this.body = body;
      sent.push(this);
      setTimeout(() => {
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
        setTimeout(() => {
          const r = respond(this);
          this.status = r.status;
          this.responseText = JSON.stringify(r.body);
          this.onload?.();
        }, delayMs);
      }, 5);
    }
  }
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  return { sent };
}
export type FakeXhr = InstanceType<ReturnType<typeof fakeXhrClass>>;
// helper only for the type above
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used
function fakeXhrClass() {
  return class {
    method = '';
    url = '';
    headers: Record<string, string> = {};
    body: FormData | null = null;
  };
}
