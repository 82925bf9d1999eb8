/**
 * A small state folder shaped like the one `kpipe local` leaves: Parquet under bucket/curated/ (hive
 * partitions, written by DuckDB itself) and gzipped JSON lines under bucket/raw/ and bucket/errors/.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';

/** click: 3 records, purchase: 2 (amounts 10.5 and 4.5); two error records. */
export async function writeLake(): Promise<string> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kpipe-lake-'));
  const bucket = join(stateDir, 'bucket');
  const curated = join(bucket, 'curated');
  mkdirSync(curated, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM (VALUES ('e1', 'click', NULL::DOUBLE, '2026-12-01'), ('e2', 'click', NULL, '2026-12-01'),
         ('e3', 'click', NULL, '2026-12-02'), ('e4', 'purchase', 10.5, '2026-12-01'), ('e5', 'purchase', 4.5, '2026-12-02'))
         AS t(event_id, event_type, amount, dt))
       TO '${curated}' (FORMAT parquet, PARTITION_BY (event_type, dt))`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const jsonLines = (records: object[]) => gzipSync(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const raw = join(bucket, 'raw', 'event_type=click', 'dt=2026-12-01');
  mkdirSync(raw, { recursive: true });
  writeFileSync(join(raw, 'clickstream-1.gz'), jsonLines([{ event_id: 'e1' }, { event_id: 'e2' }]));
  const errors = join(bucket, 'errors', 'processing-failed', 'dt=2026-12-01');
  mkdirSync(errors, { recursive: true });
  writeFileSync(
    join(errors, 'clickstream-1.gz'),
    jsonLines([
      { errorCode: 'SchemaViolation', errorMessage: 'amount: must be number' },
      { errorCode: 'NotJson', errorMessage: 'Unexpected token' },
    ]),
  );
  return stateDir;
}
