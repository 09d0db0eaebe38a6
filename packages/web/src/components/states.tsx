import type { ReactNode } from 'react';
import type { ApiState } from '../api/use-api';

export function Loading({ what }: { what?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading{what ? ` ${what}` : ''}…
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <strong>Something went wrong.</strong> {error.message}
      {onRetry && (
        <button type="button" className="link" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An empty state that tells a new user what to do next. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <h3>{title}</h3>
      {children && <div className="hint">{children}</div>}
    </div>
  );
}

/** Renders loading and error states of an {@link ApiState}, then `children(data)`. */
export function Async<T>({ state, what, children }: { state: ApiState<T>; what?: string; children: (data: T) => ReactNode }) {
  if (state.error && state.data === undefined) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading what={what} />;
  return (
    <>
      {state.error && <ErrorBox error={state.error} onRetry={state.reload} />}
      {children(state.data)}
    </>
  );
}
