/** Placeholder replaced below. */
import type { Browser } from '@playwright/test';
import type { DataPathArm, DataPathOptions } from './data-path-arm';

export const ZERO_ARM = 'Zero' as const;
export type ZeroOutcome = { ran: true; arm: DataPathArm } | { ran: false; reason: string };

export async function measureZero(_browser: Browser, _options: DataPathOptions): Promise<ZeroOutcome> {
  return { ran: false, reason: 'not built yet' };
}
