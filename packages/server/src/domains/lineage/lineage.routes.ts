import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { parseLineageRef, type LineageGraph, type LineageService } from './lineage.service.js';
import { accessOf, type Access, type AnonymousMode, type TeamLink } from '../org/access.js';

/**
 * Read checks of the domains that own the nodes: each throws NOT_FOUND for what the caller may
 * not read (exactly as the owning domain's own routes answer).
 */
export interface LineageGuards {
  model(access: Access, name: string): Promise<void>;
  dataset(access: Access, name: string): Promise<void>;
  run(access: Access, runId: string): Promise<void>;
  teamTree(): Promise<TeamLink[]>;
}

/** The graph without the nodes the caller may not read (and their edges): private work of another team stays invisible. */
async function visibleTo(access: Access, g: LineageGraph, guards: LineageGuards): Promise<LineageGraph> {
  const allowed = new Map<string, boolean>();
  const can = async (key: string, check: () => Promise<void>) => {
    let ok = allowed.get(key);
    if (ok === undefined) {
      ok = await check().then(() => true, () => false);
      allowed.set(key, ok);
    }
    return ok;
  };
  const keep = new Set<string>();
  for (const n of g.nodes) {
    const ref = n.id.slice(n.id.indexOf(':') + 1);
    const name = ref.slice(0, ref.lastIndexOf('/'));
    const ok =
      n.kind === 'model_version' ? await can(`m:${name}`, () => guards.model(access, name))
        : n.kind === 'dataset_version' ? await can(`d:${name}`, () => guards.dataset(access, name))
          : n.kind === 'run' ? await can(`r:${ref}`, () => guards.run(access, ref))
            : true;
    if (ok) keep.add(n.id);
  }
  return { ...g, nodes: g.nodes.filter((n) => keep.has(n.id)), edges: g.edges.filter((e) => keep.has(e.from) && keep.has(e.to)) };
}

const Node = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  label: Type.String(),
  attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
});
const Edge = Type.Object({ from: Type.String(), to: Type.String(), relation: Type.String() });

/** GET /api/v1/lineage?ref=model:churn/3&direction=upstream */
export async function lineageRoutes(app: FastifyInstance, deps: { lineage: LineageService; guards?: LineageGuards; anonymous?: AnonymousMode }): Promise<void> {
  app.get('/api/v1/lineage', {
    schema: {
      tags: ['lineage'],
      summary: 'What a model version, dataset version, run or deployment came from (upstream) or feeds (downstream, up to the deployments serving it)',
      querystring: Type.Object({
        ref: Type.String({ minLength: 5, maxLength: 600, description: 'model:<name>/<version>, dataset:<name>/<version|latest>, run:<run id> or deployment:<name>' }),
        direction: Type.Optional(Type.Union([Type.Literal('upstream'), Type.Literal('downstream')], { default: 'upstream' })),
      }),
      response: {
        200: Type.Object({ root: Type.String(), direction: Type.String(), nodes: Type.Array(Node), edges: Type.Array(Edge) }),
        400: ErrorResponse,
        404: ErrorResponse,
      },
    },
  }, async (req) => {
    const q = req.query as { ref: string; direction?: 'upstream' | 'downstream' };
    const ref = parseLineageRef(q.ref);
    const guards = deps.guards;
    if (!guards) return deps.lineage.graph(ref, q.direction ?? 'upstream');
    const access = accessOf(req, deps.anonymous ?? 'off', () => guards.teamTree());
    // The root first: what the caller may not read answers 404, as its own domain's route would.
    if (ref.kind === 'model_version') await guards.model(access, ref.name);
    else if (ref.kind === 'dataset_version') await guards.dataset(access, ref.name);
    else if (ref.kind === 'run') await guards.run(access, ref.runId);
    return visibleTo(access, await deps.lineage.graph(ref, q.direction ?? 'upstream'), guards);
  });
}
