import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { t } from '../i18n';

const control =
  'mt-1 block w-full rounded-lg border bg-white px-3 py-2 text-base text-gray-900 shadow-sm placeholder:text-gray-500 focus:border-brand-700 focus:outline-none focus:ring-2 focus:ring-brand-700 disabled:bg-gray-100';

function describedBy(...ids: unknown[]) {
  const s = ids.filter((x): x is string => typeof x === 'string' && x.length > 0).join(' ');
  return s || undefined;
}

interface Common {
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  optional?: boolean;
}

function Label({ htmlFor, label, optional }: { htmlFor: string; label: ReactNode; optional?: boolean }) {
  return (
    <label htmlFor={htmlFor} className="block text-sm font-medium text-gray-900">
      {label}
      {optional && <span className="ml-1 font-normal text-gray-700">({t('common.optional')})</span>}
    </label>
  );
}

function Messages({ hintId, errorId, hint, error }: { hintId: string; errorId: string; hint?: ReactNode; error?: string }) {
  return (
    <>
      {hint && (
        <p id={hintId} className="mt-1 text-sm text-gray-700">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="mt-1 text-sm font-medium text-red-800">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </>
  );
}

export function TextField({ label, error, hint, optional, id, className = '', ...rest }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = `${fid}-hint`;
  const errorId = `${fid}-error`;
  return (
    <div className={className}>
      <Label htmlFor={fid} label={label} optional={optional} />
      <input
        id={fid}
        className={`${control} ${error ? 'border-red-700' : 'border-gray-500'}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint && hintId, error && errorId)}
        {...rest}
      />
      <Messages hintId={hintId} errorId={errorId} hint={hint} error={error} />
    </div>
  );
}

export function TextArea({
  label,
  error,
  hint,
  optional,
  id,
  className = '',
  ...rest
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = `${fid}-hint`;
  const errorId = `${fid}-error`;
  return (
    <div className={className}>
      <Label htmlFor={fid} label={label} optional={optional} />
      <textarea
        id={fid}
        rows={4}
        className={`${control} ${error ? 'border-red-700' : 'border-gray-500'}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint && hintId, error && errorId)}
        {...rest}
      />
      <Messages hintId={hintId} errorId={errorId} hint={hint} error={error} />
    </div>
  );
}

export function SelectField({
  label,
  error,
  hint,
  optional,
  id,
  className = '',
  children,
  ...rest
}: Common & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = `${fid}-hint`;
  const errorId = `${fid}-error`;
  return (
    <div className={className}>
      <Label htmlFor={fid} label={label} optional={optional} />
      <select
        id={fid}
        className={`${control} ${error ? 'border-red-700' : 'border-gray-500'}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hint && hintId, error && errorId)}
        {...rest}
      >
        {children}
      </select>
      <Messages hintId={hintId} errorId={errorId} hint={hint} error={error} />
    </div>
  );
}

export function Checkbox({
  label,
  hint,
  id,
  className = '',
  ...rest
}: { label: ReactNode; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = `${fid}-hint`;
  return (
    <div className={`flex items-start gap-3 ${className}`}>
      <input
        id={fid}
        type="checkbox"
        className="mt-1 h-5 w-5 shrink-0 rounded border-gray-600 text-brand-700 focus:ring-2 focus:ring-brand-700"
        aria-describedby={hint ? hintId : undefined}
        {...rest}
      />
      <div>
        <label htmlFor={fid} className="text-sm font-medium text-gray-900">
          {label}
        </label>
        {hint && (
          <p id={hintId} className="text-sm text-gray-700">
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}

/** Moves focus to the first invalid control inside a form (after React has rendered the errors). */
export function focusFirstInvalid(form: HTMLElement | null): void {
  if (!form) return;
  setTimeout(() => {
    const el = form.querySelector<HTMLElement>('[aria-invalid="true"]');
    el?.focus();
  }, 0);
}
