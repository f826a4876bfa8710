import { createDatabaseBeside } from '../../support/database';

/**
 * A fresh PostgreSQL database whose default collation is linguistic (ICU), as production
 * databases created with en_US.UTF-8 are: string order then differs from byte order (case and
 * punctuation are weighed differently), so a comparison that forgot COLLATE "C" would disagree
 * with CASL. Null when the server cannot (PostgreSQL before 15, no ICU): the caller falls back.
 */
export async function createCollatedDatabase(base: string, icuLocale: string): Promise<{ url: string; drop(): Promise<void> } | null> {
  try {
    return await createDatabaseBeside(
      base,
      'gw_nl_icu',
      `TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE '${icuLocale.replace(/'/g, '')}' LOCALE 'C.UTF-8'`,
    );
  } catch {
    return null;
  }
}
