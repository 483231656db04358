import { API_BASE } from './config';
import { ApiError, errorFromBody, networkError, withSession } from './client';
import type { UploadResult } from './types';
import { t } from '../i18n';

/**
 * Uploads one file as multipart field `file` to POST /files/upload, reporting progress
 * (0..1). XMLHttpRequest is used because fetch has no upload progress events. An expired
 * token is renewed and the file sent again (withSession), as for every other call.
 */
export function uploadFile(file: File, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<UploadResult> {
  return withSession((token) => sendFile(file, token, onProgress, signal));
}

function sendFile(file: File, token: string | null, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API_BASE}/files/upload`);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body && typeof (body as UploadResult).url === 'string') {
        onProgress?.(1);
        resolve(body as UploadResult);
        return;
      }
      if (xhr.status === 413 && !(body as { detail?: unknown })?.detail) {
        reject(new ApiError(413, t('upload.tooLarge')));
        return;
      }
      reject(errorFromBody(xhr.status || 0, body));
    };
    xhr.onerror = () => reject(networkError());
    xhr.onabort = () => reject(new DOMException('Aborted', 'AbortError'));
    if (signal) {
      if (signal.aborted) {
        reject(new DOMException('Aborted', 'AbortError'));
        return;
      }
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
