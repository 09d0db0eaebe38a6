import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { ApiState } from '../api/use-api';
import { Empty, ErrorBox, Loading } from './states';

/** True when the server refused the caller (RBAC), as opposed to the thing being absent or broken. */
export const isForbidden = (e: unknown): boolean => e instanceof ApiError && (e.status === 403 || e.status === 401);

/** What a caller sees where RBAC hides something: a calm note, not a crash. */
export function NotAvailable({ what }: { what: string }) {
  return (
    <Empty title="Not available to you">
      Your account may not see {what}. Ask a platform admin if you need it.
    </Empty>
  );
}

/**
 * {@link Async} that tells a refusal (403) apart from a failure: the operations pages read
 * admin-only APIs (audit, users), which a non-admin sees as "not available to you".
 */
export function OpsAsync<T>({ state, what, children }: { state: ApiState<T>; what: string; children: (data: T) => ReactNode }) {
  if (state.error && state.data === undefined) {
    if (isForbidden(state.error)) return <NotAvailable what={what} />;
    return <ErrorBox error={state.error} onRetry={state.reload} />;
  }
  if (state.data === undefined) return <Loading what={what} />;
  return (
    <>
      {state.error && !isForbidden(state.error) && <ErrorBox error={state.error} onRetry={state.reload} />}
      {children(state.data)}
    </>
  );
}

/** Calls `fn` every `ms` while mounted (and once at once); the latest `fn` is used, so callers need not memoize it. */
export function useInterval(fn: () => void, ms: number | null): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (ms === null) return;
    ref.current();
    const t = setInterval(() => ref.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}

/** A number for people: at most `digits` decimals, no trailing zeros; '—' for null/NaN. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Number(v.toFixed(digits)).toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** A share (0..1) as a percentage. */
export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)} %`;
}

/** A duration in ms, human-sized. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${fmt(s, 1)} s`;
  if (s < 7200) return `${fmt(s / 60, 1)} min`;
  if (s < 172800) return `${fmt(s / 3600, 1)} h`;
  return `${fmt(s / 86400, 1)} d`;
}

/**
 * What a refusal's details list as unmet: a policy violation's `unmet` ({policy, detail}) or a
 * gate's `checklist.conditions` ({label, why, passed}).
 */
export function unmetOf(error: unknown): { name: string; why: string }[] {
  const d = error instanceof ApiError ? (error.details as { unmet?: { policy?: string; detail?: string }[]; checklist?: { conditions?: { label: string; why: string; passed: boolean }[] } } | undefined) : undefined;
  if (Array.isArray(d?.unmet)) return d.unmet.map((u) => ({ name: `policy ${u.policy ?? '?'}`, why: u.detail ?? '' }));
  if (Array.isArray(d?.checklist?.conditions)) return d.checklist.conditions.filter((c) => !c.passed).map((c) => ({ name: c.label, why: c.why }));
  return [];
}

/** The server's refusal, shown as it said it, with the conditions it listed (if any). */
export function Refusal({ error, title }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  const unmet = unmetOf(error);
  return (
    <div className="state error" role="alert">
      {title && <strong>{title} </strong>}
      <span className="refusal-message">{message}</span>
      {unmet.length > 0 && (
        <ul className="refusal-unmet">
          {unmet.map((u, i) => (
            <li key={i}>
              <strong>{u.name}</strong>: {u.why}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
