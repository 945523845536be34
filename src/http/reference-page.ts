/** The parts of an OpenAPI 3.1 document the reference page shows. */
export interface OpenApiDocument {
  info: { title: string; version: string; summary?: string; description?: string };
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, PathItem>;
  components?: {
    parameters?: Record<string, Parameter>;
    responses?: Record<string, ResponseObject>;
    schemas?: Record<string, Schema>;
  };
}

type Ref = { $ref: string };
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface ResponseObject {
  description: string;
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  parameters?: (Parameter | Ref)[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, ResponseObject | Ref>;
}
type PathItem = { parameters?: (Parameter | Ref)[] } & Partial<
  Record<'get' | 'post' | 'delete' | 'put' | 'patch', Operation>
>;
interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: string[];
  pattern?: string;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Just enough Markdown for the descriptions: paragraphs and `code`. */
function prose(text = ''): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .filter(Boolean)
    .map((p) => `<p>${escape(p).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('');
}

function resolve<T>(doc: OpenApiDocument, item: T | Ref): T {
  const ref = (item as Ref).$ref;
  if (!ref) return item as T;
  let node: unknown = doc;
  for (const key of ref.replace(/^#\//, '').split('/'))
    node = (node as Record<string, unknown>)[key];
  return node as T;
}

function typeOf(schema: Schema | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop() ?? '';
  if (schema.enum) return schema.enum.join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  return type === 'array' ? `${typeOf(schema.items)}[]` : type;
}

function operationHtml(
  doc: OpenApiDocument,
  route: string,
  method: string,
  op: Operation,
  shared: (Parameter | Ref)[],
): string {
  const params = [...shared, ...(op.parameters ?? [])].map((p) => resolve(doc, p));
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${escape(p.name)}</code></td><td>${p.in}${p.required ? ', required' : ''}</td><td>${escape(typeOf(p.schema))}</td><td>${prose(p.description)}</td></tr>`,
    )
    .join('');
  const responses = Object.entries(op.responses)
    .map(([status, r]) => {
      const response = resolve(doc, r);
      const body = Object.entries(response.content ?? {})
        .map(([type, c]) => `<code>${escape(type)}</code> ${escape(typeOf(c.schema))}`)
        .join(', ');
      return `<li><b>${status}</b> ${escape(response.description)}${body ? ` — ${body}` : ''}</li>`;
    })
    .join('');
  const bodyTypes = Object.keys(op.requestBody?.content ?? {});
  const id = `${method}-${route}`.replace(/[^A-Za-z0-9]+/g, '-');
  return `<section class="op" id="${id}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(route)}</code> ${escape(op.summary ?? '')}</h3>${prose(op.description)}${
    rows ? `<table><tr><th>Parameter</th><th>In</th><th>Type</th><th></th></tr>${rows}</table>` : ''
  }${bodyTypes.length ? `<p>Request body: ${bodyTypes.map((t) => `<code>${escape(t)}</code>`).join(', ')}</p>` : ''}<ul>${responses}</ul></section>`;
}

function schemaHtml(name: string, schema: Schema): string {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties ?? {})
    .map(
      ([key, s]) =>
        `<tr><td><code>${escape(key)}</code>${required.has(key) ? ' *' : ''}</td><td>${escape(typeOf(s))}</td><td>${prose(s.description)}</td></tr>`,
    )
    .join('');
  const summary = rows
    ? ''
    : `<p>${escape(typeOf(schema))}${schema.pattern ? ` matching <code>${escape(schema.pattern)}</code>` : ''}</p>`;
  return `<section id="schema-${name}"><h3>${escape(name)}</h3>${summary}${rows ? `<table>${rows}</table>` : ''}</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}td p{margin:0}
.op{border-top:1px solid #ccc;padding-top:.5rem}.m{display:inline-block;min-width:4.5em;color:#fff;border-radius:3px;text-align:center;font-size:.8em;padding:.1em .3em}
.get{background:#2a7}.post{background:#27c}.delete{background:#c33}.put,.patch{background:#a7a}nav a{margin-right:1em}`;

/** A self-contained HTML page (no script, no outside request) rendered from the document. */
export function renderReference(doc: OpenApiDocument, prefix = ''): string {
  const tags = doc.tags?.map((t) => t.name) ?? [];
  const sections: string[] = [];
  for (const tag of [...tags, '']) {
    const ops: string[] = [];
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (op && (op.tags?.[0] ?? '') === tag)
          ops.push(operationHtml(doc, route, method, op, item.parameters ?? []));
      }
    }
    if (!ops.length) continue;
    const about = doc.tags?.find((t) => t.name === tag)?.description;
    sections.push(
      `<h2 id="tag-${escape(tag)}">${escape(tag || 'other')}</h2>${prose(about)}${ops.join('')}`,
    );
  }
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(([n, s]) => schemaHtml(n, s));
  const servers = (doc.servers ?? [])
    .map((s) => `<code>${escape(prefix + s.url)}</code>`)
    .join(' and ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(doc.info.title)}</title><style>${STYLE}</style></head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<nav>${tags.map((t) => `<a href="#tag-${escape(t)}">${escape(t)}</a>`).join('')}<a href="#schemas">schemas</a><a href="${escape(prefix)}/api/openapi.yaml">openapi.yaml</a></nav>
<p>Base paths: ${servers}.</p>${prose(doc.info.description)}${sections.join('')}
<h2 id="schemas">Schemas</h2>${schemas.join('')}</body></html>`;
}
