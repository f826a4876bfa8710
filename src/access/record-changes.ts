/**
 * Told, after a governed write has committed, which rows of a subject it created or changed (the
 * webhook queue turns that into deliveries). Never fails the write: it has already committed.
 */
export abstract class RecordChanges {
  abstract changed(subject: string, ...recordIds: string[]): Promise<void>;
}
