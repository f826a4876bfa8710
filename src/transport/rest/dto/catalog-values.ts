import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { getMetadataStorage, registerDecorator, ValidationArguments } from 'class-validator';
import { INT32_MAX, textProblem, valueProblem } from '../../../data/field-values';
import { FieldSpec, SUBJECTS, SubjectName } from '../../../data/subjects';

/**
 * Class decorator: every property of the DTO that the subject catalog names is also checked as its
 * column will hold it (src/data/field-values.ts): lengths in characters as the databases count,
 * whole numbers within 32 bits, real calendar dates and RFC 3339 date-times, no lone surrogates.
 * The limits live in the catalog (the DTOs themselves are built from it: ./catalog-dto.ts).
 * Only properties the DTO itself declares are covered: registering one makes it whitelisted.
 */
export function CatalogValues(subject: SubjectName): ClassDecorator {
  return (target) => {
    const own = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(target, '', false, false)
        .filter((m) => m.target === target)
        .map((m) => m.propertyName),
    );
    for (const field of own) {
      const spec = SUBJECTS[subject].fields[field] ?? SUBJECTS[subject].inputOnly?.[field];
      if (!spec) continue;
      // A value of the wrong JSON type is the DTO's own type decorator's to name (IsString, IsInt...),
      // and so is an enum value outside its list (IsIn): each problem is named once.
      registerCheck(target, field, (value) => {
        if (typeof value !== jsonTypeOf(spec)) return null;
        return spec.type === 'enum' ? textProblem(value, undefined) : valueProblem(spec, value);
      });
      const documented = openApiOf(spec);
      if (documented) ApiProperty(documented)((target as { prototype: object }).prototype, field);
    }
  };
}

function registerCheck(target: Parameters<typeof registerDecorator>[0]['target'], propertyName: string, problem: (value: unknown) => string | null): void {
  registerDecorator({
    name: 'storedValue',
    target,
    propertyName,
    validator: {
      validate: (value: unknown) => problem(value) === null,
      defaultMessage: (args?: ValidationArguments) => `${args?.property ?? propertyName} ${problem(args?.value) ?? 'is invalid'}`,
    },
  });
}

/** The same limits in the OpenAPI document (merged into the property's own ApiProperty). */
function openApiOf(spec: FieldSpec): ApiPropertyOptions | null {
  switch (spec.type) {
    case 'string':
      return spec.maxLength !== undefined ? { maxLength: spec.maxLength } : null;
    case 'date':
      return { format: 'date' };
    case 'timestamp':
      return { format: 'date-time' };
    case 'integer':
      return { format: 'int32', maximum: INT32_MAX };
    default:
      return null;
  }
}

function jsonTypeOf(spec: FieldSpec): 'number' | 'string' {
  return spec.type === 'integer' || spec.type === 'number' ? 'number' : 'string';
}
