import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { SHIPMENT_STATUSES } from '../../../data/subjects';

export class CreateShipmentDto {
  @ApiPropertyOptional({ example: 'shp-2001', description: 'Generated when left out' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) id?: string;

  @ApiProperty({ example: 'PO-2026-0042' }) @IsString() @Length(1, 64) reference: string;
  @ApiProperty({ example: 'carrier-swiftlog' }) @IsString() @Length(1, 64) carrierId: string;
  @ApiProperty({ example: 'supplier-northwind' }) @IsString() @Length(1, 64) shipperId: string;
  @ApiProperty({ example: 'PLANT-DE-1' }) @IsString() @Length(1, 128) origin: string;
  @ApiProperty({ example: 'DC-US-EAST' }) @IsString() @Length(1, 128) destination: string;
  @ApiProperty({ example: 'SKU-100' }) @IsString() @Length(1, 64) sku: string;
  @ApiProperty({ example: 400 }) @IsInt() @Min(1) quantity: number;
  @ApiPropertyOptional({ enum: SHIPMENT_STATUSES, example: 'planned', description: 'planned when left out' }) @IsOptional() @IsIn(SHIPMENT_STATUSES) status?: string;
  @ApiPropertyOptional({ example: '2026-12-04T16:00:00.000Z' }) @IsOptional() @IsISO8601({ strict: true }) eta?: string;
  @ApiPropertyOptional({ example: 'Hamburg hub' }) @IsOptional() @IsString() @Length(1, 200) lastLocation?: string;
  @ApiPropertyOptional({ example: 4.5 }) @IsOptional() @IsNumber() temperatureC?: number;
  @ApiPropertyOptional({ example: '106141411234567897', description: 'GS1 SSCC, 18 digits' }) @IsOptional() @Matches(/^\d{18}$/) sscc?: string;
  @ApiPropertyOptional({ example: 1830 }) @IsOptional() @IsNumber() @Min(0) freightCost?: number;
  @ApiPropertyOptional({ example: 'A7 -> Hamburg -> sea' }) @IsOptional() @IsString() @Length(0, 4000) routingPlan?: string;
}

export class UpdateShipmentDto extends PartialType(OmitType(CreateShipmentDto, ['id'] as const)) {
  @ApiPropertyOptional({ example: '2026-12-04T18:00:00.000Z' }) @IsOptional() @IsISO8601({ strict: true }) lastEventAt?: string;
}

export class RecordShipmentEventDto {
  @ApiPropertyOptional({ example: 'swift-7781', description: 'Your own event id, unique per partner: a resent event is refused as a duplicate' })
  @IsOptional() @IsString() @Length(1, 128) eventId?: string;

  @ApiProperty({ enum: SHIPMENT_STATUSES, example: 'in_transit' }) @IsIn(SHIPMENT_STATUSES) status: string;
  @ApiProperty({ example: '2026-12-02T09:30:00.000Z' }) @IsISO8601({ strict: true }) occurredAt: string;
  @ApiPropertyOptional({ example: 'Rotterdam port' }) @IsOptional() @IsString() @Length(1, 200) location?: string;
  @ApiPropertyOptional({ example: 'Customs cleared' }) @IsOptional() @IsString() @Length(0, 2000) note?: string;
  @ApiPropertyOptional({ example: 5.2, description: 'Applied to the shipment (needs update right on its temperatureC)' })
  @IsOptional() @IsNumber() temperatureC?: number;
}
