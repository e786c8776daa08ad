import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Fields Kubernetes does not know. kubernetes-models' validators check types, required fields and enums but let an
 * unknown key pass (a misspelt `readinesProbe` is silently no probe), which the API server refuses under strict field
 * validation. Its type declarations list every field of every kind, so they are read here as the field lists: each
 * interface's quoted properties, and through its imports the interfaces of the nested objects.
 */

const modelsDir = fileURLToPath(new URL('../../node_modules/kubernetes-models/', import.meta.url));
const scopedDir = fileURLToPath(new URL('../../node_modules/@kubernetes-models/', import.meta.url));

interface Fields {
  /** Field name → the declaration file of its object type (its element type for a list); null for anything else. */
  readonly fields: ReadonlyMap<string, string | null>;
}

const parsed = new Map<string, Fields | null>();

/** The fields of the first interface a declaration file exports, or null when it exports none (a scalar type). */
function fieldsOf(file: string): Fields | null {
  if (parsed.has(file)) return parsed.get(file)!;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const [, name, from] of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) imports.set(name, resolve(file, from));
  const body = /^export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)^\}/m.exec(text)?.[1];
  if (body === undefined) {
    parsed.set(file, null);
    return null;
  }
  const fields = new Map<string, string | null>();
  // Four spaces deep: the interface's own fields, not those of an inline type such as a label map.
  for (const [, name, type] of body.matchAll(/^ {4}"([^"]+)"\??: (.+?);?$/gm)) {
    const element = /^Array<(\w+)>$/.exec(type)?.[1] ?? type;
    fields.set(name, imports.get(element) ?? null);
  }
  const result = { fields };
  parsed.set(file, result);
  return result;
}

function resolve(file: string, from: string): string {
  if (from.startsWith('.')) return join(dirname(file), `${from}.d.ts`);
  const scoped = /^@kubernetes-models\/(.+)$/.exec(from)?.[1];
  return scoped ? join(scopedDir, `${scoped}.d.ts`) : from;
}

/** The declaration file of a kind: `apps/v1` `Deployment` → kubernetes-models/apps/v1/Deployment.d.ts. */
export function declarationOf(apiVersion: string, kind: string): string | null {
  const file = join(modelsDir, apiVersion.includes('/') ? apiVersion : `v1`, `${kind}.d.ts`);
  return existsSync(file) ? file : null;
}

/** Paths (`spec.template.spec.containers[0].readinesProbe`) of the fields in `value` that its type does not have. */
export function unknownFields(value: unknown, file: string, path = ''): string[] {
  const type = existsSync(file) ? fieldsOf(file) : null;
  if (!type) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => unknownFields(item, file, `${path}[${index}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const where = path ? `${path}.${key}` : key;
    if (!type.fields.has(key)) return [where];
    const childFile = type.fields.get(key);
    return childFile ? unknownFields(child, childFile, where) : [];
  });
}
