import { useId, useRef, type Dispatch, type SetStateAction } from 'react';
import { uploadFile } from '../api/upload';
import { ApiError, errorMessage } from '../api/client';
import { t } from '../i18n';
import { Button } from './ui';

export const MAX_PHOTOS = 5;
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export interface PhotoItem {
  key: string;
  name: string;
  preview: string;
  progress: number;
  state: 'uploading' | 'done' | 'error';
  url?: string;
  error?: string;
  /** False when sending the same file again cannot help (wrong type, too large, refused). */
  retryable?: boolean;
  file: File;
}

/** Upload refusals about the file itself: retrying the same bytes gives the same answer. */
const FINAL_UPLOAD_STATUSES = [413, 415, 422];

let seq = 0;

function createPreview(file: File): string {
  try {
    return URL.createObjectURL(file);
  } catch {
    return '';
  }
}

export function revokePreviews(items: PhotoItem[]): void {
  for (const p of items) {
    if (p.preview && p.preview.startsWith('blob:')) {
      try {
        URL.revokeObjectURL(p.preview);
      } catch {
        /* ignore */
      }
    }
  }
}

/**
 * Picks photos, shows previews, uploads each one at once with a progress bar
 * (POST /files/upload). The list lives in the parent so it survives wizard steps.
 */
export function PhotoUploader({ items, setItems }: { items: PhotoItem[]; setItems: Dispatch<SetStateAction<PhotoItem[]>> }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const status = useRef<HTMLParagraphElement>(null);

  const update = (key: string, patch: Partial<PhotoItem>) => setItems((prev) => prev.map((p) => (p.key === key ? { ...p, ...patch } : p)));

  const start = (item: PhotoItem) => {
    update(item.key, { state: 'uploading', progress: 0, error: undefined, retryable: undefined });
    uploadFile(item.file, (f) => update(item.key, { progress: f }))
      .then((res) => update(item.key, { state: 'done', progress: 1, url: res.url }))
      .catch((err) =>
        update(item.key, {
          state: 'error',
          error: errorMessage(err),
          retryable: !(err instanceof ApiError && FINAL_UPLOAD_STATUSES.includes(err.status)),
        }),
      );
  };

  const onFiles = (files: FileList | null) => {
    if (!files) return;
    const room = MAX_PHOTOS - items.length;
    const picked = Array.from(files);
    const rejected: string[] = [];
    const accepted: PhotoItem[] = [];
    for (const file of picked) {
      if (accepted.length >= room) {
        rejected.push(t('photos.tooMany', { max: MAX_PHOTOS }));
        break;
      }
      if (!PHOTO_TYPES.includes(file.type)) {
        rejected.push(t('photos.badType', { name: file.name }));
        continue;
      }
      if (file.size > MAX_PHOTO_BYTES) {
        rejected.push(t('photos.tooBig', { name: file.name }));
        continue;
      }
      accepted.push({ key: `p${++seq}`, name: file.name, preview: createPreview(file), progress: 0, state: 'uploading', file });
    }
    if (accepted.length) {
      setItems((prev) => [...prev, ...accepted]);
      accepted.forEach(start);
    }
    if (status.current) status.current.textContent = rejected.join(' ');
    if (input.current) input.current.value = '';
  };

  const remove = (item: PhotoItem) => {
    revokePreviews([item]);
    setItems((prev) => prev.filter((p) => p.key !== item.key));
  };

  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-gray-900">
        {t('photos.label')} <span className="font-normal text-gray-700">({t('common.optional')})</span>
      </label>
      <p id={`${id}-hint`} className="text-sm text-gray-700">
        {t('photos.hint', { max: MAX_PHOTOS })}
      </p>
      <input
        ref={input}
        id={id}
        type="file"
        accept={PHOTO_TYPES.join(',')}
        multiple
        disabled={items.length >= MAX_PHOTOS}
        aria-describedby={`${id}-hint ${id}-status`}
        onChange={(e) => onFiles(e.target.files)}
        className="mt-2 block w-full text-sm text-gray-900 file:mr-3 file:min-h-[44px] file:rounded-lg file:border-0 file:bg-brand-700 file:px-4 file:py-2 file:font-semibold file:text-white hover:file:bg-brand-800"
      />
      <p id={`${id}-status`} ref={status} role="status" className="mt-1 text-sm font-medium text-red-800" />

      {items.length > 0 && (
        <ul className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3" aria-label={t('photos.listLabel')}>
          {items.map((p) => {
            const pct = Math.round(p.progress * 100);
            return (
              <li key={p.key} className="overflow-hidden rounded-lg bg-white ring-1 ring-gray-300">
                {p.preview ? (
                  <img src={p.preview} alt={t('photos.previewAlt', { name: p.name })} className="h-28 w-full object-cover" />
                ) : (
                  <div className="flex h-28 items-center justify-center bg-gray-100 text-sm text-gray-700">{p.name}</div>
                )}
                <div className="space-y-1 p-2">
                  <p className="truncate text-xs text-gray-900" title={p.name}>
                    {p.name}
                  </p>
                  {p.state === 'uploading' && (
                    <>
                      <progress
                        className="h-2 w-full accent-brand-700"
                        max={100}
                        value={pct}
                        aria-label={t('photos.progress', { name: p.name })}
                      />
                      <p className="text-xs text-gray-800">{t('photos.uploading', { pct })}</p>
                    </>
                  )}
                  {p.state === 'done' && <p className="text-xs font-medium text-green-800">{t('photos.uploaded')}</p>}
                  {p.state === 'error' && (
                    <>
                      <p className="text-xs font-medium text-red-800" role="alert">
                        {p.error}
                      </p>
                      {p.retryable !== false && (
                        <Button variant="ghost" className="!min-h-[36px] !px-2 text-xs" onClick={() => start(p)}>
                          {t('common.retry')}
                        </Button>
                      )}
                    </>
                  )}
                  <Button
                    variant="ghost"
                    className="!min-h-[36px] !px-2 text-xs"
                    onClick={() => remove(p)}
                    aria-label={t('photos.remove', { name: p.name })}
                  >
                    {t('common.remove')}
                  </Button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
