import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  GraphQLSchema,
} from 'graphql';
import { PUBLIC_KEY, ROLES_KEY } from '../../../src/auth/auth.decorators';
import { TestGateway } from '../../support/test-app';

/**
 * The gateway's attack surface, enumerated from what is actually running: Nest's discovery of
 * controllers and resolvers (with their @Public/@Roles metadata), Express's router, and the
 * GraphQL schema. A new endpoint shows up here without anyone listing it.
 */

export interface RestRoute {
  method: string;
  /** Express path, e.g. /api/v1/shipments/:id */
  path: string;
  controller: string;
  handler: string;
  isPublic: boolean;
  roles: string[] | null;
}

export interface GraphqlOperation {
  kind: 'Query' | 'Mutation' | 'Subscription';
  name: string;
  resolver: string;
  isPublic: boolean;
  roles: string[] | null;
}

const join = (...parts: string[]) =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

function metadataOf<T>(key: string, handler: object, cls: object): T | undefined {
  return Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, cls);
}

function discovery(gw: TestGateway): DiscoveryService {
  return new DiscoveryService(gw.app.get(ModulesContainer));
}

/** Every route Nest registered from a controller, with its guard metadata. */
export function nestRoutes(gw: TestGateway): RestRoute[] {
  const scanner = new MetadataScanner();
  const out: RestRoute[] = [];
  for (const wrapper of discovery(gw).getControllers()) {
    const cls = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
    if (!cls) continue;
    const prefixes = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, cls) ?? '/');
    for (const name of scanner.getAllMethodNames(cls.prototype)) {
      const handler = (cls.prototype as Record<string, object>)[name];
      const paths = Reflect.getMetadata(PATH_METADATA, handler);
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      for (const prefix of prefixes) {
        for (const p of ([] as string[]).concat(paths)) {
          out.push({
            method,
            path: join(prefix, p).replace(/\\:/g, ':'),
            controller: cls.name,
            handler: name,
            isPublic: metadataOf<boolean>(PUBLIC_KEY, handler, cls) === true,
            roles: metadataOf<string[]>(ROLES_KEY, handler, cls) ?? null,
          });
        }
      }
    }
  }
  return out.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** Every route in Express's router (method + path), whoever registered it. */
export function expressRoutes(gw: TestGateway): Array<{ method: string; path: string }> {
  const app = gw.app.getHttpAdapter().getInstance() as { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
  const stack = (app.router ?? app._router)?.stack ?? [];
  const out: Array<{ method: string; path: string }> = [];
  for (const layer of stack as Array<{ route?: { path: string | string[]; methods: Record<string, boolean> } }>) {
    if (!layer.route) continue;
    for (const path of ([] as string[]).concat(layer.route.path)) {
      // Nest's catch-all not-found route answers every method on every path: not an endpoint.
      if (path === '/{*path}') continue;
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push({ method: m.toUpperCase(), path: path.replace(/\\:/g, ':') });
    }
  }
  return out;
}

/** Every Query, Mutation and Subscription resolver method Nest knows, with its guard metadata. */
export function graphqlOperations(gw: TestGateway): GraphqlOperation[] {
  const scanner = new MetadataScanner();
  const out: GraphqlOperation[] = [];
  for (const wrapper of discovery(gw).getProviders()) {
    const cls = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
    if (!cls || typeof cls !== 'function' || !cls.prototype) continue;
    for (const name of scanner.getAllMethodNames(cls.prototype)) {
      const handler = (cls.prototype as Record<string, object>)[name];
      const kind = Reflect.getMetadata('graphql:resolver_type', handler) as GraphqlOperation['kind'] | undefined;
      if (kind !== 'Query' && kind !== 'Mutation' && kind !== 'Subscription') continue;
      out.push({
        kind,
        name: (Reflect.getMetadata('graphql:resolver_name', handler) as string | undefined) ?? name,
        resolver: cls.name,
        isPublic: metadataOf<boolean>(PUBLIC_KEY, handler, cls) === true,
        roles: metadataOf<string[]>(ROLES_KEY, handler, cls) ?? null,
      });
    }
  }
  return out.sort((a, b) => `${a.kind}.${a.name}`.localeCompare(`${b.kind}.${b.name}`));
}

export function schemaOf(gw: TestGateway): GraphQLSchema {
  return gw.app.get(GraphQLSchemaHost).schema;
}

/** The root fields of the running schema. */
export function schemaFields(gw: TestGateway): Array<{ kind: GraphqlOperation['kind']; field: GraphQLField<unknown, unknown> }> {
  const schema = schemaOf(gw);
  const out: Array<{ kind: GraphqlOperation['kind']; field: GraphQLField<unknown, unknown> }> = [];
  for (const [kind, type] of [
    ['Query', schema.getQueryType()],
    ['Mutation', schema.getMutationType()],
    ['Subscription', schema.getSubscriptionType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) out.push({ kind, field });
  }
  return out;
}

/** A syntactically and type-valid document calling one root field with minimal arguments. */
export function operationFor(kind: 'Query' | 'Mutation' | 'Subscription', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type));
  const argText = args.length ? `(${args.map((a: GraphQLArgument) => `${a.name}: ${valueFor(a.type)}`).join(', ')})` : '';
  const named = getNamedType(field.type) as GraphQLNamedType;
  const selection = isLeafType(named) ? '' : ' { __typename }';
  return `${kind.toLowerCase()} { ${field.name}${argText}${selection} }`;
}

function valueFor(type: GraphQLInputType, depth = 0): string {
  if (isNonNullType(type)) return valueFor(type.ofType, depth);
  if (isListType(type)) return `[${valueFor(type.ofType, depth)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    if (depth > 3) return '{}';
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${fields.map((f) => `${f.name}: ${valueFor(f.type, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return '1';
      case 'Float':
        return '1.5';
      case 'Boolean':
        return 'true';
      case 'JSON':
        return '{}';
      default:
        return '"inventory-probe"';
    }
  }
  return 'null';
}

/** An Express path with its parameters filled in. */
export function concrete(path: string): string {
  return path.replace(/\/:([A-Za-z_]+)/g, (_, name: string) => `/${name === 'version' ? '1' : 'inventory-probe'}`);
}

export const ALL_ROLES = ['partner', 'governance', 'auditor', 'admin'] as const;
