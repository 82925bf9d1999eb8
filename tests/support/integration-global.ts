/**
 * The integration project's global setup: a folder for this jest run's shared `sls package` builds
 * (tests/integration/deploy/support/sls.ts `sharedPackage`), named in the environment the workers inherit.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): void {
  process.env.KPIPE_TEST_PACKAGES = mkdtempSync(join(tmpdir(), 'kpipe-test-packages-'));
}
