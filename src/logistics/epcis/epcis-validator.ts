import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from './epcis-document.schema.json';

let validator: ValidateFunction | null = null;

/** The compiled schema (src/logistics/epcis/epcis-document.schema.json), built once. */
function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv, ['date-time', 'uri']);
    validator = ajv.compile(schema);
  }
  return validator;
}

const MAX_PROBLEMS = 50;

/** Every problem of a document against the EPCIS 2.0 subset schema, as `path: message`; empty when it is valid. */
export function epcisDocumentProblems(document: unknown): string[] {
  const validate = compiled();
  if (validate(document)) return [];
  const problems = [...new Set((validate.errors ?? []).filter(useful).map(describe))];
  return problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more`] : problems;
}

/** `if` failures only repeat what the `then` branch already said. */
function useful(e: ErrorObject): boolean {
  return e.keyword !== 'if';
}

function describe(e: ErrorObject): string {
  const path = pathOf(e.instancePath) || '(document)';
  switch (e.keyword) {
    case 'required':
      return `${path}: must have property '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties':
      return `${path}: unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `${path}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${path}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${path}: ${e.message ?? 'is invalid'}`;
  }
}

/** `/epcisBody/eventList/0/eventTime` → `epcisBody.eventList[0].eventTime`. */
function pathOf(pointer: string): string {
  return pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}
