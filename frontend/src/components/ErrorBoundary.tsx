import { Component, type ErrorInfo, type ReactNode } from 'react';
import { t } from '../i18n';

/** Shows a recoverable message instead of a blank page when a screen fails to render. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidUpdate(prev: { resetKey?: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('SWMRA screen error', error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="rounded-xl bg-white p-6 ring-1 ring-gray-200">
        <h1 className="text-xl font-bold text-gray-900">{t('crash.title')}</h1>
        <p className="mt-2 text-gray-800">{t('crash.body')}</p>
        <button
          type="button"
          className="mt-4 rounded-lg bg-brand-700 px-4 py-2 font-semibold text-white hover:bg-brand-800"
          onClick={() => window.location.reload()}
        >
          {t('crash.reload')}
        </button>
      </div>
    );
  }
}
