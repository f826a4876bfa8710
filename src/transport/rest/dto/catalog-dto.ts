import { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Min, MinLength } from 'class-validator';
import { FieldSpec, SubjectName, writableFields } from '../../../data/subjects';
import { CatalogValues } from './catalog-values';

/**
 * A request body class built from the subject catalog: one property per field a create (or update)
 * may carry, with its validation (class-validator) and its OpenAPI description. Column limits are
 * added by CatalogValues. Export a named subclass (`class CreateShipmentDto extends catalogDto(...) {}`)
 * so the OpenAPI schema and Nest's ValidationPipe both see a real class by its name.
 */
export function catalogDto(subject: SubjectName, action: 'create' | 'update'): Type<Record<string, unknown>> {
  class CatalogBody {}
  const proto = CatalogBody.prototype;
  for (const { field, spec, required } of writableFields(subject, action)) {
    const documented: ApiPropertyOptions = {
      type: spec.type === 'integer' || spec.type === 'number' ? Number : String,
      ...(spec.example !== undefined ? { example: spec.example } : {}),
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.type === 'enum' ? { enum: spec.values as string[] } : {}),
    };
    if (required) ApiProperty(documented)(proto, field);
    else {
      ApiPropertyOptional(documented)(proto, field);
      IsOptional()(proto, field);
    }
    for (const check of checksOf(spec)) check(proto, field);
  }
  Object.defineProperty(CatalogBody, 'name', { value: `${subject}${action === 'create' ? 'Create' : 'Update'}Body` });
  CatalogValues(subject)(CatalogBody);
  return CatalogBody as Type<Record<string, unknown>>;
}

function checksOf(spec: FieldSpec): PropertyDecorator[] {
  switch (spec.type) {
    case 'enum':
      return [IsIn(spec.values as string[])];
    case 'integer':
      return [IsInt(), ...(spec.minimum !== undefined ? [Min(spec.minimum)] : [])];
    case 'number':
      return [IsNumber(), ...(spec.minimum !== undefined ? [Min(spec.minimum)] : [])];
    default:
      return [IsString(), ...(spec.minLength !== undefined ? [MinLength(spec.minLength)] : []), ...(spec.pattern ? [Matches(spec.pattern)] : [])];
  }
}
