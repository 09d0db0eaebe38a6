import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync } from '../../components/ops-common';
import { modelOf, type Deployment } from './types';

/** Every deployment with its variants and traffic split at a glance. */
export function DeploymentsPage() {
  const state = useApi((signal) => api.get<{ deployments: Deployment[] }>('/api/v1/deployments', undefined, signal), []);
  return (
    <Page title="Deployments" subtitle="Models serving traffic: variants, traffic split, live health">
      <OpsAsync state={state} what="deployments">
        {({ deployments }) =>
          deployments.length === 0 ? (
            <Empty title="No deployments yet">
              Register a model version with an ONNX artifact, then deploy it:{' '}
              <code>flywheel deploy create churn-prod --variant champion=churn:1:100</code>. It appears here with live request rate, latency and errors.
            </Empty>
          ) : (
            <table className="simple">
              <caption className="ops-sr-only">Deployments</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Variants (traffic share)</th>
                  <th scope="col" className="num">
                    Revision
                  </th>
                  <th scope="col">Updated</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {deployments.map((d) => (
                  <tr key={d.name}>
                    <td>
                      <Link to={`/deployments/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                    </td>
                    <td>
                      <ul className="ops-inline-list">
                        {d.config.variants.map((v) => (
                          <li key={v.name}>
                            <strong>{v.name}</strong> <span className="muted">{modelOf(v)}</span>{' '}
                            <Badge tone={v.role === 'primary' ? 'info' : v.role === 'canary' ? 'warn' : 'neutral'}>{v.role}</Badge>{' '}
                            {v.role === 'shadow' ? <span className="muted">mirror {Math.round((v.sample ?? 1) * 100)} %</span> : <span>{v.weight} %</span>}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td className="num">{d.revision}</td>
                    <td>
                      <When at={d.updatedAt} />
                    </td>
                    <td>{d.createdBy ?? <span className="muted">—</span>}</td>
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
