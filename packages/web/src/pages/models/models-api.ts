import type { ApprovalState, ModelCardRecord, ModelVersionDetail, NativeRegisteredModel } from '@flywheel/contract';
import { api } from '../../api/client';

const m = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;
const v = (name: string, version: string) => `${m(name)}/versions/${encodeURIComponent(version)}`;

export const getModel = (name: string, signal?: AbortSignal) => api.get<NativeRegisteredModel>(m(name), undefined, signal);
export const getVersion = (name: string, version: string, signal?: AbortSignal) => api.get<ModelVersionDetail>(v(name, version), undefined, signal);
export const getCard = (name: string, version: string, signal?: AbortSignal) => api.get<ModelCardRecord>(`${v(name, version)}/card`, undefined, signal);
export const getApproval = (name: string, version: string, signal?: AbortSignal) => api.get<ApprovalState>(`${v(name, version)}/approval`, undefined, signal);
export const cardPath = (name: string, version: string) => `${v(name, version)}/card`;
export const approvalPath = (name: string, version: string) => `${v(name, version)}/approval`;

/** A version as MLflow's model-versions/search lists it (snake_case). */
export interface MlflowVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  status: string;
  run_id?: string;
  source?: string;
  description?: string;
  aliases?: string[];
  user_id?: string;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Every version of a model: the native API lists only the latest per stage, MLflow's search lists them all. */
export async function listVersions(name: string, signal: AbortSignal): Promise<MlflowVersion[]> {
  const out: MlflowVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.get<{ model_versions?: MlflowVersion[]; next_page_token?: string }>(
      '/api/2.0/mlflow/model-versions/search',
      { filter: `name=${quote(name)}`, max_results: 1000, page_token: pageToken },
      signal,
    );
    out.push(...(page.model_versions ?? []));
    pageToken = page.next_page_token;
  } while (pageToken && !signal.aborted);
  return out.sort((a, b) => Number(b.version) - Number(a.version));
}

export const APPROVAL_TONE = { approved: 'good', rejected: 'bad', pending: 'neutral' } as const;
export const CARD_TONE = { Draft: 'neutral', PendingReview: 'warn', Approved: 'good', Archived: 'neutral' } as const;
export const RISK_TONE = { low: 'good', medium: 'info', high: 'warn', critical: 'bad' } as const;
export const CARD_STATUS_LABEL = { Draft: 'Draft', PendingReview: 'Pending review', Approved: 'Approved', Archived: 'Archived' } as const;
