import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from './epcis-document.schema.json';

let validators: { document: ValidateFunction; event: ValidateFunction } | null = null;

/** The compiled schema (src/logistics/epcis/epcis-document.schema.json) and its event definition, built once. */
function compiled(): { document: ValidateFunction; event: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv, ['date-time', 'uri']);
    const document = ajv.compile(schema);
    validators = { document, event: ajv.getSchema(`${schema.$id}#/$defs/event`)! };
  }
  return validators;
}

const MAX_PROBLEMS = 50;

/** Every problem of a document's envelope against the EPCIS 2.0 schema, as `path: message`; empty when it is valid. */
export function epcisDocumentProblems(document: unknown): string[] {
  return problemsOf(compiled().document, document, '');
}

/** Every problem of one event against the schema's event definition, paths prefixed with `at` (e.g. `epcisBody.eventList[3]`). */
export function epcisEventProblems(event: unknown, at: string): string[] {
  return problemsOf(compiled().event, event, at);
}

function problemsOf(validate: ValidateFunction, value: unknown, at: string): string[] {
  if (validate(value)) return [];
  const problems = [...new Set((validate.errors ?? []).filter(useful).map((e) => describe(e, at)))];
  return problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more`] : problems;
}

/** `if` failures only repeat what the `then` branch already said. */
function useful(e: ErrorObject): boolean {
  return e.keyword !== 'if';
}

function describe(e: ErrorObject, at: string): string {
  const inner = pathOf(e.instancePath);
  const path = (at && inner ? `${at}${inner.startsWith('[') ? '' : '.'}${inner}` : at || inner) || '(document)';
  switch (e.keyword) {
    case 'required':
      return `${path}: must have property '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties':
      return `${path}: unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `${path}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${path}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${path}: ${e.message ?? 'is invalid'}`;
  }
}

/** `/epcisBody/eventList/0/eventTime` → `epcisBody.eventList[0].eventTime`. */
function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}
