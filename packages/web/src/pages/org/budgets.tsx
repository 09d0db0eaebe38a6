import { useState } from 'react';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel, When } from '../../components/page';
import { Empty } from '../../components/states';
import { EChart } from '../../components/echart';
import { PALETTE } from '../../components/line-chart';
import { OpsAsync, fmt } from '../../components/ops-common';
import type { BudgetStatus, TeamNode, TeamSpend } from './types';

const money = (v: number) => v.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const flatten = (nodes: TeamNode[]): string[] => nodes.flatMap((n) => [n.name, ...flatten(n.children)]);

/** Budgets with this period's spend, the cost rates, and one team's spend. */
export function BudgetsPage() {
  const budgets = useApi((signal) => api.get<{ budgets: BudgetStatus[] }>('/api/v1/budgets', undefined, signal), []);
  const rates = useApi((signal) => api.get<{ rates: { compute_second: number; storage_gb_month: number } }>('/api/v1/cost/rates', undefined, signal), []);
  return (
    <Page title="Budgets and cost" subtitle="What each team spends on compute this month, against its budget">
      <Panel title="Budgets this period">
        <OpsAsync state={budgets} what="budgets">
          {({ budgets: list }) =>
            list.length === 0 ? (
              <Empty title="No budgets yet">
                Platform admins set a monthly budget per team (<code>POST /api/v1/budgets</code> {'{"name", "team", "amount", "period": "month", "enforce"}'}); alerts fire at 50, 80 and 100 %, and an enforced budget refuses new runs once spent.
              </Empty>
            ) : (
              <>
                <EChart
                  height={Math.max(140, list.length * 48 + 60)}
                  label="Spend against budget per budget"
                  option={{
                    grid: { left: 110, right: 24, top: 30, bottom: 24 },
                    legend: { top: 0 },
                    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
                    xAxis: { type: 'value' },
                    yAxis: { type: 'category', data: list.map((b) => b.name) },
                    series: [
                      { name: 'budget', type: 'bar', data: list.map((b) => b.amount), itemStyle: { color: '#c9d3dd' }, barGap: '-100%' },
                      { name: 'spend', type: 'bar', data: list.map((b) => ({ value: b.spend, itemStyle: { color: b.percent >= 100 ? '#b42318' : b.percent >= 80 ? PALETTE[4] : PALETTE[0] } })) },
                    ],
                  }}
                />
                <table className="simple">
                  <thead>
                    <tr>
                      <th scope="col">Budget</th>
                      <th scope="col">Team</th>
                      <th scope="col" className="num">Spend</th>
                      <th scope="col" className="num">Amount</th>
                      <th scope="col">Used</th>
                      <th scope="col" className="num">Compute</th>
                      <th scope="col">Enforced</th>
                      <th scope="col">Alerts this period</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((b) => (
                      <tr key={b.name}>
                        <th scope="row">{b.name}</th>
                        <td>{b.team}</td>
                        <td className="num">{money(b.spend)}</td>
                        <td className="num">{money(b.amount)}</td>
                        <td>
                          <span className="org-meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.min(100, b.percent)} aria-label={`${b.name} used`}>
                            <span style={{ width: `${Math.min(100, b.percent)}%` }} className={b.percent >= 100 ? 'bad' : b.percent >= 80 ? 'warn' : ''} />
                          </span>{' '}
                          {fmt(b.percent, 1)} %
                        </td>
                        <td className="num">{fmt(b.computeSeconds / 3600, 2)} h</td>
                        <td>{b.enforce ? <Badge tone="warn">refuses runs when spent</Badge> : 'alerts only'}</td>
                        <td>
                          {b.alerts.length === 0 ? <span className="muted">none</span> : b.alerts.map((a) => (
                            <span key={a.threshold} className="org-alert">
                              <Badge tone={a.threshold >= 100 ? 'bad' : 'warn'}>{a.threshold} %</Badge> <When at={a.at} />
                            </span>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="muted">
                  Period <When at={list[0]!.periodStart} /> to <When at={list[0]!.periodEnd} />.
                </p>
              </>
            )
          }
        </OpsAsync>
      </Panel>
      <div className="grid-2">
        <Panel title="Cost rates">
          <OpsAsync state={rates} what="cost rates">
            {({ rates: r }) => (
              <dl className="facts">
                <dt>Compute, per second</dt>
                <dd>{r.compute_second}</dd>
                <dt>Storage, per GB-month</dt>
                <dd>{r.storage_gb_month}</dd>
              </dl>
            )}
          </OpsAsync>
        </Panel>
        <TeamSpendPanel />
      </div>
    </Page>
  );
}

function TeamSpendPanel() {
  const teams = useApi((signal) => api.get<{ teams: TeamNode[] }>('/api/v1/teams', undefined, signal), []);
  const [team, setTeam] = useState('');
  const spend = useApi(team ? (signal) => api.get<{ spend: TeamSpend }>(`/api/v1/cost/teams/${encodeURIComponent(team)}`, undefined, signal) : null, [team]);
  return (
    <Panel title="A team's spend this month">
      <OpsAsync state={teams} what="teams">
        {({ teams: tree }) =>
          tree.length === 0 ? (
            <p className="muted">No teams yet.</p>
          ) : (
            <>
              <label>
                Team
                <select value={team} onChange={(e) => setTeam(e.target.value)}>
                  <option value="">choose a team</option>
                  {flatten(tree).map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </label>
              {team && (
                <OpsAsync state={spend} what="the team's spend">
                  {({ spend: s }) => (
                    <dl className="facts org-spend">
                      <dt>Period</dt>
                      <dd>{s.period}</dd>
                      <dt>Compute time</dt>
                      <dd>{fmt(s.computeSeconds / 3600, 2)} h</dd>
                      <dt>Compute cost</dt>
                      <dd>{money(s.compute)}</dd>
                      {s.replicaSeconds !== undefined && (
                        <>
                          <dt>Serving replicas</dt>
                          <dd>
                            {fmt(s.replicaSeconds / 3600, 2)} replica-hours · {money(s.replicas ?? 0)}
                          </dd>
                        </>
                      )}
                      {s.storageBytes !== undefined && (
                        <>
                          <dt>Storage</dt>
                          <dd>
                            {fmt(s.storageBytes / 1e9, 3)} GB · {money(s.storage ?? 0)}
                            {s.storageMeasuredAt ? <span className="muted"> (measured {new Date(s.storageMeasuredAt).toLocaleString()})</span> : null}
                          </dd>
                        </>
                      )}
                      <dt>Total</dt>
                      <dd>
                        <strong>{money(s.spend)}</strong>
                      </dd>
                    </dl>
                  )}
                </OpsAsync>
              )}
            </>
          )
        }
      </OpsAsync>
    </Panel>
  );
}
