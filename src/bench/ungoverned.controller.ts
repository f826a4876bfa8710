import { Body, Controller, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { columnOf } from '../data/column-name';
import { ShipmentEntity } from '../data/shipment.entity';
import { fieldsOf, SUBJECTS } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { BenchScope } from './bench-scope';

/**
 * Benchmark only (BENCH_UNGOVERNED=true, refused in production): the governed routes' SQL with
 * governance and audit turned off, so `npm run bench` can show what governance costs.
 * Registered only when the switch is on; never part of a production gateway.
 */
@ApiExcludeController()
@Public()
@Controller('bench/ungoverned')
export class UngovernedController {
  constructor(private readonly db: DatabaseService, private readonly scope: BenchScope) {}

  @Get('demand-signals')
  async list(@Query('limit') limit?: string) {
    const { sql, params, fields } = await this.scope.demandScope();
    const rows = await this.db.read((m) => m.createQueryBuilder()
      .select(fields.map((f) => `t.${columnOf(f)} AS "${f}"`))
      .from(SUBJECTS.DemandSignal.table, 't')
      .where(sql, params)
      .orderBy('t.id', 'ASC')
      .limit(Number(limit ?? 100))
      .getRawMany());
    return { data: rows, meta: { nextCursor: null, fields } };
  }

  @Patch('shipments/:id')
  @HttpCode(200)
  async patch(@Param('id') id: string, @Body() body: Record<string, unknown>) {
    const set = Object.fromEntries(Object.entries(body).filter(([k]) => ['status', 'eta', 'lastLocation'].includes(k)));
    await this.db.transaction((m) => m.createQueryBuilder().update(ShipmentEntity)
      .set({ ...set, updatedAt: new Date().toISOString() } as never)
      .where('id = :id', { id }).execute());
    const [row] = await this.db.read((m) => m.query(this.db.sql(`SELECT ${fieldsOf('Shipment').map((f) => `${columnOf(f)} AS "${f}"`).join(', ')} FROM shipments WHERE id = ?`), [id]));
    return { data: row, meta: {} };
  }
}
