import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Page, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync, duration } from '../../components/ops-common';
import type { Monitor } from './types';

/** Every monitor: what it watches, against which reference, how often. */
export function MonitorsPage() {
  const state = useApi((signal) => api.get<{ monitors: Monitor[] }>('/api/v1/monitors', undefined, signal), []);
  return (
    <Page title="Monitors" subtitle="Quality, drift, data quality and fairness of deployments, window by window">
      <OpsAsync state={state} what="monitors">
        {({ monitors }) =>
          monitors.length === 0 ? (
            <Empty title="No monitors yet">
              A monitor compares a deployment&apos;s traffic with a reference (a dataset version, or a past window). Create one with{' '}
              <code>POST /api/v1/monitors</code>, e.g. <code>{'{"deployment": "churn", "reference": {"dataset": "churn-train", "version": 1}, "window": "1h"}'}</code>.
            </Empty>
          ) : (
            <table className="simple">
              <thead>
                <tr>
                  <th scope="col">Monitor</th>
                  <th scope="col">Deployment</th>
                  <th scope="col">Reference</th>
                  <th scope="col">Window</th>
                  <th scope="col">Sensitive attribute</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {monitors.map((m) => (
                  <tr key={m.id}>
                    <td>
                      <Link to={`/monitoring/monitors/${encodeURIComponent(m.id)}`}>{m.name}</Link>
                    </td>
                    <td>
                      <Link to={`/deployments/${encodeURIComponent(m.deployment)}`}>{m.deployment}</Link>
                    </td>
                    <td>{'dataset' in m.reference ? `${m.reference.dataset} v${m.reference.version}` : 'a past window of its traffic'}</td>
                    <td>{duration(m.windowMs)}</td>
                    <td>{m.sensitive ?? <span className="muted">—</span>}</td>
                    <td>
                      <When at={m.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </OpsAsync>
    </Page>
  );
}
