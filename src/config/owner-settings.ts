import { settingOr } from './setting-declarations';

/**
 * Settings of job owners: private jobs and fair shares (per-owner caps and weights). Merged into
 * the API settings (api-settings.ts); the scheduler reads the caps and weights too.
 */
export interface OwnerLimits {
  /** Jobs one owner may have claimed, queued or running at once; 0 = no cap. */
  maxActive: number;
  /** Jobs one owner may have waiting for a slot; a submission beyond it gets 429. 0 = no cap. */
  maxWaiting: number;
}

export interface OwnerSettings {
  /** When true, only a job's owner and `admin` tokens may read it; others get 404. */
  privateJobs: boolean;
  ownerLimits: OwnerLimits;
}

/** What a token may set for its own owner, over `api.owner-limits`. */
export interface TokenShare {
  'max-active'?: number;
  'max-waiting'?: number;
  /** The token's share of slots against other owners with waiting jobs (default 1). */
  weight?: number;
}

/** One owner's caps and weight, as the server and the scheduler both apply them. */
export interface OwnerShare {
  maxActive: number;
  maxWaiting: number;
  weight: number;
}

/**
 * An owner's share: `api.owner-limits`, over which the owner's own token (`token:<name>`, found
 * in `tokens`) may set `max-active`, `max-waiting` and `weight`. Other owners get the defaults.
 */
export function ownerShare(
  settings: OwnerSettings & { tokens: ({ name: string } & TokenShare)[] },
  owner: string | null,
): OwnerShare {
  const name = owner?.startsWith('token:') ? owner.slice('token:'.length) : null;
  const token = name === null ? undefined : settings.tokens.find((t) => t.name === name);
  return {
    maxActive: token?.['max-active'] ?? settings.ownerLimits.maxActive,
    maxWaiting: token?.['max-waiting'] ?? settings.ownerLimits.maxWaiting,
    weight: token?.weight ?? 1,
  };
}

export function buildOwnerSettings(flat: Record<string, unknown>): OwnerSettings {
  const int = (key: string): number => settingOr<number>(flat, key);
  return {
    privateJobs: settingOr<boolean>(flat, 'api.private-jobs'),
    ownerLimits: {
      maxActive: int('api.owner-limits.max-active'),
      maxWaiting: int('api.owner-limits.max-waiting'),
    },
  };
}

/** The scheduler's view: each owner's cap and weight, and whether any owner has a cap. */
export function ownerSharing(
  settings: OwnerSettings & { tokens: ({ name: string } & TokenShare)[] },
): { policy: (owner: string | null) => OwnerShare; hasCaps: boolean } {
  return {
    policy: (owner) => ownerShare(settings, owner),
    hasCaps:
      settings.ownerLimits.maxActive > 0 || settings.tokens.some((t) => (t['max-active'] ?? 0) > 0),
  };
}
