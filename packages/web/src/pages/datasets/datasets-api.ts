import type { Dataset, DatasetVersion } from '@flywheel/contract';
import { api } from '../../api/client';

export type OwnedDataset = Dataset & { ownerTeam: number | null; visibility: 'private' | 'internal' };

const d = (name: string) => `/api/v1/datasets/${encodeURIComponent(name)}`;
export const getDataset = (name: string, signal?: AbortSignal) => api.get<OwnedDataset>(d(name), undefined, signal);
export const getDatasetVersion = (name: string, version: string, signal?: AbortSignal) => api.get<DatasetVersion>(`${d(name)}/versions/${encodeURIComponent(version)}`, undefined, signal);
export const datasheetPath = (name: string, version: number) => `${d(name)}/versions/${version}/datasheet`;
export const downloadUrl = (name: string, version: number) => `${d(name)}/versions/${version}/download`;

/** Every version of a dataset, newest first. */
export async function listDatasetVersions(name: string, signal: AbortSignal): Promise<DatasetVersion[]> {
  const out: DatasetVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.get<{ versions: DatasetVersion[]; nextPageToken?: string }>(`${d(name)}/versions`, { maxResults: 1000, pageToken }, signal);
    out.push(...page.versions);
    pageToken = page.nextPageToken;
  } while (pageToken && !signal.aborted);
  return out;
}

/** Every dataset the caller may read. */
export async function listDatasets(signal: AbortSignal): Promise<OwnedDataset[]> {
  const out: OwnedDataset[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.get<{ datasets: OwnedDataset[]; nextPageToken?: string }>('/api/v1/datasets', { maxResults: 1000, pageToken }, signal);
    out.push(...page.datasets);
    pageToken = page.nextPageToken;
  } while (pageToken && !signal.aborted);
  return out;
}
