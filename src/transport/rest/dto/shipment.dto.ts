import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Min, MinLength } from 'class-validator';
import { SHIPMENT_STATUSES } from '../../../data/subjects';
import { CatalogValues, StoredText } from './catalog-values';
import { ID_PATTERN } from '../../../common/partner-id';

/** Lengths, ranges and date-time formats come from the subject catalog (CatalogValues). */
@CatalogValues('Shipment')
export class CreateShipmentDto {
  @ApiPropertyOptional({ example: 'shp-2001', description: 'Generated when left out' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN)
  id?: string;

  @ApiProperty({ example: 'PO-2026-0042' }) @IsString() @MinLength(1) reference: string;
  @ApiProperty({ example: 'carrier-swiftlog' }) @IsString() @MinLength(1) carrierId: string;
  @ApiProperty({ example: 'supplier-northwind' }) @IsString() @MinLength(1) shipperId: string;
  @ApiProperty({ example: 'PLANT-DE-1' }) @IsString() @MinLength(1) origin: string;
  @ApiProperty({ example: 'DC-US-EAST' }) @IsString() @MinLength(1) destination: string;
  @ApiProperty({ example: 'SKU-100' }) @IsString() @MinLength(1) sku: string;
  @ApiProperty({ example: 400 }) @IsInt() @Min(1) quantity: number;
  @ApiPropertyOptional({ enum: SHIPMENT_STATUSES, example: 'planned', description: 'planned when left out' })
  @IsOptional()
  @IsIn(SHIPMENT_STATUSES)
  status?: string;
  @ApiPropertyOptional({ example: '2026-12-04T16:00:00.000Z' }) @IsOptional() @IsString() eta?: string;
  @ApiPropertyOptional({ example: 'Hamburg hub' }) @IsOptional() @IsString() @MinLength(1) lastLocation?: string;
  @ApiPropertyOptional({ example: 4.5 }) @IsOptional() @IsNumber() temperatureC?: number;
  @ApiPropertyOptional({ example: '106141411234567897', description: 'GS1 SSCC, 18 digits' }) @IsOptional() @Matches(/^\d{18}$/) sscc?: string;
  @ApiPropertyOptional({ example: 1830 }) @IsOptional() @IsNumber() @Min(0) freightCost?: number;
  @ApiPropertyOptional({ example: 'A7 -> Hamburg -> sea' }) @IsOptional() @IsString() routingPlan?: string;
}

@CatalogValues('Shipment')
export class UpdateShipmentDto extends PartialType(OmitType(CreateShipmentDto, ['id'] as const)) {
  @ApiPropertyOptional({ example: '2026-12-04T18:00:00.000Z' }) @IsOptional() @IsString() lastEventAt?: string;
}

@CatalogValues('ShipmentEvent')
export class RecordShipmentEventDto {
  @ApiPropertyOptional({ example: 'swift-7781', description: 'Your own event id, unique per partner: a resent event is refused as a duplicate' })
  @IsOptional()
  @IsString()
  @StoredText(128)
  eventId?: string;

  @ApiProperty({ enum: SHIPMENT_STATUSES, example: 'in_transit' }) @IsIn(SHIPMENT_STATUSES) status: string;
  @ApiProperty({ example: '2026-12-02T09:30:00.000Z' }) @IsString() occurredAt: string;
  @ApiPropertyOptional({ example: 'Rotterdam port' }) @IsOptional() @IsString() @MinLength(1) location?: string;
  @ApiPropertyOptional({ example: 'Customs cleared' }) @IsOptional() @IsString() note?: string;
  @ApiPropertyOptional({ example: 5.2, description: 'Applied to the shipment (needs update right on its temperatureC)' })
  @IsOptional()
  @IsNumber()
  temperatureC?: number;
}
