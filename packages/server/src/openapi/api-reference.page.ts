/**
 * The API reference page (`GET /docs/api`, SPEC 8): the OpenAPI document rendered by
 * idgate itself into one static HTML page — every operation grouped by tag (method,
 * path, `operationId`, security, parameters, request body, every answer with its schema
 * or its error codes linked to the error reference), the webhooks idgate sends, and every
 * schema as a table of its members. No script and no inline style (the page CSP allows
 * neither), nothing from another origin; `<details>` folds the long parts.
 *
 * Why not Swagger UI or another JavaScript renderer: they need script and inline style
 * that idgate's CSP forbids (or hashes of them, per version), fetch their assets and
 * the document at run time, and bring megabytes of dependencies for what a static page
 * shows as well, and readably without script.
 */
import { html, type SafeHtml } from '../ui/layout.js';

/** A JSON schema as the document has it (the members the page reads). */
interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly description?: string;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly patternProperties?: Readonly<Record<string, Schema>>;
}

interface Parameter {
  readonly $ref?: string;
  readonly name?: string;
  readonly in?: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: Schema;
}

interface MediaTypes {
  readonly [type: string]: { readonly schema?: Schema; readonly examples?: Readonly<Record<string, unknown>> };
}

interface Answer {
  readonly description?: string;
  readonly headers?: Readonly<Record<string, { readonly $ref?: string }>>;
  readonly content?: MediaTypes;
}

interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content?: MediaTypes };
  readonly responses?: Readonly<Record<string, Answer>>;
}

type PathItem = Readonly<Record<string, Operation>>;

/** The members of the OpenAPI document the page shows. */
export interface ReferenceDocument {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly tags?: readonly { readonly name: string; readonly description?: string }[];
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly webhooks?: Readonly<Record<string, PathItem>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, Schema>>;
    readonly parameters?: Readonly<Record<string, Parameter>>;
    readonly securitySchemes?: Readonly<Record<string, { readonly description?: string }>>;
  };
}

/** What the page links besides its own anchors. */
export interface ReferenceLinks {
  readonly stylesheets: readonly string[];
  readonly openApiPath: string;
  readonly errorsPath: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const SCHEMA_REF = '#/components/schemas/';
const PARAMETER_REF = '#/components/parameters/';
/** Enumerations longer than this are folded. */
const LONG_ENUM = 8;

interface Entry {
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
}

/** A description with its `code spans` as `<code>` (the documents' only markup). */
function prose(text: string | undefined): SafeHtml {
  const parts = (text ?? '').split('`');
  // An odd number of parts: every backtick has its pair.
  if (parts.length % 2 === 0) return html`${text ?? ''}`;
  return html`${parts.map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : html`${part}`))}`;
}

function characters(count: number): string {
  return count === 1 ? '1 character' : `${count} characters`;
}

function entriesOf(items: Readonly<Record<string, PathItem>> | undefined): Entry[] {
  const entries: Entry[] = [];
  for (const [path, item] of Object.entries(items ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) entries.push({ method, path, operation });
    }
  }
  return entries;
}

function anchorOf(entry: Entry): string {
  return entry.operation.operationId ?? `${entry.method}-${entry.path}`.replace(/[^A-Za-z0-9-]+/g, '-');
}

function schemaAnchor(name: string): string {
  return `schema-${name}`;
}

function schemaName(ref: string): string {
  return ref.startsWith(SCHEMA_REF) ? ref.slice(SCHEMA_REF.length) : ref;
}

/** The schema's type in a few words, with a link for a `$ref`. */
function typeOf(schema: Schema | undefined): SafeHtml {
  if (schema === undefined) return html`any`;
  if (schema.$ref) {
    const name = schemaName(schema.$ref);
    return html`<a href="#${schemaAnchor(name)}">${name}</a>`;
  }
  if (schema.const !== undefined) return html`<code>${JSON.stringify(schema.const)}</code>`;
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  const nullable = types.includes('null');
  const base = types.filter((type) => type !== 'null');
  let text: SafeHtml;
  if (schema.enum) {
    const values = schema.enum.filter((value) => value !== null);
    const list = values.map((value) => html`<code>${JSON.stringify(value)}</code>`);
    const joined = list.map((item, index) => (index === 0 ? item : html` | ${item}`));
    text =
      values.length > LONG_ENUM
        ? html`<details><summary>one of ${values.length} values</summary>${joined}</details>`
        : html`${joined}`;
  } else if (base[0] === 'array') {
    text = html`array of ${typeOf(schema.items)}`;
  } else if (base.length === 0) {
    text = html`any`;
  } else {
    const bounds =
      schema.minimum !== undefined || schema.maximum !== undefined
        ? ` ${schema.minimum ?? '…'}–${schema.maximum ?? '…'}`
        : '';
    text = html`${base.join(' or ')}${schema.format ? ` (${schema.format})` : ''}${bounds}`;
  }
  return nullable ? html`${text} or <code>null</code>` : text;
}

/** What a row's last column says: the description, and the rules a value must follow. */
function notesOf(schema: Schema | undefined): SafeHtml {
  if (schema === undefined) return html``;
  const rules: string[] = [];
  if (schema.pattern) rules.push(`pattern ${schema.pattern}`);
  if (schema.minLength !== undefined) rules.push(`at least ${characters(schema.minLength)}`);
  if (schema.maxLength !== undefined) rules.push(`at most ${characters(schema.maxLength)}`);
  if (isOpenObject(schema)) rules.push('may have further members');
  return html`${prose(schema.description)}${rules.map((rule) => html` <span class="rule">${rule}</span>`)}`;
}

function isOpenObject(schema: Schema): boolean {
  return (
    schema.type === 'object' &&
    (schema.additionalProperties === true ||
      typeof schema.additionalProperties === 'object' ||
      schema.patternProperties !== undefined ||
      (schema.properties === undefined && schema.additionalProperties === undefined))
  );
}

/** One row per member, nested members as `parent.child` and `list[].child`. */
function memberRows(schema: Schema, prefix: string): SafeHtml[] {
  const rows: SafeHtml[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, member] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push(html`<tr><th scope="row"><code>${path}</code></th><td>${typeOf(member)}</td><td>${
      required.has(name) ? 'yes' : 'no'
    }</td><td>${notesOf(member)}</td></tr>
`);
    if (member.properties) rows.push(...memberRows(member, `${path}.`));
    if (member.items?.properties) rows.push(...memberRows(member.items, `${path}[].`));
  }
  return rows;
}

function membersTable(schema: Schema, caption: string): SafeHtml {
  const rows = memberRows(schema, '');
  if (rows.length === 0) return html`<p>${typeOf(schema)} ${notesOf(schema)}</p>`;
  return html`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">member</th><th scope="col">type</th><th scope="col">required</th><th scope="col">notes</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
`;
}

function resolveParameter(parameter: Parameter, document: ReferenceDocument): Parameter {
  if (!parameter.$ref?.startsWith(PARAMETER_REF)) return parameter;
  return document.components.parameters?.[parameter.$ref.slice(PARAMETER_REF.length)] ?? parameter;
}

function parametersTable(entry: Entry, document: ReferenceDocument): SafeHtml {
  const parameters = (entry.operation.parameters ?? []).map((parameter) => resolveParameter(parameter, document));
  if (parameters.length === 0) return html``;
  return html`<table>
<caption>Parameters</caption>
<thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">type</th><th scope="col">required</th><th scope="col">notes</th></tr></thead>
<tbody>
${parameters.map(
  (
    parameter,
  ) => html`<tr><th scope="row"><code>${parameter.name ?? ''}</code></th><td>${parameter.in ?? ''}</td><td>${typeOf(
    parameter.schema,
  )}</td><td>${parameter.required ? 'yes' : 'no'}</td><td>${prose(parameter.description)} ${notesOf(
    parameter.schema,
  )}</td></tr>
`,
)}</tbody>
</table>
`;
}

function securityOf(operation: Operation): SafeHtml {
  const requirements = operation.security;
  if (!requirements || requirements.length === 0) return html``;
  const ways = requirements.map((requirement, index) =>
    Object.entries(requirement).map(
      ([scheme, scopes]) =>
        html`${index === 0 ? '' : ', or '}<a href="#security-${scheme}">${scheme}</a>${
          scopes.length > 0 ? html` (scope <code>${scopes.join(' ')}</code>)` : ''
        }`,
    ),
  );
  return html`<p><strong>Authentication:</strong> ${ways.flat()}.</p>
`;
}

function requestBodyOf(operation: Operation): SafeHtml {
  const content = operation.requestBody?.content;
  if (!content) return html``;
  const [type, media] = Object.entries(content)[0] ?? [];
  if (type === undefined || media === undefined) return html``;
  const others = Object.keys(content).slice(1);
  const required = operation.requestBody?.required ? 'required' : 'optional';
  const schema = media.schema;
  return html`<h4>Request body</h4>
<p><code>${type}</code>${others.map((other) => html`, <code>${other}</code>`)} (${required}): ${typeOf(schema)}</p>
${schema && !schema.$ref ? membersTable(schema, 'Members') : ''}`;
}

function errorCodesOf(answer: Answer): string[] {
  const examples = Object.values(answer.content ?? {})[0]?.examples;
  return Object.keys(examples ?? {});
}

function responsesOf(operation: Operation, links: ReferenceLinks): SafeHtml {
  const rows = Object.entries(operation.responses ?? {}).map(([status, answer]) => {
    const codes = errorCodesOf(answer);
    const media = Object.entries(answer.content ?? {});
    const body =
      codes.length > 0
        ? html`${codes.map(
            (code, index) =>
              html`${index === 0 ? '' : ', '}<a href="${links.errorsPath}/${code}"><code>${code}</code></a>`,
          )}`
        : media.length > 0
          ? html`${typeOf(media[0]?.[1].schema)} <span class="rule">${media.map(([type]) => type).join(', ')}</span>`
          : html`${prose(answer.description)}`;
    const headers = Object.keys(answer.headers ?? {});
    return html`<tr><th scope="row" class="status">${status}</th><td>${codes.length > 0 ? 'problem+json' : prose(answer.description)}</td><td>${body}</td><td>${headers.map(
      (name, index) => html`${index === 0 ? '' : ', '}<code>${name}</code>`,
    )}</td></tr>
`;
  });
  return html`<table>
<caption>Responses</caption>
<thead><tr><th scope="col">status</th><th scope="col">answer</th><th scope="col">body or error codes</th><th scope="col">headers</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
`;
}

function operationSection(entry: Entry, document: ReferenceDocument, links: ReferenceLinks): SafeHtml {
  const { operation } = entry;
  return html`<section class="operation" id="${anchorOf(entry)}" aria-labelledby="${anchorOf(entry)}-title">
<h3 id="${anchorOf(entry)}-title"><span class="method method-${entry.method}">${entry.method.toUpperCase()}</span> <code>${entry.path}</code></h3>
<p>${prose(operation.summary)}</p>
${operation.description ? html`<p>${prose(operation.description)}</p>` : ''}
<p class="operation-id">operationId <code>${operation.operationId ?? ''}</code></p>
${securityOf(operation)}${parametersTable(entry, document)}${requestBodyOf(operation)}${responsesOf(operation, links)}</section>
`;
}

function tagsOf(document: ReferenceDocument, entries: readonly Entry[]): { name: string; description: string }[] {
  const declared = (document.tags ?? []).map((tag) => ({ name: tag.name, description: tag.description ?? '' }));
  const used = new Set(entries.map((entry) => entry.operation.tags?.[0] ?? 'other'));
  return [
    ...declared.filter((tag) => used.has(tag.name)),
    ...[...used]
      .filter((name) => !declared.some((tag) => tag.name === name))
      .map((name) => ({ name, description: '' })),
  ];
}

function contents(groups: { name: string; entries: Entry[] }[], schemaNames: readonly string[]): SafeHtml {
  return html`<nav aria-label="Contents">
<h2>Contents</h2>
<ul class="contents">
<li><a href="#authentication">authentication</a></li>
${groups.map(
  (group) => html`<li><a href="#tag-${group.name}">${group.name}</a>
<ul>
${group.entries.map(
  (entry) =>
    html`<li><a href="#${anchorOf(entry)}"><span class="method method-${entry.method}">${entry.method.toUpperCase()}</span> ${entry.path}</a></li>
`,
)}</ul></li>
`,
)}<li><a href="#schemas">schemas</a> (${schemaNames.length})</li>
</ul>
</nav>
`;
}

function securitySection(document: ReferenceDocument): SafeHtml {
  const schemes = Object.entries(document.components.securitySchemes ?? {});
  if (schemes.length === 0) return html``;
  return html`<section aria-labelledby="authentication">
<h2 id="authentication">Authentication</h2>
<dl>
${schemes.map(
  ([name, scheme]) => html`<dt id="security-${name}"><code>${name}</code></dt><dd>${prose(scheme.description)}</dd>
`,
)}</dl>
</section>
`;
}

/** The reference page of the document. */
export function renderApiReference(document: ReferenceDocument, links: ReferenceLinks): string {
  const operations = entriesOf(document.paths);
  const webhooks = entriesOf(document.webhooks);
  const all = [...operations, ...webhooks];
  const groups = tagsOf(document, all).map((tag) => ({
    ...tag,
    entries: all.filter((entry) => (entry.operation.tags?.[0] ?? 'other') === tag.name),
  }));
  const schemaNames = Object.keys(document.components.schemas);
  const title = `${document.info.title} ${document.info.version}: reference`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
${links.stylesheets.map(
  (href) => html`<link rel="stylesheet" href="${href}">
`,
)}</head>
<body class="api-reference">
<header class="reference-header">
<h1>${document.info.title} <span class="muted">${document.info.version}</span></h1>
<p>${prose(document.info.description)}</p>
<p>The machine-readable document: <a href="${links.openApiPath}"><code>${links.openApiPath}</code></a> (OpenAPI 3.1). Every error code: <a href="${links.errorsPath}">the error reference</a>.</p>
</header>
${contents(groups, schemaNames)}<main>
${securitySection(document)}${groups.map(
  (group) => html`<section class="tag" aria-labelledby="tag-${group.name}">
<h2 id="tag-${group.name}">${group.name}</h2>
${group.description ? html`<p>${prose(group.description)}</p>` : ''}
${group.entries.map((entry) => operationSection(entry, document, links))}</section>
`,
)}<section aria-labelledby="schemas">
<h2 id="schemas">Schemas</h2>
${schemaNames.map((name) => {
  const schema = document.components.schemas[name] as Schema;
  return html`<section class="schema" id="${schemaAnchor(name)}" aria-labelledby="${schemaAnchor(name)}-title">
<h3 id="${schemaAnchor(name)}-title">${name}</h3>
${schema.description ? html`<p>${prose(schema.description)}</p>` : ''}
${membersTable(schema, `${name} members`)}</section>
`;
})}</section>
</main>
</body>
</html>
`.text;
}
