import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { ApiState } from '../api/use-api';
import { Async, Empty } from './states';

/** True for the answers a user gets for what they may not see (RBAC hides as 404 or refuses with 403). */
export function isNotAvailable(e: Error | null | undefined): boolean {
  return e instanceof ApiError && (e.status === 403 || e.status === 404);
}

/**
 * {@link Async} for a page about one thing (a run, a model, a dataset): a 403 or 404 reads as "not
 * available to you" — the server does not say which, on purpose — instead of an error box.
 */
export function GuardedAsync<T>({ state, what, children }: { state: ApiState<T>; what: string; children: (data: T) => ReactNode }) {
  if (state.data === undefined && isNotAvailable(state.error)) {
    return (
      <Empty title={`This ${what} is not available to you`}>
        {state.error?.message} It may not exist, or it belongs to a team you are not part of.
      </Empty>
    );
  }
  return <Async state={state} what={what}>{children}</Async>;
}
