import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { parseLineageRef, type LineageService } from './lineage.service.js';

const Node = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  label: Type.String(),
  attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
});
const Edge = Type.Object({ from: Type.String(), to: Type.String(), relation: Type.String() });

/** GET /api/v1/lineage?ref=model:churn/3&direction=upstream */
export async function lineageRoutes(app: FastifyInstance, deps: { lineage: LineageService }): Promise<void> {
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
    return deps.lineage.graph(parseLineageRef(q.ref), q.direction ?? 'upstream');
  });
}
