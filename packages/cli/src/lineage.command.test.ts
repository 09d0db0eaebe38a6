import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLineage } from './lineage.command.js';

test('renders an upstream graph as a tree from the root, with attributes', () => {
  const text = renderLineage({
    root: 'model_version:churn/3',
    direction: 'upstream',
    nodes: [
      { id: 'model_version:churn/3', kind: 'model_version', label: 'churn v3', attributes: { stage: 'Production', aliases: null } },
      { id: 'run:r1', kind: 'run', label: 'brave-owl-1', attributes: { gitCommit: 'abc123' } },
      { id: 'dataset_version:sales/2', kind: 'dataset_version', label: 'sales v2', attributes: {} },
    ],
    edges: [
      { from: 'run:r1', to: 'model_version:churn/3', relation: 'registered_from' },
      { from: 'dataset_version:sales/2', to: 'run:r1', relation: 'trained_on' },
    ],
  });
  assert.equal(
    text,
    [
      'upstream of model_version:churn/3',
      '  churn v3  [model_version]  stage=Production',
      '    ← registered_from  brave-owl-1  [run]  gitCommit=abc123',
      '      ← trained_on  sales v2  [dataset_version]',
    ].join('\n'),
  );
});

test('says so when nothing is recorded', () => {
  const text = renderLineage({ root: 'run:x', direction: 'downstream', nodes: [{ id: 'run:x', kind: 'run', label: 'x', attributes: {} }], edges: [] });
  assert.match(text, /no downstream lineage recorded/);
});
