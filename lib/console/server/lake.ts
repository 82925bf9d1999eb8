/**
 * The Lake tab's queries: lib/lake/query.ts (its rules: read-only, the state folder only, no extensions)
 * over the mirrored bucket. During a run the mirror is refreshed before a query when it is older than
 * `maxAgeMs`, so a query sees the bucket as of the moment it reports (`asOf`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bucketDirectory, LakeQueryError, openLake, type Lake, type LakeLayout } from '../../lake/query';

export interface LakeSource {
  stateDir: string;
  layout: LakeLayout;
  /** Mirrors the run's bucket to `<state>/bucket` now; absent once the run has mirrored it for good. */
  refresh?: () => Promise<void>;
  maxAgeMs?: number;
}

export function createLakeService(source: LakeSource) {
  let lake: Lake | undefined;
  let asOf = 0;
  let refreshing: Promise<void> | undefined;
  let live = false;
  const current = async (): Promise<Lake> => {
    const refresh = source.refresh;
    if (live && refresh === undefined) {
      // The run ended and mirrored its bucket for good: read that, not the last on-demand mirror.
      lake?.close();
      lake = undefined;
      asOf = 0;
    }
    live = refresh !== undefined;
    const stale = refresh !== undefined && Date.now() - asOf > (source.maxAgeMs ?? 2000);
    if (stale) {
      refreshing ??= refresh().finally(() => (refreshing = undefined));
      await refreshing;
      lake?.close();
      lake = undefined;
      asOf = Date.now();
    }
    if (!lake) {
      lake = await openLake(source.stateDir, source.layout);
      asOf ||= Date.now();
    }
    return lake;
  };
  return {
    async query(sql: string, maxRows = 1000) {
      const started = performance.now();
      const opened = await current();
      const result = await opened.query(sql, { maxRows });
      return {
        ...result,
        views: opened.views.map((view) => view.name),
        asOf,
        ms: performance.now() - started,
      };
    },
    /** The lake's partition folders (`event_type=click/dt=2025-01-01`), relative to the lake prefix. */
    partitions(): string[] {
      const root = join(bucketDirectory(source.stateDir), source.layout.lake);
      if (!existsSync(root)) return [];
      return readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.parquet'))
        .map((entry) => relative(root, entry.parentPath))
        .filter((folder, index, all) => folder !== '' && all.indexOf(folder) === index)
        .sort();
    },
    close() {
      lake?.close();
      lake = undefined;
    },
  };
}

export type LakeService = ReturnType<typeof createLakeService>;
export { LakeQueryError };
