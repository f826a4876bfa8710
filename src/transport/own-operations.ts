import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

/** A partner's own resources, whatever its policy grants: its webhook endpoints and its agreements. */
const OWN_PATHS = ['/api/v1/me/webhooks', '/api/v1/me/agreements'];

/**
 * A partner's document (me/partner-openapi.ts) with the operations on its own webhook endpoints
 * and agreements added as the gateway's document describes them, and the components they name. A
 * component the partner's document already holds (its narrowed schemas) is kept as it is.
 */
export function withOwnOperations(partnerDoc: Json, main: OpenAPIObject | null): Json {
  if (!main) return partnerDoc;
  const paths = { ...(partnerDoc.paths as Record<string, Json>) };
  const components = structuredClone((partnerDoc.components ?? {}) as Record<string, Record<string, unknown>>);
  const pending: unknown[] = [];
  for (const [path, item] of Object.entries(main.paths)) {
    if (!OWN_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) continue;
    paths[path] = structuredClone(item) as Json;
    pending.push(paths[path]);
  }
  const mainComponents = (main.components ?? {}) as Record<string, Record<string, unknown>>;
  while (pending.length > 0) {
    for (const ref of refsIn(pending.pop())) {
      const [, , kind, name] = ref.split('/');
      const source = mainComponents[kind]?.[name];
      if (source === undefined || components[kind]?.[name] !== undefined) continue;
      (components[kind] ??= {})[name] = structuredClone(source);
      pending.push(components[kind][name]);
    }
  }
  return { ...partnerDoc, paths, components };
}

/** The local `$ref`s (`#/components/<kind>/<name>`) anywhere in a value. */
function refsIn(value: unknown): string[] {
  const out: string[] = [];
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Json)) {
        if (k === '$ref' && typeof child === 'string' && child.startsWith('#/components/')) out.push(child);
        else stack.push(child);
      }
    }
  }
  return out;
}
