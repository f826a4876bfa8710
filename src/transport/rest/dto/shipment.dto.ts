import { catalogDto } from './catalog-dto';

/** Request bodies built from the subject catalog (src/data/subjects.ts): fields, validation, limits and OpenAPI. */
export class CreateShipmentDto extends catalogDto('Shipment', 'create') {}
export class UpdateShipmentDto extends catalogDto('Shipment', 'update') {}
export class RecordShipmentEventDto extends catalogDto('ShipmentEvent', 'create') {}
