import { useState, type FormEvent } from 'react';
import { BrowserRouter, NavLink, Navigate, Route, Routes, useLocation, useNavigate, useRoutes } from 'react-router-dom';
import { SessionProvider, useSession } from './api/session';
import { ErrorBox, Loading } from './components/states';
import { LoginPage } from './pages/login';
import { HomePage } from './pages/home';
import { NotFoundPage } from './pages/not-found';
import type { Area, NavItem } from './nav';
import { trackingArea } from './pages/tracking';
import { modelsArea } from './pages/models';
import { datasetsArea } from './pages/datasets';
import { deploymentsArea } from './pages/deployments';
import { monitoringArea } from './pages/monitoring';
import { pipelinesArea } from './pages/pipelines';
import { orgArea } from './pages/org';

/** Every area of the UI; each owns its folder under pages/. */
const AREAS: Area[] = [trackingArea, modelsArea, datasetsArea, pipelinesArea, deploymentsArea, monitoringArea, orgArea];
const NAV: NavItem[] = AREAS.flatMap((a) => a.nav);
const GROUPS: NavItem['group'][] = ['Build', 'Operate', 'Organization'];

function AreaRoutes() {
  return useRoutes([{ path: '/', element: <HomePage /> }, ...AREAS.flatMap((a) => a.routes), { path: '*', element: <NotFoundPage /> }]);
}

/** Search across projects, models, datasets, deployments and pipelines from any page. */
function SidebarSearch() {
  const [q, setQ] = useState('');
  const navigate = useNavigate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim()) navigate(`/org/catalog?q=${encodeURIComponent(q.trim())}`);
  };
  return (
    <form role="search" className="sidebar-search" onSubmit={submit}>
      <label>
        <span className="visually-hidden">Search the catalog</span>
        <input type="search" placeholder="Search…" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
    </form>
  );
}

function Shell() {
  const { session, loading, error, logout } = useSession();
  const location = useLocation();
  if (loading) return <Loading what="Flywheel" />;
  if (error) return <ErrorBox error={error} />;
  if (!session) return <Loading />;
  // A server that admits no anonymous caller shows its login page first.
  if (!session.user && session.anonymous === 'off' && location.pathname !== '/login') {
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  if (location.pathname === '/login') return <LoginPage />;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <NavLink to="/" className="brand" end>
          <span aria-hidden="true">◎</span> Flywheel
        </NavLink>
        <SidebarSearch />
        {GROUPS.map((g) => {
          const items = NAV.filter((n) => n.group === g && (!n.adminOnly || !session.user || session.user.isAdmin));
          if (!items.length) return null;
          return (
            <div key={g} className="nav-group">
              <h2>{g}</h2>
              <ul>
                {items.map((n) => (
                  <li key={n.to}>
                    <NavLink to={n.to}>{n.label}</NavLink>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
        <div className="who">
          {session.user ? (
            <>
              <span title="Signed in">{session.user.username}</span>
              <button type="button" className="link" onClick={() => void logout()}>
                Log out
              </button>
            </>
          ) : (
            <>
              <span className="muted">anonymous ({session.anonymous === 'full' ? 'local, full access' : session.anonymous === 'read' ? 'read only' : 'no access'})</span>
              <NavLink to="/login">Log in</NavLink>
            </>
          )}
        </div>
      </nav>
      <main id="main" tabIndex={-1}>
        <AreaRoutes />
      </main>
    </div>
  );
}

export function App() {
  return (
    <BrowserRouter basename="/ui">
      <SessionProvider>
        <Routes>
          <Route path="*" element={<Shell />} />
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}
