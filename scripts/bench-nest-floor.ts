import 'reflect-metadata';
import { Body, Controller, DynamicModule, Get, HttpCode, Module, NotFoundException, Param, Patch, Post, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, RouteSchema } from '@nestjs/platform-fastify';
import { Floor, openFloor } from './bench-floor';

/**
 * The framework's floor: a minimal Nest app (Express adapter, JSON body parser, no guards,
 * interceptors, pipes or logging) around the same work as the bare handler (scripts/bench-floor.ts).
 * `--fastify`: the same app on the Fastify adapter (its JSON body parser; answers serialised with
 * JSON.stringify, as no route declares a schema). `--fastify --schema`: the list declares its
 * answer's JSON schema, so Fastify serialises it with fast-json-stringify (known shapes).
 */
let floor: Floor;

@Controller()
class ListController {
  @Get('api/v1/demand-signals')
  async list() {
    return { data: await floor.list(), meta: {} };
  }
}

const nullable = (type: string) => ({ type: [type, 'null'] });
/** The list answer of the floors: the page's rows (scripts/bench-floor.ts, FIELDS) and an empty meta. */
const LIST_SCHEMA = {
  type: 'object',
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          sku: { type: 'string' },
          productFamily: nullable('string'),
          site: { type: 'string' },
          region: { type: 'string' },
          periodStart: { type: 'string' },
          forecastQty: { type: 'integer' },
          orderedQty: nullable('integer'),
          updatedAt: { type: 'string' },
        },
      },
    },
    meta: { type: 'object' },
  },
};

@Controller()
class SchemaListController {
  @Get('api/v1/demand-signals')
  @RouteSchema({ response: { 200: LIST_SCHEMA } })
  async list() {
    return { data: await floor.list(), meta: {} };
  }
}

@Controller()
class FloorController {
  @Post('graphql')
  @HttpCode(200)
  graphql(@Body() body: { query?: string }) {
    return floor.graphql(String(body?.query ?? ''));
  }

  @Patch('api/v1/shipments/:id')
  async patch(@Param('id') id: string, @Body() body: { lastLocation?: string }) {
    const row = await floor.patch(id, String(body?.lastLocation ?? ''));
    if (!row) throw new NotFoundException();
    return { data: row };
  }
}

@Module({})
class FloorModule {
  static with(list: Type): DynamicModule {
    return { module: FloorModule, controllers: [list, FloorController] };
  }
}

async function main(): Promise<void> {
  floor = await openFloor();
  const fastify = process.argv.includes('--fastify');
  const module = FloorModule.with(fastify && process.argv.includes('--schema') ? SchemaListController : ListController);
  const app = fastify ? await NestFactory.create(module, new FastifyAdapter(), { logger: false }) : await NestFactory.create(module, { logger: false });
  await app.listen(Number(process.env.PORT ?? 3998), '127.0.0.1');
}

void main();
