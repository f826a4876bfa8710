import { catalogDto } from './catalog-dto';

/** Request body built from the subject catalog (src/data/subjects.ts): fields, validation, limits and OpenAPI. */
export class CreateDemandSignalDto extends catalogDto('DemandSignal', 'create') {}
