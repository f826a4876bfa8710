import { ValidationError, ValidationPipe } from '@nestjs/common';
import { GatewayError } from '../../common/gateway-error';

/** Bodies are checked by their DTO: unknown fields and bad values are 400 VALIDATION_FAILED, naming each. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validateCustomDecorators: false,
    exceptionFactory: (errors: ValidationError[]) => GatewayError.validation(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${prefix ? `${prefix}.` : ''}${m}` : `${path}: ${m}`));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
