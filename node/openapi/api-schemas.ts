import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { SchemaObject, ValidateFunction } from 'ajv';

/** Where every file under schemas/api/ says it lives; `$ref`s between them are relative to it. */
export const API_SCHEMA_BASE = 'https://credit-node.local/schemas/api/';
const SUFFIX = '.schema.json';

/** One file of schemas/api/: its stem (`objection-request`), `$id`, component name (`ObjectionRequest`) and content. */
export interface ApiSchemaFile {
  name: string;
  id: string;
  component: string;
  schema: Readonly<SchemaObject>;
}

/** `objection-request` → `ObjectionRequest`: the name of the file's schema under the document's components. */
export function componentName(stem: string): string {
  return stem.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** The `schemas/api/` folder: walk up from this file (node/openapi/ under tsx, dist/node/openapi/ when built). */
function findApiDir(dir?: string): string {
  const has = (d: string) => existsSync(path.join(d, 'error.schema.json'));
  if (dir !== undefined) {
    for (const d of [path.resolve(dir), path.resolve(dir, 'api'), path.resolve(dir, 'schemas', 'api')]) if (has(d)) return d;
    throw new Error(`no schemas/api/error.schema.json in or under ${path.resolve(dir)}`);
  }
  let cur = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const d = path.join(cur, 'schemas', 'api');
    if (has(d)) return d;
    const up = path.dirname(cur);
    if (up === cur) throw new Error(`cannot find schemas/api/ above ${fileURLToPath(import.meta.url)}`);
    cur = up;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The JSON Schemas of the public and third-party API bodies (schemas/api/, draft 2020-12), read and checked once
 * and compiled by one Ajv instance. The request middleware validates with these validators and the OpenAPI
 * document is built from these same files, so the two cannot drift apart.
 */
export class ApiSchemas {
  private static readonly loaded = new Map<string, ApiSchemas>();

  /** The schemas of `dir` (schemas/api/ or a folder above it; default: the package's own), loaded once. */
  static load(dir?: string): ApiSchemas {
    const apiDir = findApiDir(dir);
    let schemas = ApiSchemas.loaded.get(apiDir);
    if (!schemas) {
      schemas = new ApiSchemas(apiDir);
      ApiSchemas.loaded.set(apiDir, schemas);
    }
    return schemas;
  }

  readonly dir: string;
  readonly files: readonly ApiSchemaFile[];
  private readonly byName = new Map<string, ApiSchemaFile>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: InstanceType<typeof Ajv2020.default>;

  private constructor(apiDir: string) {
    this.dir = apiDir;
    // verbose: an error carries the subschema that failed, whose `title` names the field in Chinese.
    this.ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
    addFormats.default(this.ajv);
    const files: ApiSchemaFile[] = [];
    for (const file of readdirSync(apiDir).filter((f) => f.endsWith(SUFFIX)).sort()) {
      const stem = file.slice(0, -SUFFIX.length);
      let raw: SchemaObject;
      try {
        raw = JSON.parse(readFileSync(path.join(apiDir, file), 'utf8')) as SchemaObject;
      } catch (err) {
        throw new Error(`schemas/api/${file}: ${(err as Error).message}`);
      }
      if (raw['$schema'] !== 'https://json-schema.org/draft/2020-12/schema') throw new Error(`schemas/api/${file}: $schema must be draft 2020-12`);
      if (raw['$id'] !== `${API_SCHEMA_BASE}${file}`) throw new Error(`schemas/api/${file}: $id must be ${API_SCHEMA_BASE}${file}`);
      if (typeof raw['title'] !== 'string') throw new Error(`schemas/api/${file}: needs a title (中文)`);
      const entry: ApiSchemaFile = { name: stem, id: raw['$id'] as string, component: componentName(stem), schema: deepFreeze(raw) };
      files.push(entry);
      this.byName.set(stem, entry);
    }
    // All added before any is compiled: they refer to each other by relative `$ref`.
    for (const f of files) this.ajv.addSchema(f.schema as SchemaObject);
    this.files = files;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  file(name: string): ApiSchemaFile {
    const f = this.byName.get(name);
    if (!f) throw new Error(`no schema schemas/api/${name}${SUFFIX}`);
    return f;
  }

  /** The compiled validator of a file, compiled on first use and kept. */
  validator(name: string): ValidateFunction {
    let v = this.validators.get(name);
    if (!v) {
      const compiled = this.ajv.getSchema(this.file(name).id);
      if (!compiled) throw new Error(`schema ${name} did not compile`);
      v = compiled;
      this.validators.set(name, v);
    }
    return v;
  }

  /** Compiles every file (a broken schema fails here, at start, rather than on the first request). */
  compileAll(): void {
    for (const f of this.files) this.validator(f.name);
  }
}
