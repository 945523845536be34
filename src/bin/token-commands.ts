import { Command, InvalidArgumentError } from 'commander';
import type { Settings } from '../config/settings';
import { safeJson, safeText } from '../client/terminal-text';
import type { StoredToken } from '../store/access-records';
import type { JobStore } from '../store/job-store';
import { createApiToken, TokenAdminError } from './api-token-admin';

// Loaded when a tokens command runs: `damson` builds this command for every invocation, and
// `damson start`'s supervisor must not carry the settings schema or a store driver.
/* eslint-disable @typescript-eslint/no-require-imports */
const loadSettings: typeof import('../config/load-settings').loadSettings = (...args) =>
  (require('../config/load-settings') as typeof import('../config/load-settings')).loadSettings(
    ...args,
  );
const openStore: typeof import('./open-store').openStore = (...args) =>
  (require('./open-store') as typeof import('./open-store')).openStore(...args);
/* eslint-enable @typescript-eslint/no-require-imports */

function limitCount(value: string): number {
  if (!/^\d{1,9}$/.test(value))
    throw new InvalidArgumentError('expected an integer, 0 to 999999999');
  return Number(value);
}

/** Runs `work` with the project's store, closed afterwards; a refusal exits 1 with its message. */
async function withStore(work: (store: JobStore, settings: Settings) => Promise<void>) {
  const settings = loadSettings();
  const store = await openStore(settings);
  try {
    await work(store, settings);
  } catch (error) {
    if (!(error instanceof TokenAdminError)) throw error;
    // The message may quote what was typed: escaped, so it cannot drive the terminal.
    process.stderr.write(`damson tokens: ${safeText(error.message)}\n`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}

const day = (date: Date | null): string => (date ? date.toISOString() : 'never');

function describeToken(token: StoredToken, now: Date): Record<string, unknown> {
  const expired = token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime();
  return {
    name: token.name,
    scopes: token.scopes,
    requests: token.requests,
    submissions: token.submissions,
    created: token.createdAt.toISOString(),
    expires: token.expiresAt?.toISOString() ?? null,
    status: expired ? 'expired' : 'active',
  };
}

/** `damson tokens create|list|revoke`: API tokens kept in the store, seen by every server. */
export function tokensCommand(fail: (error: unknown) => never): Command {
  const tokens = new Command('tokens').description(
    'API tokens in the store, for every server: create (secret shown once), list, revoke',
  );
  tokens
    .command('create')
    .argument('<name>', "the client's name: letters, digits, '.', '_', '@', '-'")
    .option('--scope <scopes>', 'comma-separated scopes (priority, admin, submit, list)')
    .option('--expires <when>', 'lifetime (90d, 12h) or a UTC date (2027-01-31); default: never')
    .option('--requests <n>', 'API requests per rate-limit window (0: none counted)', limitCount)
    .option('--submissions <n>', 'submissions and uploads per window (0: none counted)', limitCount)
    .description('create a token and print its secret, once; only its hash is stored')
    .action(
      (
        name: string,
        options: { scope?: string; expires?: string; requests?: number; submissions?: number },
      ) =>
        withStore(async (store, settings) => {
          const { secret, token } = await createApiToken(store.tokens, settings.api, {
            name,
            scopes: options.scope,
            expires: options.expires,
            requests: options.requests,
            submissions: options.submissions,
          });
          process.stdout.write(`${secret}\n`);
          process.stderr.write(
            `created token ${token.name} (scopes: ${token.scopes.join(', ') || 'none'}; ` +
              `expires: ${day(token.expiresAt)}). The secret above is shown only now and ` +
              'is not stored: keep it safe. Clients send it as `Authorization: Bearer <secret>`.\n',
          );
        }).catch(fail),
    );
  tokens
    .command('list')
    .option('--json', 'one JSON document')
    .description('list the tokens in the store (never their secrets)')
    .action((options: { json?: boolean }) =>
      withStore(async (store) => {
        const now = new Date();
        const rows = (await store.tokens.listTokens()).map((t) => describeToken(t, now));
        if (options.json) {
          process.stdout.write(`${safeJson(rows)}\n`);
          return;
        }
        for (const row of rows) {
          const scopes = (row.scopes as string[]).join(',') || '-';
          process.stdout.write(
            `${safeText(row.name)}\t${safeText(scopes)}\t${row.status}\texpires ${row.expires ?? 'never'}\n`,
          );
        }
      }).catch(fail),
    );
  tokens
    .command('revoke')
    .argument('<name>', 'the token to delete')
    .description('delete a token; every server refuses it within api.token-cache')
    .action((name: string) =>
      withStore(async (store, settings) => {
        if (!(await store.tokens.revokeToken(name)))
          throw new TokenAdminError(`no token named ${JSON.stringify(name)} in the store`);
        process.stderr.write(
          `revoked token ${safeText(name)}: every server refuses it within ` +
            `${settings.api.tokenCacheMs} ms (api.token-cache)\n`,
        );
      }).catch(fail),
    );
  return tokens;
}
