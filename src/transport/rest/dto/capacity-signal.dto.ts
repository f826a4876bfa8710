import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Min, MinLength } from 'class-validator';
import { RISK_LEVELS } from '../../../data/subjects';
import { CatalogValues } from './catalog-values';
import { ID_PATTERN } from '../../../common/partner-id';

/** Lengths, ranges and date formats come from the subject catalog (CatalogValues). */
@CatalogValues('CapacitySignal')
export class CreateCapacitySignalDto {
  @ApiPropertyOptional({ example: 'cap-2001', description: 'Generated when left out' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN)
  id?: string;

  @ApiPropertyOptional({ example: 'supplier-northwind', description: "Defaults to the caller's partner id when its policy pins it" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  supplierId?: string;

  @ApiProperty({ example: 'PLANT-DE-1' }) @IsString() @MinLength(1) site: string;
  @ApiProperty({ example: 'SKU-100' }) @IsString() @MinLength(1) sku: string;
  @ApiProperty({ example: '2026-12-01' }) @IsString() periodStart: string;
  @ApiProperty({ example: 5000 }) @IsInt() @Min(0) availableQty: number;
  @ApiPropertyOptional({ example: 3200 }) @IsOptional() @IsInt() @Min(0) committedQty?: number;
  @ApiPropertyOptional({ example: 21 }) @IsOptional() @IsInt() @Min(0) leadTimeDays?: number;
  @ApiProperty({ enum: RISK_LEVELS, example: 'medium' }) @IsIn(RISK_LEVELS) riskLevel: string;
  @ApiPropertyOptional({ example: 'Resin supply tight until Q1' }) @IsOptional() @IsString() riskNotes?: string;
  @ApiPropertyOptional({ example: 7.1 }) @IsOptional() @IsNumber() @Min(0) unitCost?: number;
}

export class UpdateCapacitySignalDto extends PartialType(OmitType(CreateCapacitySignalDto, ['id'] as const)) {}
