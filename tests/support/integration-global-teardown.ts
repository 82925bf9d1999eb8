/** Removes the folder of this jest run's shared `sls package` builds (tests/support/integration-global.ts). */
import { rmSync } from 'node:fs';

export default function teardown(): void {
  const folder = process.env.KPIPE_TEST_PACKAGES;
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
}
