import { ApiError, missingParameter } from './errors';

/** Decodes `a=1&b=x%20y` (form-urlencoded rules: `+` is a space). Later duplicates win. */
export function parseQueryString(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (!text) return params;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      params[decodeURIComponent(rawName.replace(/\+/g, ' '))] = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw new ApiError(400, 'InvalidParameter.Format', `The query parameter "${rawName}" is not valid percent-encoding.`);
    }
  }
  return params;
}

export type ParamValue = string | ParamValue[] | { [key: string]: ParamValue };

/**
 * Rebuilds `Name.N` / `Tag.N.Key` flattening into arrays and objects. Numeric segments become arrays
 * in numeric order; holes are dropped, matching what the client sends for `[null, 'a']`.
 */
export function unflattenParams(flat: Record<string, string>): Record<string, ParamValue> {
  type Node = { value?: string; children: Map<string, Node> };
  const root: Node = { children: new Map() };
  for (const [key, value] of Object.entries(flat)) {
    let node = root;
    for (const part of key.split('.')) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map() }));
      node = child;
    }
    node.value = value;
  }
  const build = (node: Node): ParamValue => {
    if (node.children.size === 0) return node.value ?? '';
    const keys = [...node.children.keys()];
    if (keys.every((k) => /^\d+$/.test(k))) {
      return keys.sort((a, b) => Number(a) - Number(b)).map((k) => build(node.children.get(k) as Node));
    }
    const object: { [key: string]: ParamValue } = {};
    for (const key of keys) object[key] = build(node.children.get(key) as Node);
    return object;
  };
  const result: Record<string, ParamValue> = {};
  for (const [key, child] of root.children) result[key] = build(child);
  return result;
}

/** Typed access to a request's business parameters, with vendor-style validation errors. */
export class RequestParams {
  private readonly tree: Record<string, ParamValue>;

  constructor(readonly flat: Record<string, string>) {
    this.tree = unflattenParams(flat);
  }

  get decoded(): Record<string, ParamValue> {
    return this.tree;
  }

  string(name: string): string | undefined {
    const value = this.flat[name];
    return value === undefined || value === '' ? undefined : value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  /** `Name.1..N`; also accepts a JSON array string, which some other SDK styles send. */
  list(name: string): string[] {
    const value = this.tree[name];
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
    if (typeof value === 'string' && value.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return parsed.map(String).filter((v) => v !== '');
      } catch {
        throw new ApiError(400, `InvalidParameter.${name}`, `The parameter "${name}" is not a valid list.`);
      }
    }
    return typeof value === 'string' && value !== '' ? [value] : [];
  }

  requiredList(name: string, cap: number): string[] {
    const values = this.list(name);
    if (values.length === 0) throw missingParameter(name);
    return checkCap(name, values, cap);
  }

  optionalList(name: string, cap: number): string[] {
    return checkCap(name, this.list(name), cap);
  }

  integer(name: string, limits: { min: number; max: number; fallback: number }): number {
    const text = this.string(name);
    if (text === undefined) return limits.fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < limits.min || value > limits.max) {
      throw new ApiError(
        400,
        `InvalidParameter.${name}`,
        `The parameter "${name}" must be an integer from ${limits.min} to ${limits.max}.`,
      );
    }
    return value;
  }

  /** `true`/`false` as the TypeScript and Java SDKs send them, `True`/`False` as the Python SDK does. */
  boolean(name: string): boolean | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (text === 'true' || text === 'True') return true;
    if (text === 'false' || text === 'False') return false;
    throw new ApiError(400, `InvalidParameter.${name}`, `The parameter "${name}" must be true or false.`);
  }
}

function checkCap(name: string, values: string[], cap: number): string[] {
  if (values.length > cap) {
    throw new ApiError(400, 'InvalidParameter', `The parameter "${name}" has ${values.length} items; at most ${cap} are allowed.`);
  }
  return values;
}
