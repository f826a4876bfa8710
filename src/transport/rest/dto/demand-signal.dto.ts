import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Length, Matches, Min } from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class CreateDemandSignalDto {
  @ApiPropertyOptional({ example: 'ds-2001', description: 'Generated when left out' })
  @IsOptional() @IsString() @Matches(ID) id?: string;

  @ApiProperty({ example: 'SKU-100' }) @IsString() @Length(1, 64) sku: string;
  @ApiPropertyOptional({ example: 'Drive units' }) @IsOptional() @IsString() @Length(1, 128) productFamily?: string;
  @ApiProperty({ example: 'PLANT-DE-1' }) @IsString() @Length(1, 64) site: string;
  @ApiProperty({ example: 'EMEA' }) @IsString() @Length(1, 64) region: string;
  @ApiProperty({ example: '2026-12-01' }) @Matches(DATE, { message: 'periodStart must be a date YYYY-MM-DD' }) periodStart: string;
  @ApiProperty({ example: 1200 }) @IsInt() @Min(0) forecastQty: number;
  @ApiPropertyOptional({ example: 800 }) @IsOptional() @IsInt() @Min(0) orderedQty?: number;
  @ApiPropertyOptional({ example: 12.5 }) @IsOptional() @IsNumber() @Min(0) unitPrice?: number;
  @ApiPropertyOptional({ example: 'Contoso Retail' }) @IsOptional() @IsString() @Length(1, 200) customerName?: string;
  @ApiPropertyOptional({ example: 18.2 }) @IsOptional() @IsNumber() marginPct?: number;
}
