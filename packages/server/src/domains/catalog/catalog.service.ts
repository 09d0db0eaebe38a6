import { DomainError } from '@flywheel/contract';
import type { Access, TeamLink } from '../org/access.js';
import { OWNER_TEAM_TAG, VISIBILITY_TAG } from '../org/access.js';

export const CATALOG_KINDS = ['project', 'model', 'dataset', 'deployment', 'pipeline', 'experiment', 'postmortem'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/** One thing the catalog found. */
export interface CatalogItem {
  kind: CatalogKind;
  name: string;
  description: string;
  /** owner team name, null when unowned (or not owned yet: deployments, pipelines) */
  team: string | null;
  visibility: 'private' | 'internal' | null;
  /** where to read it in the native API */
  path: string;
  updatedAt: number | null;
  /** which fields matched the query */
  matched: string[];
}

interface Tagged {
  tags: { key: string; value: string }[];
}
interface Paged<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

/**
 * What the catalog reads, through each domain's service: `access` filters what the caller may
 * read exactly as the domains' own lists do (org/ACCESS.md).
 */
export interface CatalogSources {
  models(access: Access, pageToken?: string): Promise<Paged<Tagged & { name: string; description: string | undefined; lastUpdatedTimestamp: number }>>;
  experiments(access: Access, pageToken?: string): Promise<Paged<Tagged & { experimentId: string; name: string; lastUpdateTime: number }>>;
  datasets(access: Access, pageToken?: string): Promise<Paged<{ name: string; description: string; updatedAt: number; ownerTeam: number | null; visibility: 'private' | 'internal' }>>;
  projects(pageToken?: string): Promise<Paged<{ name: string; description: string; ownerTeam: string | null; updatedAt: number; stage: string; businessCase: { businessChallenge: string | null } }>>;
  /** every deployment with the registered models its variants serve */
  deployments(): Promise<{ name: string; updatedAt: number; models: string[] }[]>;
  pipelines(pageToken?: string): Promise<Paged<{ name: string; description: string; createdAt: number }>>;
  /** optional: postmortems are searched when given */
  postmortems?(pageToken?: string): Promise<Paged<{ id: number; kind: string; title: string; team: string | null; sections: { summary?: string; lessons?: string }; links: Record<string, string[]>; updatedAt: number }>>;
}

export interface CatalogQuery {
  q: string;
  kinds?: CatalogKind[] | undefined;
  maxResults?: number | undefined;
}

/** Rows read per kind at most: a catalog this large should be searched with a filter per domain. */
export const CATALOG_SCAN_LIMIT = 10_000;

async function* pages<T>(read: (token?: string) => Promise<Paged<T>>): AsyncGenerator<T> {
  let token: string | undefined;
  let n = 0;
  do {
    const page = await read(token);
    for (const item of page.items) {
      if (++n > CATALOG_SCAN_LIMIT) return;
      yield item;
    }
    token = page.nextPageToken;
  } while (token);
}

/**
 * Search across projects, registered models, datasets, deployments, pipelines and experiments by
 * name, description, owner team and tags, showing only what the caller may read.
 */
export class CatalogService {
  constructor(private readonly sources: CatalogSources) {}

  async search(access: Access, query: CatalogQuery): Promise<{ items: CatalogItem[]; total: number }> {
    const q = query.q.trim().toLowerCase();
    if (q.length === 0 || q.length > 200) throw new DomainError('INVALID_INPUT', 'q must be 1-200 characters');
    const kinds = new Set(query.kinds?.length ? query.kinds : CATALOG_KINDS);
    const limit = query.maxResults ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new DomainError('INVALID_INPUT', 'maxResults must be an integer from 1 to 500');
    const tree = await access.teams().catch(() => [] as TeamLink[]);
    const teamName = (id: number | string | null | undefined) => {
      if (id === null || id === undefined || id === '') return null;
      return tree.find((t) => String(t.id) === String(id))?.name ?? String(id);
    };
    const out: CatalogItem[] = [];
    const consider = (item: Omit<CatalogItem, 'matched'>, extra: Record<string, string | null | undefined> = {}) => {
      const fields: Record<string, string | null | undefined> = { name: item.name, description: item.description, team: item.team, ...extra };
      const matched = Object.entries(fields).filter(([, v]) => typeof v === 'string' && v.toLowerCase().includes(q)).map(([k]) => k);
      if (matched.length) out.push({ ...item, matched });
    };
    const tagText = (t: Tagged) => t.tags.filter((x) => !x.key.startsWith('mlflow.') && !x.key.startsWith('flywheel.')).map((x) => `${x.key}=${x.value}`).join(' ');
    const tag = (t: Tagged, key: string) => t.tags.find((x) => x.key === key)?.value;

    // Every readable model is listed (not only the matching ones): deployments are shown only when their models are readable.
    const readableModels = new Set<string>();
    if (kinds.has('model') || kinds.has('deployment')) {
      for await (const m of pages((t) => this.sources.models(access, t))) {
        readableModels.add(m.name);
        if (!kinds.has('model')) continue;
        const vis = tag(m, VISIBILITY_TAG);
        consider(
          { kind: 'model', name: m.name, description: m.description ?? '', team: teamName(tag(m, OWNER_TEAM_TAG)), visibility: vis === 'private' ? 'private' : 'internal', path: `/api/v1/models/${encodeURIComponent(m.name)}`, updatedAt: m.lastUpdatedTimestamp },
          { tags: tagText(m) },
        );
      }
    }
    if (kinds.has('experiment')) {
      for await (const e of pages((t) => this.sources.experiments(access, t))) {
        const vis = tag(e, VISIBILITY_TAG);
        consider(
          { kind: 'experiment', name: e.name, description: tag(e, 'mlflow.note.content') ?? '', team: teamName(tag(e, OWNER_TEAM_TAG)), visibility: vis === 'private' ? 'private' : 'internal', path: `/api/2.0/mlflow/experiments/get?experiment_id=${e.experimentId}`, updatedAt: e.lastUpdateTime },
          { tags: tagText(e) },
        );
      }
    }
    if (kinds.has('dataset')) {
      for await (const d of pages((t) => this.sources.datasets(access, t))) {
        consider({ kind: 'dataset', name: d.name, description: d.description, team: teamName(d.ownerTeam), visibility: d.visibility, path: `/api/v1/datasets/${encodeURIComponent(d.name)}`, updatedAt: d.updatedAt });
      }
    }
    if (kinds.has('project')) {
      // Projects are readable by every caller the auth plugin lets through (projects/README.md).
      for await (const p of pages((t) => this.sources.projects(t))) {
        consider(
          { kind: 'project', name: p.name, description: p.description, team: p.ownerTeam, visibility: 'internal', path: `/api/v1/projects/${encodeURIComponent(p.name)}`, updatedAt: p.updatedAt },
          { stage: p.stage, businessChallenge: p.businessCase.businessChallenge },
        );
      }
    }
    if (kinds.has('deployment')) {
      for (const d of await this.sources.deployments()) {
        const models = d.models;
        // A deployment serves its models: who may not read one of them does not see it.
        if (!access.unrestricted && models.some((m) => !readableModels.has(m))) continue;
        consider({ kind: 'deployment', name: d.name, description: '', team: null, visibility: null, path: `/api/v1/deployments/${encodeURIComponent(d.name)}`, updatedAt: d.updatedAt }, { models: models.join(' ') });
      }
    }
    if (kinds.has('pipeline')) {
      for await (const p of pages((t) => this.sources.pipelines(t))) {
        consider({ kind: 'pipeline', name: p.name, description: p.description, team: null, visibility: null, path: `/api/v1/pipelines/${encodeURIComponent(p.name)}`, updatedAt: p.createdAt });
      }
    }
    const postmortems = this.sources.postmortems?.bind(this.sources);
    if (kinds.has('postmortem') && postmortems) {
      // Knowledge is for the whole organization (knowledge/README.md); its links name only what exists.
      for await (const p of pages((t) => postmortems(t))) {
        consider(
          { kind: 'postmortem', name: p.title, description: p.sections.summary ?? '', team: p.team, visibility: 'internal', path: `/api/v1/postmortems/${p.id}`, updatedAt: p.updatedAt },
          { kind: p.kind, lessons: p.sections.lessons, links: Object.values(p.links).flat().join(' ') },
        );
      }
    }
    // Exact name, then name prefix, then name contains, then a match elsewhere; newest first within each.
    const rank = (i: CatalogItem) => {
      const n = i.name.toLowerCase();
      return n === q ? 0 : n.startsWith(q) ? 1 : n.includes(q) ? 2 : 3;
    };
    out.sort((a, b) => rank(a) - rank(b) || (b.updatedAt ?? 0) - (a.updatedAt ?? 0) || a.name.localeCompare(b.name));
    return { items: out.slice(0, limit), total: out.length };
  }
}
