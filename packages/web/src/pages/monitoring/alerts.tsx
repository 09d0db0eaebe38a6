import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync, fmt } from '../../components/ops-common';
import type { AlertEvent, AlertRule } from './types';

const stateTone = (s: string) => (s === 'firing' ? 'bad' : s === 'resolved' ? 'good' : 'neutral');
const eventTone = (t: string) => (t === 'fired' || t === 'action_failed' || t === 'notify_failed' ? 'bad' : t === 'resolved' ? 'good' : t === 'not_enough_data' || t === 'suppressed' ? 'warn' : 'neutral');

/** Alert rules with their state, and the history of every rule (or one). */
export function AlertsPage() {
  const rules = useApi((signal) => api.get<{ rules: AlertRule[] }>('/api/v1/alerts', undefined, signal), []);
  const [rule, setRule] = useState('');
  const history = useApi((signal) => api.get<{ events: AlertEvent[] }>('/api/v1/alerts/history', { rule: rule || undefined, limit: 200 }, signal), [rule]);
  const names = new Map((rules.data?.rules ?? []).map((r) => [r.id, r.name]));
  return (
    <Page title="Alerts" subtitle="Rules over the monitors' metric series: state now, and what happened">
      <Panel title="Rules">
        <OpsAsync state={rules} what="alert rules">
          {({ rules: list }) =>
            list.length === 0 ? (
              <Empty title="No alert rules">
                A rule watches one metric of a monitor, e.g. accuracy below 0.8 over the last 3 windows: <code>flywheel alerts create --file rule.json</code> (see ALERTS.md for the fields).
              </Empty>
            ) : (
              <table className="simple">
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">State</th>
                    <th scope="col">Condition</th>
                    <th scope="col">Deployment</th>
                    <th scope="col" className="num">Last value</th>
                    <th scope="col">Last evaluated</th>
                    <th scope="col">Last fired</th>
                    <th scope="col">Severity</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((r) => (
                    <tr key={r.id}>
                      <th scope="row" className="ops-nowrap">
                        <button type="button" className="link" onClick={() => setRule(r.id)} aria-label={`Show the history of ${r.name}`}>
                          {r.name}
                        </button>
                        {!r.enabled && <Badge tone="neutral">disabled</Badge>}
                      </th>
                      <td>
                        <Badge tone={stateTone(r.state)}>{r.state}</Badge>
                      </td>
                      <td>
                        <code>
                          {r.aggregation}({r.metric}
                          {r.column ? `[${r.column}]` : ''}
                          {r.variant ? ` variant ${r.variant}` : ''}) {r.condition.op} {r.condition.threshold}
                        </code>{' '}
                        <span className="muted">{'points' in r.window ? `last ${r.window.points} points` : `last ${r.window.seconds} s`}</span>
                      </td>
                      <td>{r.deployment ? <Link to={`/deployments/${encodeURIComponent(r.deployment)}`}>{r.deployment}</Link> : r.monitorId ? <Link to={`/monitoring/monitors/${encodeURIComponent(r.monitorId)}`}>monitor</Link> : '—'}</td>
                      <td className="num">{fmt(r.lastValue, 4)}</td>
                      <td>
                        <When at={r.lastEvaluatedAt} />
                      </td>
                      <td>
                        <When at={r.lastFiredAt} />
                      </td>
                      <td>{r.severity}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </OpsAsync>
      </Panel>
      <Panel
        title="History"
        actions={
          <label className="ops-inline-label">
            Rule
            <select value={rule} onChange={(e) => setRule(e.target.value)}>
              <option value="">every rule</option>
              {[...names.entries()].map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <OpsAsync state={history} what="alert history">
          {({ events }) =>
            events.length === 0 ? (
              <p className="muted">Nothing happened yet{rule ? ' for this rule' : ''}: events appear when a rule fires, resolves, notifies or lacks data.</p>
            ) : (
              <table className="simple">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Rule</th>
                    <th scope="col">Event</th>
                    <th scope="col" className="num">Value</th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <When at={e.ts} />
                      </td>
                      <td>{names.get(e.ruleId) ?? e.ruleId}</td>
                      <td>
                        <Badge tone={eventTone(e.type)}>{e.type.replace(/_/g, ' ')}</Badge>
                      </td>
                      <td className="num">{fmt(e.value, 4)}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </OpsAsync>
      </Panel>
    </Page>
  );
}
