import type { Project } from './projects.types.js';
import {
  EMPTY_CASE,
  LIMITS,
  invalid,
  isObject,
  mergeBusinessCase,
  optionalText,
  parseDate,
  refuseUnknown,
  validateDeployments,
  validateModels,
  validateName,
} from './projects.validation.js';

/** One field a declaration would change, e.g. `{field: 'businessCase.successTarget', from: 0.8, to: 0.9}`. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** Fields a configuration file may declare; the stage moves only through the gates. */
export const DECLARED_PROJECT_FIELDS = ['name', 'description', 'ownerTeam', 'businessCase', 'pocEndDate', 'models', 'deployments'] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What applying a declared project over `current` (null: it does not exist) would change, and the
 * body to send: the whole declaration for a create, only the differing fields for an update.
 * Fields the declaration leaves out are left alone, business case fields one by one.
 *
 * @example
 *   declaredProjectChanges(await projects.get('churn'), { name: 'churn', businessCase: { successTarget: 0.9 } })
 *   // → { name: 'churn', changes: [{ field: 'businessCase.successTarget', from: 0.8, to: 0.9 }], body: { businessCase: { successTarget: 0.9 } } }
 */
export function declaredProjectChanges(current: Project | null, declared: unknown, at = 'project'): { name: string; changes: FieldChange[]; body: Record<string, unknown> } {
  if (!isObject(declared)) throw invalid(`${at} must be an object`);
  refuseUnknown(at, declared, DECLARED_PROJECT_FIELDS);
  const name = validateName(`${at}.name`, declared.name);
  // Validated here too so that a plan reports what an apply would refuse.
  const description = declared.description === undefined ? undefined : (optionalText(`${at}.description`, declared.description, LIMITS.descriptionMaxLength) ?? '');
  if (declared.ownerTeam !== undefined && declared.ownerTeam !== null && (typeof declared.ownerTeam !== 'string' || declared.ownerTeam === '')) throw invalid(`${at}.ownerTeam must be a team name`);
  const ownerTeam = declared.ownerTeam === undefined ? undefined : ((declared.ownerTeam as string | null) ?? null);
  const pocEndDate = declared.pocEndDate === undefined ? undefined : parseDate(`${at}.pocEndDate`, declared.pocEndDate);
  const models = declared.models === undefined ? undefined : validateModels(`${at}.models`, declared.models);
  const deployments = declared.deployments === undefined ? undefined : validateDeployments(`${at}.deployments`, declared.deployments);
  const base = current?.businessCase ?? EMPTY_CASE;
  const caseAfter = mergeBusinessCase(base, declared.businessCase, `${at}.businessCase`);

  const changes: FieldChange[] = [];
  const body: Record<string, unknown> = {};
  const field = (key: string, from: unknown, to: unknown) => {
    if (to === undefined || same(from, to)) return;
    changes.push({ field: key, from, to });
    body[key] = to;
  };
  field('description', current?.description ?? '', description);
  field('ownerTeam', current?.ownerTeam ?? null, ownerTeam);
  field('pocEndDate', current?.pocEndDate ?? null, pocEndDate);
  field('models', current?.models ?? [], models);
  field('deployments', current?.deployments ?? [], deployments);
  const casePatch: Record<string, unknown> = {};
  for (const k of Object.keys(caseAfter) as (keyof typeof caseAfter)[]) {
    if (!same(base[k], caseAfter[k])) {
      changes.push({ field: `businessCase.${k}`, from: base[k], to: caseAfter[k] });
      casePatch[k] = caseAfter[k];
    }
  }
  if (Object.keys(casePatch).length) body.businessCase = casePatch;
  if (!current) return { name, changes, body: { ...body, name } };
  return { name, changes, body };
}

/**
 * A project as a configuration file declares it: what is set, nothing else (the stage and the
 * history stay with the project). Applying it back changes nothing.
 */
export function projectDeclaration(p: Project): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name };
  if (p.description) out.description = p.description;
  if (p.ownerTeam !== null) out.ownerTeam = p.ownerTeam;
  if (p.pocEndDate !== null) out.pocEndDate = new Date(p.pocEndDate).toISOString();
  const bc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.businessCase)) if (v !== null && !(k === 'successDirection' && v === 'higher')) bc[k] = v;
  if (Object.keys(bc).length) out.businessCase = bc;
  if (p.models.length) out.models = p.models.map((m) => (m.version === null ? { name: m.name } : { name: m.name, version: m.version }));
  if (p.deployments.length) out.deployments = p.deployments;
  return out;
}
