import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverBanner } from './program.js';

test('the start banner names the web UI, the MLflow tracking URI and the demo, with a reachable host', () => {
  const b = serverBanner('http://0.0.0.0:5000', 'all');
  assert.match(b, /web UI\s+http:\/\/127\.0\.0\.1:5000\/ui\//);
  assert.match(b, /MLFLOW_TRACKING_URI=http:\/\/127\.0\.0\.1:5000/);
  assert.match(b, /npx flywheel demo --url http:\/\/127\.0\.0\.1:5000/);
  assert.doesNotMatch(serverBanner('http://10.0.0.5:8080', 'gateway'), /web UI/);
  assert.match(serverBanner('http://10.0.0.5:8080', 'gateway'), /inference only/);
});
