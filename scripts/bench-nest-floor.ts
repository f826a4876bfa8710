import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Floor, openFloor } from './bench-floor';

/**
 * The framework's floor: a minimal Nest app (Express adapter, JSON body parser, no guards,
 * interceptors, pipes or logging) around the same work as the bare handler (scripts/bench-floor.ts).
 */
let floor: Floor;

@Controller()
class FloorController {
  @Get('api/v1/demand-signals')
  async list() {
    return { data: await floor.list(), meta: {} };
  }

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

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  floor = await openFloor();
  const app = await NestFactory.create(FloorModule, { logger: false });
  await app.listen(Number(process.env.PORT ?? 3998), '127.0.0.1');
}

void main();
