import { api, ApiError } from '../api';
import { h } from '../dom';

/** A word as a POSIX shell would need it quoted, so the line can be pasted to re-run the tool. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * "Command" on the job page: the argv the job ran with and the names of its environment
 * variables (their values are never recorded). Fetched when opened, and again on each opening
 * until there is one (it is recorded when the job starts).
 */
export function commandDetails(jobId: string): HTMLDetailsElement {
  const body = h('div', { class: 'command-body' }, 'Loading…');
  const details = h('details', { class: 'command' }, h('summary', {}, 'Command'), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    try {
      const record = await api.command(jobId);
      loaded = true;
      body.replaceChildren(
        h('pre', {}, h('code', { class: 'command-line' }, record.argv.map(shellQuote).join(' '))),
        h(
          'p',
          { class: 'muted' },
          'Environment variables (names only): ',
          h('code', { class: 'command-env' }, record.env.join(' ') || '—'),
        ),
      );
    } catch (error) {
      body.textContent =
        error instanceof ApiError && error.status === 404
          ? 'Not recorded yet: the command is recorded when the job starts.'
          : `Could not load the command: ${(error as Error).message}`;
    }
  });
  return details;
}
