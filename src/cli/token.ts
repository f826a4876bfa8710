import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../auth/key-store';
import { ROLES } from '../auth/principal';
import { validateConfig } from '../config/app-config';
import { parseArgs } from './args';

const USAGE = 'usage: npm run -s token -- --sub <sub> --roles <r1,r2> [--partner <id>] [--purpose <p>] [--ttl <seconds>]';

/** Prints a token signed with the embedded key (created under DATA_DIR/keys if missing), and nothing else. */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = validateConfig(process.env);
  if (!args.sub || !args.roles) throw new Error(USAGE);
  const roles = args.roles.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new Error(`unknown role(s): ${unknown.join(', ')}; use ${ROLES.join(', ')}`);
  const ttl = args.ttl === undefined ? 3600 : Number(args.ttl);
  if (!Number.isInteger(ttl)) throw new Error('--ttl must be a whole number of seconds');
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
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(2);
});
