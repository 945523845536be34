import { h } from '../dom';
import { clearPortalToken, portalToken, setPortalToken } from '../portal-token';

/**
 * A small settings panel: paste an API token so that "My jobs" comes from the server in any
 * browser. The token is never shown back, only whether one is set.
 */
export function tokenPanel(onChange: () => void): HTMLElement {
  const held = portalToken() !== null;
  const input = h('input', {
    id: 'api-token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: '1024',
    'aria-describedby': 'api-token-help',
  });
  const message = h('p', { role: 'status', class: 'token-message' });
  const save = h('button', { type: 'submit' }, 'Save token');
  const forget = h('button', { type: 'button', class: 'secondary' }, 'Forget token');
  const form = h(
    'form',
    { class: 'token-form' },
    h('label', { for: 'api-token' }, 'API token'),
    input,
    h(
      'p',
      { id: 'api-token-help', class: 'help' },
      held
        ? 'A token is set in this browser: the list shows its jobs, and jobs you submit here belong to it.'
        : 'With a token (from your administrator, or made with damson tokens create) this list shows the ' +
            'same jobs in any browser. It is kept in this browser only and sent only to this server.',
    ),
    h('p', {}, save, ' ', ...(held ? [forget] : [])),
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!setPortalToken(input.value)) {
      message.textContent = 'That is not a token: paste it without spaces or line breaks.';
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.value = '';
    onChange();
  });
  forget.addEventListener('click', () => {
    clearPortalToken();
    onChange();
  });
  return h('details', { class: 'token-panel' }, h('summary', {}, 'API token'), form);
}
