import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Matches, Min, MinLength } from 'class-validator';
import { CatalogValues } from './catalog-values';
import { ID_PATTERN } from '../../../common/partner-id';

/** Lengths, ranges and date formats come from the subject catalog (CatalogValues). */
@CatalogValues('DemandSignal')
export class CreateDemandSignalDto {
  @ApiPropertyOptional({ example: 'ds-2001', description: 'Generated when left out' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN)
  id?: string;

  @ApiProperty({ example: 'SKU-100' }) @IsString() @MinLength(1) sku: string;
  @ApiPropertyOptional({ example: 'Drive units' }) @IsOptional() @IsString() @MinLength(1) productFamily?: string;
  @ApiProperty({ example: 'PLANT-DE-1' }) @IsString() @MinLength(1) site: string;
  @ApiProperty({ example: 'EMEA' }) @IsString() @MinLength(1) region: string;
  @ApiProperty({ example: '2026-12-01' }) @IsString() periodStart: string;
  @ApiProperty({ example: 1200 }) @IsInt() @Min(0) forecastQty: number;
  @ApiPropertyOptional({ example: 800 }) @IsOptional() @IsInt() @Min(0) orderedQty?: number;
  @ApiPropertyOptional({ example: 12.5 }) @IsOptional() @IsNumber() @Min(0) unitPrice?: number;
  @ApiPropertyOptional({ example: 'Contoso Retail' }) @IsOptional() @IsString() @MinLength(1) customerName?: string;
  @ApiPropertyOptional({ example: 18.2 }) @IsOptional() @IsNumber() marginPct?: number;
}
