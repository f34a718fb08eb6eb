/**
 * A small JSON Schema → TypeScript converter for the shapes our OpenAPI 3.1 document uses (zod's `toJSONSchema`
 * output): objects with required/optional properties and additionalProperties, enums and consts, nullable (as
 * `type: [..., 'null']`, `anyOf` with `{type: 'null'}`, or 3.0's `nullable: true`), arrays, oneOf/anyOf/allOf and
 * `#/components/schemas/` references. Written here rather than pulled in as a package: it is about a hundred lines
 * and the SDK's types must not depend on a generator's release cycle.
 */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly nullable?: boolean;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly description?: string;
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly default?: unknown;
}

const REF_PREFIX = '#/components/schemas/';

/** A TypeScript type expression for `schema`, indented for nesting at `depth`. */
export function typeOf(schema: JsonSchema | boolean, depth = 0): string {
  if (schema === true) return 'unknown';
  if (schema === false) return 'never';
  const base = baseTypeOf(schema, depth);
  return schema.nullable && base !== 'null' && !base.endsWith('| null') ? `${base} | null` : base;
}

function baseTypeOf(schema: JsonSchema, depth: number): string {
  if (schema.$ref) {
    if (!schema.$ref.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${schema.$ref}`);
    return schema.$ref.slice(REF_PREFIX.length);
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return union(schema.enum.map((value) => JSON.stringify(value)));
  // A union's members need no parentheses: `|` binds loosest, and a nested union flattens into this one.
  if (schema.oneOf) return union(schema.oneOf.map((s) => typeOf(s, depth)));
  if (schema.anyOf) return union(schema.anyOf.map((s) => typeOf(s, depth)));
  if (schema.allOf) return schema.allOf.map((s) => parenthesised(typeOf(s, depth))).join(' & ');
  if (Array.isArray(schema.type)) return union(schema.type.map((type) => typeOf({ ...schema, type, nullable: false }, depth)));
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `${parenthesised(typeOf(schema.items ?? true, depth))}[]`;
    case 'object':
      return objectType(schema, depth);
    case undefined:
      return schema.properties ? objectType(schema, depth) : 'unknown';
    default:
      throw new Error(`unsupported type ${String(schema.type)}`);
  }
}

function objectType(schema: JsonSchema, depth: number): string {
  const properties = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  // Properties declared and nothing said about others: a closed type, so a misspelt field is a compile error. A new
  // field of the API is typed by the next generation; at run time it is there already.
  const open = extra === undefined ? properties.length === 0 : extra !== false;
  const indexType = open ? typeOf(extra ?? true, depth + 1) : undefined;
  if (properties.length === 0) return indexType === undefined ? 'Record<string, never>' : `{ [key: string]: ${indexType} }`;
  const pad = '  '.repeat(depth + 1);
  const required = new Set(schema.required ?? []);
  const lines = properties.flatMap(([name, property]) => [
    ...docComment(property, pad),
    `${pad}${propertyName(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, depth + 1)};`,
  ]);
  // An index signature next to typed properties must admit their types too, so it widens to unknown.
  if (indexType !== undefined) lines.push(`${pad}[key: string]: unknown;`);
  return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
}

/** A JSDoc line: the description, then the constraints a merchant needs when filling the field. */
export function docComment(schema: JsonSchema | boolean, pad: string): string[] {
  if (typeof schema === 'boolean') return [];
  // zod states every integer's safe-integer range; only bounds that say something are worth a line.
  const bound = (value: number | undefined) => (value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value);
  const [min, max] = [bound(schema.minimum), bound(schema.maximum)];
  const constraints = [
    schema.format && `format: ${schema.format}`,
    min !== undefined && max !== undefined ? `${min}–${max}` : undefined,
    min !== undefined && max === undefined ? `≥ ${min}` : undefined,
    max !== undefined && min === undefined ? `≤ ${max}` : undefined,
    schema.minLength !== undefined || schema.maxLength !== undefined ? `length ${schema.minLength ?? 0}–${schema.maxLength ?? '∞'}` : undefined,
    schema.pattern && schema.pattern.length <= 60 && `pattern: \`${schema.pattern}\``,
    schema.default !== undefined && `default: ${JSON.stringify(schema.default)}`,
  ].filter((fact): fact is string => typeof fact === 'string' && fact !== '');
  const facts = constraints.join('; ');
  const text = schema.description ? `${schema.description}${facts ? ` (${facts})` : ''}` : facts;
  return text === '' ? [] : [`${pad}/** ${text.replaceAll('*/', '*\\/')} */`];
}

/** A named declaration: an interface for an object with properties, else a type alias. */
export function declaration(name: string, schema: JsonSchema): string {
  const doc = docComment(schema, '').join('\n');
  const type = typeOf(schema);
  const isInterface = type.startsWith('{\n') && !hasTopLevelOperator(type);
  const body = isInterface ? `export interface ${name} ${type}` : `export type ${name} = ${type};`;
  return doc ? `${doc}\n${body}` : body;
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function union(types: readonly string[]): string {
  const unique = [...new Set(types)];
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

/** Parentheses around a union or intersection nested in an array or an intersection. */
function parenthesised(type: string): string {
  return hasTopLevelOperator(type) ? `(${type})` : type;
}

/** Whether `|` or `&` appears outside every brace, bracket, parenthesis and string literal. */
function hasTopLevelOperator(type: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < type.length; i += 1) {
    const char = type[i]!;
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if ('{[('.includes(char)) depth += 1;
    else if ('}])'.includes(char)) depth -= 1;
    else if (depth === 0 && (char === '|' || char === '&')) return true;
  }
  return false;
}
