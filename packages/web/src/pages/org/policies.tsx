import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync } from '../../components/ops-common';
import type { Policy, PolicyCondition } from './types';

const ACTIONS: Record<string, string> = {
  'model.alias_set': 'setting a model alias',
  'deployment.production': 'deploying to production',
  'project.stage': 'moving a project to a stage',
};

function describe(c: PolicyCondition): string {
  switch (c.type) {
    case 'model_card_approved':
      return 'the model card is Approved';
    case 'reviews':
      return `at least ${c.min} approving review${c.min === 1 ? '' : 's'}${c.excludeAuthor ? ' (not by the author)' : ''}`;
    case 'metric':
      return `${c.on === 'evaluation' ? 'evaluation' : 'run'} metric ${c.name} ${c.op} ${c.threshold}`;
    case 'fairness_gap':
      return `fairness gap of ${c.metric} at most ${c.max}`;
  }
}

/** The Center of Excellence's policies: what each governed action requires. */
export function PoliciesPage() {
  const state = useApi((signal) => api.get<{ policies: Policy[] }>('/api/v1/policies', undefined, signal), []);
  return (
    <Page title="Policies" subtitle="Conditions checked where the action happens; a refusal lists what is missing">
      <OpsAsync state={state} what="policies">
        {({ policies }) => {
          const live = policies.filter((p) => !p.deleted);
          return live.length === 0 ? (
            <Empty title="No policies yet">
              Platform admins declare them, e.g. &quot;the production alias needs an Approved model card and two reviews&quot;: <code>flywheel policy apply --file policy.json</code> or <code>POST /api/v1/policies</code>.
            </Empty>
          ) : (
            <table className="simple">
              <thead>
                <tr>
                  <th scope="col">Policy</th>
                  <th scope="col">Guards</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Requires</th>
                  <th scope="col">Version</th>
                </tr>
              </thead>
              <tbody>
                {live.map((p) => (
                  <tr key={p.name}>
                    <th scope="row">{p.name}</th>
                    <td>
                      {ACTIONS[p.action] ?? p.action}
                      {p.alias && (
                        <>
                          {' '}
                          <Badge tone="info">alias {p.alias}</Badge>
                        </>
                      )}
                    </td>
                    <td>{p.scope.team ? `team ${p.scope.team}` : 'every team'}</td>
                    <td>
                      <ul className="org-conditions">
                        {p.conditions.map((c, i) => (
                          <li key={i}>{describe(c)}</li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      v{p.version} · <When at={p.createdAt} /> by {p.createdBy}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </OpsAsync>
    </Page>
  );
}
