import { useEffect, useId, useState } from 'react';

export interface ChosenColumns {
  metrics: string[];
  params: string[];
}

/** The metric and param columns a user picked for an experiment, remembered in this browser. */
export function useChosenColumns(experimentId: string, available: { metrics: string[]; params: string[] }, ready: boolean): [ChosenColumns, (c: ChosenColumns) => void] {
  const storageKey = `flywheel.runs.columns.${experimentId}`;
  const [chosen, setChosen] = useState<ChosenColumns | null>(() => {
    try {
      const raw = localStorage.getItem(storageKey);
      return raw ? (JSON.parse(raw) as ChosenColumns) : null;
    } catch {
      return null;
    }
  });
  // Nothing picked yet: the first few metrics and params, so a new user sees numbers at once.
  useEffect(() => {
    if (chosen === null && ready) setChosen({ metrics: available.metrics.slice(0, 4), params: available.params.slice(0, 3) });
  }, [chosen, ready, available]);
  const set = (c: ChosenColumns) => {
    setChosen(c);
    try {
      localStorage.setItem(storageKey, JSON.stringify(c));
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  };
  return [chosen ?? { metrics: [], params: [] }, set];
}

/** A disclosure listing every metric and param key with a checkbox each (searchable when there are many). */
export function ColumnPicker({ available, chosen, onChange }: { available: { metrics: string[]; params: string[] }; chosen: ChosenColumns; onChange: (c: ChosenColumns) => void }) {
  const [q, setQ] = useState('');
  const id = useId();
  const needle = q.trim().toLowerCase();
  const group = (kind: 'metrics' | 'params', title: string) => {
    const keys = available[kind].filter((k) => !needle || k.toLowerCase().includes(needle));
    const on = new Set(chosen[kind]);
    return (
      <fieldset>
        <legend>
          {title} ({on.size}/{available[kind].length})
        </legend>
        {keys.length === 0 && <p className="muted">None{needle ? ' match' : ' logged'}.</p>}
        {keys.map((k) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              checked={on.has(k)}
              onChange={() => onChange({ ...chosen, [kind]: on.has(k) ? chosen[kind].filter((x) => x !== k) : [...chosen[kind], k] })}
            />
            <span>{k}</span>
          </label>
        ))}
      </fieldset>
    );
  };
  return (
    <details className="picker">
      <summary>Columns ({chosen.metrics.length + chosen.params.length})</summary>
      <div className="picker-body">
        <label htmlFor={`${id}-q`} className="sr-only">
          Find a column
        </label>
        <input id={`${id}-q`} type="search" placeholder="Find a metric or param" value={q} onChange={(e) => setQ(e.target.value)} />
        <div className="picker-groups">
          {group('metrics', 'Metrics')}
          {group('params', 'Params')}
        </div>
      </div>
    </details>
  );
}
