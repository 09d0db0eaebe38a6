import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { Badge, Page, Panel } from '../../components/page';
import { Empty } from '../../components/states';
import { OpsAsync, isForbidden } from '../../components/ops-common';
import type { TeamNode, TeamWithMembers, User } from './types';

const SKILL_LABEL = (s: string) => s.replace(/_/g, ' ');

function TeamTree({ nodes, current }: { nodes: TeamNode[]; current?: string }) {
  return (
    <ul className="org-tree">
      {nodes.map((n) => (
        <li key={n.name}>
          <Link to={`/org/teams/${encodeURIComponent(n.name)}`} aria-current={n.name === current ? 'page' : undefined} className={n.name === current ? 'org-current' : undefined}>
            {n.name}
          </Link>
          {n.description && <span className="muted"> — {n.description}</span>}
          {n.children.length > 0 && <TeamTree nodes={n.children} current={current} />}
        </li>
      ))}
    </ul>
  );
}

/** Teams as a tree; a chosen team's members with their roles and skills. */
export function TeamsPage() {
  const name = useParams().name;
  const tree = useApi((signal) => api.get<{ teams: TeamNode[] }>('/api/v1/teams', undefined, signal), []);
  return (
    <Page title="Teams" subtitle="Who builds what, and which skills each team covers">
      <div className="org-split">
        <Panel title="All teams">
          <OpsAsync state={tree} what="teams">
            {({ teams }) =>
              teams.length === 0 ? (
                <Empty title="No teams yet">
                  Platform admins create teams with <code>POST /api/v1/teams</code> (or declare them in a config file for <code>flywheel apply</code>) and add members with a role.
                </Empty>
              ) : (
                <TeamTree nodes={teams} current={name} />
              )
            }
          </OpsAsync>
        </Panel>
        {name ? <TeamDetail name={name} /> : (
          <Panel title="Members">
            <p className="muted">Choose a team to see its members and their skills.</p>
          </Panel>
        )}
      </div>
    </Page>
  );
}

function TeamDetail({ name }: { name: string }) {
  const team = useApi((signal) => api.get<TeamWithMembers>(`/api/v1/teams/${encodeURIComponent(name)}`, undefined, signal), [name]);
  // Skills live on user profiles: one read of the user list (admins and members may read it).
  const users = useApi((signal) => api.get<{ users: User[] }>('/api/v1/users', { maxResults: 1000 }, signal), []);
  const byName = new Map((users.data?.users ?? []).map((u) => [u.username, u]));
  return (
    <Panel title={`Team ${name}`}>
      <OpsAsync state={team} what="the team">
        {(t) => {
          const skills = [...new Set(t.members.flatMap((m) => byName.get(m.username)?.skills ?? []))].sort();
          return (
            <>
              {t.description && <p>{t.description}</p>}
              {t.parent && (
                <p className="muted">
                  Part of <Link to={`/org/teams/${encodeURIComponent(t.parent)}`}>{t.parent}</Link>
                </p>
              )}
              {t.members.length === 0 ? (
                <p className="muted">No members yet. Team admins add them: <code>PUT /api/v1/teams/{name}/members/USERNAME</code> with a role.</p>
              ) : (
                <table className="simple" aria-label={`Members of ${name}`}>
                  <thead>
                    <tr>
                      <th scope="col">Member</th>
                      <th scope="col">Role</th>
                      <th scope="col">Skills</th>
                    </tr>
                  </thead>
                  <tbody>
                    {t.members.map((m) => {
                      const u = byName.get(m.username);
                      return (
                        <tr key={m.username}>
                          <th scope="row">
                            {m.displayName || m.username} <span className="muted">@{m.username}</span>
                          </th>
                          <td>
                            <Badge tone={m.role === 'admin' ? 'info' : 'neutral'}>{m.role}</Badge>
                          </td>
                          <td>
                            {users.error && isForbidden(users.error) ? (
                              <span className="muted">not available to you</span>
                            ) : u?.skills.length ? (
                              u.skills.map((s) => (
                                <span key={s} className="org-skill">
                                  {SKILL_LABEL(s)}
                                </span>
                              ))
                            ) : (
                              <span className="muted">none recorded</span>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              {skills.length > 0 && (
                <p className="muted">
                  Together the team covers: {skills.map(SKILL_LABEL).join(', ')}.
                </p>
              )}
              {t.children.length > 0 && (
                <p>
                  Sub-teams:{' '}
                  {t.children.map((c, i) => (
                    <span key={c}>
                      {i > 0 && ', '}
                      <Link to={`/org/teams/${encodeURIComponent(c)}`}>{c}</Link>
                    </span>
                  ))}
                </p>
              )}
            </>
          );
        }}
      </OpsAsync>
    </Panel>
  );
}
