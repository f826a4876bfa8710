import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../common/gateway-error';
import { bodyNotRead } from './client-aborted';

/** Keys that reach an object's prototype when code copies or merges a parsed body. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_REPORTED = 20;
/** Request bodies are flat records, policy documents and EPCIS documents: far shallower than this. */
export const MAX_BODY_DEPTH = 32;

/**
 * The JSON parser's `verify` step: a body that is not valid UTF-8 is refused (400), where decoding
 * would otherwise store each bad byte as U+FFFD, silently changing what the client sent.
 */
export function refuseInvalidUtf8(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  // The parser also reads UTF-16 and UTF-32 when a charset parameter says so: the check is for UTF-8.
  if (/^utf-?8$/i.test(encoding) && !isUtf8(body))
    throw Object.assign(new Error('the request body is not valid UTF-8'), { status: 400, expose: true, invalidUtf8: true });
}

/**
 * Under /api/v1, after the parsers: a request that carries a body the JSON parser did not read (sent
 * as text/plain, XML, a form, or with no content type) is refused with 415, rather than handled as
 * if it had no body and refused for every field it then lacks.
 */
export function refuseNonJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const length = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  // A body the parser read is in req.body, its stream read to the end; one it left alone is neither.
  if ((length <= 0 && !chunked) || req.body !== undefined || req.readableEnded) return next();
  const refusal = () =>
    new GatewayError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', {
      detail: `The request body is ${req.headers['content-type'] ? `of type ${req.headers['content-type'].slice(0, 100)}` : 'without a content type'}; send it as application/json.`,
    });
  if (length > 0) return next(refusal());
  // Chunked, of unknown length: a client that streams an empty body (as some do for a POST without
  // one) has sent no body. Refused at its first byte.
  let settled = false;
  const settle = (error?: unknown) => {
    if (settled) return;
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onGone);
    req.off('close', onGone);
    next(error);
  };
  const onData = (chunk: Buffer) => {
    if (chunk.length === 0) return;
    req.pause();
    settle(refusal());
  };
  const onEnd = () => settle();
  const onGone = () => settle(bodyNotRead());
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('error', onGone);
  req.once('close', onGone);
}

/**
 * Refuses, with 400 VALIDATION_FAILED naming each path, any JSON body (REST bodies, GraphQL
 * variables, pushes, policy documents) that holds
 * - a `__proto__`, `constructor` or `prototype` key at any depth: JSON.parse keeps such keys as own
 *   properties, and class-transformer, object spreads and merges downstream treat them
 *   inconsistently (some drop them silently, some follow them to a prototype), so no code after
 *   the parser ever sees one;
 * - the character U+0000 in a key or a string of a REST body, which PostgreSQL text can neither
 *   store nor compare (a write would fail with a 500 there, and succeed on SQLite);
 * - nesting deeper than MAX_BODY_DEPTH, which the recursive validation downstream would otherwise
 *   overflow the stack on.
 */
export function guardJsonBody(req: Request, _res: Response, next: NextFunction): void {
  // GraphQL answers a NUL in its variables with a GraphQL error of the field concerned (the
  // enforcement path refuses it there), so only REST bodies are refused for it here.
  const { problems, tooDeep } = inspectBody(req.body, !req.path.toLowerCase().startsWith('/graphql'));
  if (tooDeep) return next(GatewayError.validation([`the request body is nested deeper than ${MAX_BODY_DEPTH} levels`]));
  if (problems.length === 0) return next();
  next(GatewayError.validation(problems));
}

/** What is wrong with a parsed JSON value (at most MAX_REPORTED problems); iterative, so any depth is safe. */
export function inspectBody(value: unknown, refuseNul = true): { problems: string[]; tooDeep: boolean } {
  const problems: string[] = [];
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: 'body', depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_REPORTED) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (refuseNul && v.includes('\u0000')) problems.push(`${path} must not contain the NUL character (U+0000)`);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return { problems, tooDeep: true };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const key of Object.getOwnPropertyNames(v)) {
      const at = `${path}.${key.replace(/\u0000/g, '\\0')}`;
      if (PROTOTYPE_KEYS.has(key)) problems.push(`the key '${key}' is not allowed in a request body (at ${at})`);
      else if (refuseNul && key.includes('\u0000')) problems.push(`${at}: a key must not contain the NUL character (U+0000)`);
      else stack.push({ v: (v as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return { problems, tooDeep: false };
}
