import type { CommandContext } from './command-context';
import type { Json } from './resources';
import { safeText } from './terminal-text';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function statusOf(service: Json): string {
  const status = service.status;
  return typeof status === 'object' && status !== null ? str((status as Json).status) : '';
}

/** `services`: one row per service. */
export async function servicesCommand(ctx: CommandContext): Promise<void> {
  const services = await ctx.api.services();
  if (ctx.out.json) {
    ctx.out.printJson({
      services: services.map((s) => ({
        id: str(s.id),
        name: str(s.name),
        version: str(s.version),
        status: statusOf(s),
        description: str(s.description),
        parameters: Array.isArray(s.parameters) ? s.parameters.length : 0,
      })),
    });
    return;
  }
  ctx.out.table(
    ['id', 'name', 'version', 'status'],
    services.map((s) => [str(s.id), str(s.name), str(s.version), statusOf(s)]),
  );
}

/** What a parameter accepts, as a short phrase: bounds, choices, media type. */
export function limitsOf(p: Json): string {
  const parts: string[] = [];
  const bound = (key: string, label: string) => {
    if (typeof p[key] === 'number' || typeof p[key] === 'string')
      parts.push(`${label}${String(p[key])}`);
  };
  const exclusive = (key: string) => (p[key] === true ? '' : '=');
  bound('min', `>${exclusive('minExclusive')}`);
  bound('max', `<${exclusive('maxExclusive')}`);
  bound('minLength', 'length>=');
  bound('maxLength', 'length<=');
  if (typeof p.pattern === 'string') parts.push(`pattern ${p.pattern}`);
  if (Array.isArray(p.choices)) parts.push(`one of ${p.choices.map(String).join(', ')}`);
  if (typeof p.mediaType === 'string' && p.mediaType) parts.push(p.mediaType);
  if (Array.isArray(p.extensions) && p.extensions.length)
    parts.push(`*.${p.extensions.join(', *.')}`);
  return parts.join('; ');
}

/** `service ID`: its parameters with types, defaults and limits. */
export async function serviceCommand(ctx: CommandContext, id: string): Promise<void> {
  const service = await ctx.api.service(id);
  const parameters = (Array.isArray(service.parameters) ? service.parameters : []).filter(
    (p): p is Json => typeof p === 'object' && p !== null,
  );
  const rows = parameters.map((p) => ({
    id: str(p.id),
    name: str(p.name),
    type: `${str(p.type)}${p.array === true ? '[]' : ''}`,
    required: p.required === true,
    default: p.default === undefined || p.default === null ? null : p.default,
    limits: limitsOf(p),
    description: str(p.description),
  }));
  if (ctx.out.json) {
    ctx.out.printJson({
      id: str(service.id),
      name: str(service.name),
      description: str(service.description),
      version: str(service.version),
      status: statusOf(service),
      parameters: rows,
    });
    return;
  }
  ctx.out.line(
    `${ctx.out.colors.bold(safeText(service.id))}: ${safeText(service.name)}` +
      (str(service.version) ? ` ${safeText(service.version)}` : ''),
  );
  if (str(service.description)) ctx.out.line(safeText(service.description));
  ctx.out.table(
    ['parameter', 'type', 'required', 'default', 'limits', 'name'],
    rows.map((r) => [
      r.id,
      r.type,
      r.required ? 'yes' : 'no',
      r.default === null ? '' : Array.isArray(r.default) ? r.default.join(', ') : String(r.default),
      r.limits,
      r.name,
    ]),
  );
}
