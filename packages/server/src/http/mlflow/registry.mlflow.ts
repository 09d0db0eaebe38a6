import type { Tag } from '@flywheel/contract';
import type { ModelVersion, RegisteredModel, RegistryService } from '../../domains/registry/index.js';
import type { MlflowEndpoint } from './tracking.mlflow.js';
import { VISIBILITY_TAG, type Need } from '../../domains/org/access.js';
import { MlflowRequest, tagsOf } from './mlflow-request.js';

export interface MlflowRegistryDeps {
  registry: RegistryService;
}

// Responses are proto2 messages as JSON (model_registry.proto): snake_case names, int64 as
// numbers, versions as strings, unset fields and empty lists left out.

const tagsOrOmit = (tags: Tag[]) => (tags.length ? { tags: tags.map((t) => ({ key: t.key, value: t.value })) } : {});
const opt = <K extends string>(key: K, v: string | undefined) => (v !== undefined ? { [key]: v } : {});

export function formatModelVersion(v: ModelVersion) {
  return {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    ...opt('user_id', v.userId),
    current_stage: v.currentStage,
    ...opt('description', v.description),
    ...opt('source', v.source),
    ...opt('run_id', v.runId),
    status: v.status,
    ...opt('status_message', v.statusMessage),
    ...tagsOrOmit(v.tags),
    ...opt('run_link', v.runLink),
    ...(v.aliases.length ? { aliases: v.aliases } : {}),
  };
}

export function formatRegisteredModel(m: RegisteredModel) {
  return {
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    ...opt('description', m.description),
    ...(m.latestVersions.length ? { latest_versions: m.latestVersions.map(formatModelVersion) } : {}),
    ...tagsOrOmit(m.tags),
    ...(m.aliases.length ? { aliases: m.aliases.map((a) => ({ alias: a.alias, version: a.version })) } : {}),
  };
}

/** `version` is a string in the proto; a bare JSON number is accepted too. */
function versionOf(r: MlflowRequest): string {
  const raw = r.raw('version');
  if (typeof raw === 'number' && Number.isInteger(raw)) return String(raw);
  return r.string('version', { required: true });
}

/** The MLflow model registry REST API (model_registry.proto) over the registry service. */
export function registryEndpoints({ registry }: MlflowRegistryDeps): MlflowEndpoint[] {
  const name = (r: MlflowRequest) => r.string('name', { required: true });
  const empty = {};
  const modelVersions = (list: ModelVersion[]) => (list.length ? { model_versions: list.map(formatModelVersion) } : {});
  const endpoints: MlflowEndpoint[] = [
    // ---- registered models
    {
      path: '/registered-models/create',
      methods: ['POST'],
      async handle(r, access) {
        // The owner team and visibility come as the tags flywheel.owner_team and flywheel.visibility.
        const m = await registry.createRegisteredModel({ name: name(r), tags: tagsOf(r), description: r.string('description'), access });
        return { registered_model: formatRegisteredModel(m) };
      },
    },
    {
      path: '/registered-models/get',
      methods: ['GET'],
      async handle(r) {
        return { registered_model: formatRegisteredModel(await registry.getRegisteredModel(name(r))) };
      },
    },
    {
      path: '/registered-models/rename',
      methods: ['POST'],
      async handle(r) {
        const m = await registry.renameRegisteredModel(name(r), r.string('new_name', { required: true }));
        return { registered_model: formatRegisteredModel(m) };
      },
    },
    {
      path: '/registered-models/update',
      methods: ['PATCH'],
      async handle(r) {
        return { registered_model: formatRegisteredModel(await registry.updateRegisteredModel(name(r), r.string('description'))) };
      },
    },
    {
      path: '/registered-models/delete',
      methods: ['DELETE'],
      async handle(r) {
        await registry.deleteRegisteredModel(name(r));
        return empty;
      },
    },
    {
      path: '/registered-models/search',
      methods: ['GET'],
      async handle(r, access) {
        const page = await registry.searchRegisteredModels({
          access,
          filter: r.string('filter'),
          maxResults: r.int64('max_results'),
          orderBy: r.strings('order_by'),
          pageToken: r.string('page_token'),
        });
        return {
          ...(page.items.length ? { registered_models: page.items.map(formatRegisteredModel) } : {}),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      },
    },
    {
      path: '/registered-models/set-tag',
      methods: ['POST'],
      async handle(r) {
        await registry.setRegisteredModelTag(name(r), r.string('key', { required: true }), r.string('value', { required: true }));
        return empty;
      },
    },
    {
      path: '/registered-models/delete-tag',
      methods: ['DELETE'],
      async handle(r) {
        await registry.deleteRegisteredModelTag(name(r), r.string('key', { required: true }));
        return empty;
      },
    },
    // One path, three routes: Fastify routes each method of /registered-models/alias separately.
    {
      path: '/registered-models/alias',
      methods: ['POST'],
      async handle(r, access) {
        // Who asks: a refusal by a policy is audited with their name.
        await registry.setRegisteredModelAlias(name(r), r.string('alias', { required: true }), versionOf(r), { actor: access.principal?.username ?? 'anonymous' });
        return empty;
      },
    },
    {
      path: '/registered-models/alias',
      methods: ['DELETE'],
      async handle(r) {
        await registry.deleteRegisteredModelAlias(name(r), r.string('alias', { required: true }));
        return empty;
      },
    },
    {
      path: '/registered-models/alias',
      methods: ['GET'],
      async handle(r) {
        const v = await registry.getModelVersionByAlias(name(r), r.string('alias', { required: true }));
        return { model_version: formatModelVersion(v) };
      },
    },
    {
      path: '/registered-models/get-latest-versions',
      methods: ['POST', 'GET'],
      async handle(r) {
        return modelVersions(await registry.getLatestVersions(name(r), r.strings('stages')));
      },
    },
    // ---- model versions
    {
      path: '/model-versions/create',
      methods: ['POST'],
      async handle(r) {
        const v = await registry.createModelVersion({
          name: name(r),
          source: r.string('source', { required: true }),
          runId: r.string('run_id'),
          tags: tagsOf(r),
          runLink: r.string('run_link'),
          description: r.string('description'),
        });
        return { model_version: formatModelVersion(v) };
      },
    },
    {
      path: '/model-versions/get',
      methods: ['GET'],
      async handle(r) {
        return { model_version: formatModelVersion(await registry.getModelVersion(name(r), versionOf(r))) };
      },
    },
    {
      path: '/model-versions/update',
      methods: ['PATCH'],
      async handle(r) {
        return { model_version: formatModelVersion(await registry.updateModelVersion(name(r), versionOf(r), r.string('description'))) };
      },
    },
    {
      path: '/model-versions/delete',
      methods: ['DELETE'],
      async handle(r) {
        await registry.deleteModelVersion(name(r), versionOf(r));
        return empty;
      },
    },
    {
      path: '/model-versions/search',
      methods: ['GET'],
      async handle(r, access) {
        const page = await registry.searchModelVersions({
          access,
          filter: r.string('filter'),
          maxResults: r.int64('max_results'),
          orderBy: r.strings('order_by'),
          pageToken: r.string('page_token'),
        });
        return {
          ...modelVersions(page.items),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      },
    },
    {
      path: '/model-versions/set-tag',
      methods: ['POST'],
      async handle(r) {
        await registry.setModelVersionTag(name(r), versionOf(r), r.string('key', { required: true }), r.string('value', { required: true }));
        return empty;
      },
    },
    {
      path: '/model-versions/delete-tag',
      methods: ['DELETE'],
      async handle(r) {
        await registry.deleteModelVersionTag(name(r), versionOf(r), r.string('key', { required: true }));
        return empty;
      },
    },
    {
      path: '/model-versions/transition-stage',
      methods: ['POST'],
      async handle(r) {
        const v = await registry.transitionModelVersionStage(
          name(r),
          versionOf(r),
          r.string('stage', { required: true }),
          r.bool('archive_existing_versions') ?? false,
        );
        return { model_version: formatModelVersion(v) };
      },
    },
    {
      path: '/model-versions/get-download-uri',
      methods: ['GET'],
      async handle(r) {
        return { artifact_uri: await registry.getModelVersionDownloadUri(name(r), versionOf(r)) };
      },
    },
  ];
  // Every endpoint on one named model checks the caller first (issue 6): create and the searches decide themselves.
  return endpoints.map((ep) => {
    const need = NEEDS[`${ep.methods[0]} ${ep.path}`];
    if (!need) return ep;
    const visibilityChange = ep.path === '/registered-models/set-tag';
    return { ...ep, handle: async (r, access) => {
      // Changing who may read the model is a maintainer's decision, like deleting it.
      await registry.guardModel(access, name(r), visibilityChange && r.string('key') === VISIBILITY_TAG ? 'delete' : need);
      return ep.handle(r, access);
    } };
  });
}

/** What each endpoint on a model needs of its caller (org/ACCESS.md). */
const NEEDS: Record<string, Need> = {
  'GET /registered-models/get': 'read',
  'POST /registered-models/rename': 'write',
  'PATCH /registered-models/update': 'write',
  'DELETE /registered-models/delete': 'delete',
  'POST /registered-models/set-tag': 'write',
  'DELETE /registered-models/delete-tag': 'write',
  'POST /registered-models/alias': 'write',
  'DELETE /registered-models/alias': 'write',
  'GET /registered-models/alias': 'read',
  'POST /registered-models/get-latest-versions': 'read',
  'POST /model-versions/create': 'write',
  'GET /model-versions/get': 'read',
  'PATCH /model-versions/update': 'write',
  'DELETE /model-versions/delete': 'write',
  'POST /model-versions/set-tag': 'write',
  'DELETE /model-versions/delete-tag': 'write',
  'POST /model-versions/transition-stage': 'write',
  'GET /model-versions/get-download-uri': 'read',
};
