import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../auth/key-store';
import { ROLES } from '../auth/principal';
import { validateConfig } from '../config/app-config';
import { intValue, readArgs, run, UsageError } from './cli';

const USAGE = `usage: npm run -s token -- --sub <sub> --roles <r1,r2> [--partner <id>] [--purpose <p>] [--ttl <seconds>]

Prints a bearer token signed with the embedded key (DATA_DIR/keys, created if missing), and nothing else.
  --sub <sub>         the token's subject (required)
  --roles <r1,r2>     comma-separated roles: ${ROLES.join(', ')} (required)
  --partner <id>      partner_id claim (partner tokens)
  --purpose <p>       purpose claim
  --ttl <seconds>     lifetime, default 3600; a negative one gives an expired token: --ttl=-600`;

/** Prints a token signed with the embedded key (created under DATA_DIR/keys if missing), and nothing else. */
async function main(): Promise<number> {
  const { values: args } = readArgs({
    name: 'token',
    usage: USAGE,
    options: {
      sub: { type: 'string' },
      roles: { type: 'string' },
      partner: { type: 'string' },
      purpose: { type: 'string' },
      ttl: { type: 'string' },
    },
  });
  if (!args.sub) throw new UsageError('--sub is required');
  if (!args.roles) throw new UsageError('--roles is required');
  const roles = args.roles
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0) throw new UsageError('--roles names no role');
  if (unknown.length > 0) throw new UsageError(`unknown role(s): ${unknown.join(', ')}; use ${ROLES.join(', ')}`);
  const ttl = intValue('ttl', args.ttl) ?? 3600;
  const config = validateConfig(process.env, { serving: false });
  const key = await loadOrCreateSigningKey(config.DATA_DIR);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { roles };
  if (args.partner) claims.partner_id = args.partner;
  if (args.purpose) claims.purpose = args.purpose;
  const iat = ttl < 0 ? now + ttl - 60 : now;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject(args.sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(now + ttl)
    .sign(key.privateKey);
  process.stdout.write(`${token}\n`);
  return 0;
}

// Exit 2 on any failure, as before: scripts that mint tokens test for it.
run('token', main, 2);
