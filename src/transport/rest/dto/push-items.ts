import { plainToInstance } from 'class-transformer';
import { IsString, MinLength, validateSync, ValidationError } from 'class-validator';
import { parseDateTime } from '../../../data/field-values';
import { PushItem } from '../../../logistics/shipment-event-batch';
import { CatalogValues } from './catalog-values';
import { RecordShipmentEventDto } from './shipment.dto';

/** A batch item: the fields of RecordShipmentEventDto, by the same rules, plus the shipment it belongs to. */
@CatalogValues('ShipmentEvent')
export class BatchEventItem extends RecordShipmentEventDto {
  @IsString() @MinLength(1) shipmentId: string;
}

/**
 * The events of a push, each validated alone by the rules of a single event (an EPCIS event, whose
 * shipment is located, without `shipmentId`): a valid one carries its fields as `input`, an invalid
 * one a VALIDATION_FAILED refusal that refuses that item only.
 */
export function validatedItems(items: PushItem[]): PushItem[] {
  return items.map((item) => {
    if (item.refusal) return item;
    const checked = validateItem(item.raw, item.locate ? RecordShipmentEventDto : BatchEventItem);
    if ('errors' in checked) return { ...item, refusal: { code: 'VALIDATION_FAILED', message: checked.errors.join('; ') } };
    return { ...item, input: checked.value };
  });
}

function validateItem(raw: unknown, dto: new () => object): { value: Record<string, unknown> } | { errors: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { errors: ['the event must be a JSON object'] };
  const instance = plainToInstance(dto, raw);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) return { errors: flatten(errors) };
  const value: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(instance)) {
    if (v === undefined || v === null) continue;
    value[k] = k === 'occurredAt' ? parseDateTime(v) : v;
  }
  return { value };
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}));
}
