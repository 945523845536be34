import type { TokenScope } from '../../../src/config/api-settings';
import { tokenAllows } from '../../../src/http/token-access';

describe('what a token is for (submit and list scopes)', () => {
  it.each<[TokenScope[], boolean, boolean]>([
    // No access scope named: everything, as before these scopes existed.
    [[], true, true],
    [['priority'], true, true],
    [['admin'], true, true],
    // Named: only what is named.
    [['submit'], true, false],
    [['list'], false, true],
    [['submit', 'list'], true, true],
    [['priority', 'submit'], true, false],
    // admin may do everything.
    [['admin', 'list'], true, true],
  ])('scopes %j: submit %s, list %s', (scopes, submit, list) => {
    expect(tokenAllows(scopes, 'submit')).toBe(submit);
    expect(tokenAllows(scopes, 'list')).toBe(list);
  });
});
