import { catalogDto } from './catalog-dto';

/** Request bodies built from the subject catalog (src/data/subjects.ts): fields, validation, limits and OpenAPI. */
export class CreateCapacitySignalDto extends catalogDto('CapacitySignal', 'create') {}
export class UpdateCapacitySignalDto extends catalogDto('CapacitySignal', 'update') {}
