import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, When } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync } from '../../components/ops-common';
import { STAGES, STAGE_LABEL, type Project } from './types';

/** Every project on a board by stage, overdue POCs flagged. */
export function ProjectsPage() {
  const state = useApi((signal) => api.get<{ projects: Project[] }>('/api/v1/projects', { maxResults: 1000 }, signal), []);
  return (
    <Page title="Projects" subtitle="From idea to production: each move passes its stage gate">
      <OpsAsync state={state} what="projects">
        {({ projects }) =>
          projects.length === 0 ? (
            <Empty title="No projects yet">
              A project starts as an idea with its business case: <code>flywheel project create --file churn.json</code>. Its gate checklist then says what a POC needs.
            </Empty>
          ) : (
            <>
              {projects.some((p) => p.overdue) && (
                <p className="org-overdue-note" role="note">
                  <Badge tone="bad">{projects.filter((p) => p.overdue).length} overdue</Badge> POCs past their end date: decide to move them on or retire them.
                </p>
              )}
              <div className="org-board" role="list" aria-label="Projects by stage">
                {STAGES.map((stage) => {
                  const inStage = projects.filter((p) => p.stage === stage);
                  return (
                    <section key={stage} className="org-column" role="listitem" aria-labelledby={`stage-${stage}`}>
                      <h2 id={`stage-${stage}`}>
                        {STAGE_LABEL[stage]} <span className="muted">({inStage.length})</span>
                      </h2>
                      <ul>
                        {inStage.map((p) => (
                          <li key={p.name} className={`org-card${p.overdue ? ' org-overdue' : ''}`}>
                            <Link to={`/org/projects/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                            {p.overdue && (
                              <>
                                {' '}
                                <Badge tone="bad">overdue</Badge>
                              </>
                            )}
                            {p.description && <p className="org-card-desc">{p.description}</p>}
                            <p className="muted org-card-meta">
                              {p.ownerTeam ?? 'no owner team'}
                              {p.stage === 'poc' && p.pocEndDate ? (
                                <>
                                  {' '}
                                  · ends <When at={p.pocEndDate} />
                                </>
                              ) : null}
                            </p>
                          </li>
                        ))}
                      </ul>
                    </section>
                  );
                })}
              </div>
            </>
          )
        }
      </OpsAsync>
    </Page>
  );
}
