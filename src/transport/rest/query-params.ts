import { GatewayError } from '../../common/gateway-error';

/**
 * A route's query parameters: any other is refused (400, naming it and the ones allowed), and each
 * allowed one is given at most once. Returns the allowed ones as strings.
 */
export function onlyParams(query: Record<string, unknown>, allowed: readonly string[]): Record<string, string | undefined> {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `unknown query parameter '${k}'; allowed: ${allowed.join(', ') || '(none)'}`));
  const out: Record<string, string | undefined> = {};
  for (const k of allowed) {
    const v = query[k];
    if (v !== undefined && typeof v !== 'string') throw GatewayError.validation([`${k} must be given once`]);
    out[k] = v;
  }
  return out;
}
