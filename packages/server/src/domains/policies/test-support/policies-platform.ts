import { createTestPlatform } from '../../../test-support/platform.js';
import type { DialectName } from '../../../store/index.js';
import type { Clock } from '../../../lib/clock.js';

/** The whole platform with its policies and budgets, as main.ts wires them (the gate on the registry and tracking services). */
export async function createPoliciesPlatform(dialect: DialectName, clock?: Clock) {
  const p = await createTestPlatform(dialect, clock ? { clock } : {});
  return Object.assign(p, {
    policies: p.services.policies,
    budgets: p.services.budgets,
    api: p.app,
    async disposeAll() {
      await p.dispose();
    },
  });
}
