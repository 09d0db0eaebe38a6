import { Link } from 'react-router-dom';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { Page, Panel } from '../components/page';
import { Async } from '../components/states';

interface Counts {
  experiments: number;
  models: number;
  datasets: number;
  deployments: number;
  projects: number;
}

/** Counts what the caller can see; a list the caller may not read counts as unknown rather than failing the page. */
async function loadCounts(signal: AbortSignal): Promise<Partial<Counts>> {
  const count = async (path: string, key: string) => {
    try {
      const r = await api.get<Record<string, unknown[]>>(path, undefined, signal);
      return r[key]?.length;
    } catch {
      return undefined;
    }
  };
  const [experiments, models, datasets, deployments, projects] = await Promise.all([
    count('/api/v1/experiments', 'experiments'),
    count('/api/v1/models', 'models'),
    count('/api/v1/datasets', 'datasets'),
    count('/api/v1/deployments', 'deployments'),
    count('/api/v1/projects', 'projects'),
  ]);
  return { experiments, models, datasets, deployments, projects };
}

const TILES: { key: keyof Counts; label: string; to: string }[] = [
  { key: 'experiments', label: 'Experiments', to: '/experiments' },
  { key: 'models', label: 'Registered models', to: '/models' },
  { key: 'datasets', label: 'Datasets', to: '/datasets' },
  { key: 'deployments', label: 'Deployments', to: '/deployments' },
  { key: 'projects', label: 'Projects', to: '/org/projects' },
];

export function HomePage() {
  const counts = useApi(loadCounts, []);
  const origin = window.location.origin;
  return (
    <Page title="Overview" subtitle="Experiments to production, and the organization around it.">
      <Async state={counts} what="the overview">
        {(c) => (
          <>
            <ul className="tiles" aria-label="What this server holds">
              {TILES.map((t) => (
                <li key={t.key}>
                  <Link to={t.to} className="tile">
                    <span className="tile-value">{c[t.key] ?? '—'}</span>
                    <span className="tile-label">{t.label}</span>
                  </Link>
                </li>
              ))}
            </ul>
            {(c.models ?? 0) === 0 && (c.experiments ?? 0) <= 1 && (
              <Panel title="Getting started">
                <ol className="steps">
                  <li>
                    Run the demo to see the whole loop on this server: <code>npx flywheel demo</code>.
                  </li>
                  <li>
                    Point your training code at Flywheel with the MLflow client: <code>MLFLOW_TRACKING_URI={origin} python train.py</code>.
                  </li>
                  <li>
                    Register a dataset: <code>npx flywheel datasets register my-data train.csv</code>.
                  </li>
                  <li>
                    Deploy a registered ONNX model: <code>npx flywheel deploy create my-deployment --model my-model:1</code>.
                  </li>
                </ol>
              </Panel>
            )}
          </>
        )}
      </Async>
    </Page>
  );
}
