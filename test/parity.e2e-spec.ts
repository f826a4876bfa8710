import { ADMIN, bearer, demoPartnerIds, FIELDS, GOVERNANCE, gql, GqlResult, listQuery, RESOURCES } from './support/contract';
import { TestGateway, TokenOptions } from './support/test-app';

jest.setTimeout(120_000);

/**
 * docs/api-guide.md (GraphQL), "the same policies, rows and fields as REST": for each demo partner,
 * each purpose its loaded policy knows, and each subject, the REST list and the GraphQL list (all
 * fields requested) give the same rows, page by page, and per row the same fields: REST leaves
 * withheld fields out, GraphQL returns them null with a FORBIDDEN_FIELD error at their path.
 */

const PAGE = 7;

interface Page {
  ids: string[];
  rows: Array<Record<string, unknown>>;
  cursor: string | null;
  meta?: { fields: string[]; redactedFields: string[] };
}

type Walk = { ok: true; pages: Page[] } | { ok: false; status: number; code: string };

describe('REST and GraphQL parity', () => {
  let gw: TestGateway;
  let policies: Array<{ partnerId: string; document: { rules: Array<{ purposes?: string[] }> } }>;
  const compared = { rows: 0, withheld: 0, refused: 0 };

  beforeAll(async () => {
    gw = await TestGateway.start();
    const res = await gw.http
      .get('/api/v1/policies')
      .set('Authorization', await bearer(gw, GOVERNANCE))
      .expect(200);
    policies = res.body.data;
  });
  afterAll(async () => {
    await gw.stop();
  });

  const purposesOf = (partnerId: string): string[] => {
    const policy = policies.find((p) => p.partnerId === partnerId);
    if (!policy) throw new Error(`no policy loaded for ${partnerId}`);
    return [...new Set(policy.document.rules.flatMap((r) => r.purposes ?? []))].sort();
  };

  async function restWalk(who: TokenOptions, resource: string): Promise<Walk> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/${resource}?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await gw.http.get(url).set('Authorization', await bearer(gw, who));
      if (res.status !== 200) {
        expect(pages).toEqual([]);
        return { ok: false, status: res.status, code: res.body.code };
      }
      cursor = res.body.meta.nextCursor;
      pages.push({ ids: res.body.data.map((r: { id: string }) => r.id), rows: res.body.data, cursor, meta: res.body.meta });
    } while (cursor && pages.length < 100);
    return { ok: true, pages };
  }

  /** GraphQL pages with every field asked for; withheld fields (by FORBIDDEN_FIELD errors) dropped from each node. */
  async function graphqlWalk(who: TokenOptions, root: string, fields: string[]): Promise<Walk> {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const r: GqlResult = await gql(gw, who, listQuery(root, fields), { first: PAGE, after });
      expect(r.status).toBe(200);
      const fatal = r.errors.filter((e) => e.extensions?.code !== 'FORBIDDEN_FIELD');
      if (fatal.length > 0) {
        expect(pages).toEqual([]);
        expect(fatal).toHaveLength(1);
        expect(fatal[0].path).toEqual([root]);
        expect(r.data?.[root] ?? null).toBeNull();
        return { ok: false, status: fatal[0].extensions?.status, code: fatal[0].extensions?.code };
      }
      const nodes = r.data![root].nodes as Array<Record<string, unknown>>;
      const withheld = nodes.map(() => new Set<string>());
      for (const e of r.errors) {
        const [top, nodesKey, index, field] = e.path ?? [];
        expect([top, nodesKey, typeof index, typeof field, e.path!.length]).toEqual([root, 'nodes', 'number', 'string', 4]);
        expect(nodes[index as number][field as string]).toBeNull();
        expect(withheld[index as number].has(field as string)).toBe(false);
        withheld[index as number].add(field as string);
      }
      const rows = nodes.map((n, i) => Object.fromEntries(Object.entries(n).filter(([f]) => !withheld[i].has(f))));
      after = r.data![root].pageInfo.endCursor;
      expect(r.data![root].pageInfo.hasNextPage).toBe(after !== null);
      pages.push({ ids: nodes.map((n) => n.id as string), rows, cursor: after });
      compared.withheld += r.errors.length;
    } while (after && pages.length < 100);
    return { ok: true, pages };
  }

  async function expectParity(who: TokenOptions, resource: (typeof RESOURCES)[number]): Promise<void> {
    const rest = await restWalk(who, resource.resource);
    const graphql = await graphqlWalk(who, resource.list, FIELDS[resource.subject]);
    const label = `${who.partner ?? 'admin'} / ${who.purpose ?? '-'} / ${resource.subject}`;
    if (!rest.ok || !graphql.ok) {
      // refused on one transport: refused on the other, with the same code and status
      expect({ label, graphql }).toEqual({ label, graphql: rest });
      compared.refused++;
      return;
    }
    expect({ label, pages: graphql.pages.map((p) => [p.ids, p.cursor]) }).toEqual({ label, pages: rest.pages.map((p) => [p.ids, p.cursor]) });
    rest.pages.forEach((restPage, p) => {
      const gqlPage = graphql.pages[p];
      restPage.rows.forEach((restRow, i) => {
        // same fields, same values: REST's row is exactly GraphQL's node minus its FORBIDDEN_FIELD errors
        expect({ label, row: gqlPage.rows[i] }).toEqual({ label, row: restRow });
      });
      // REST's redactedFields are the fields some row of the page withholds though the caller may read them elsewhere
      const withheldOnPage = new Set(gqlPage.rows.flatMap((row) => FIELDS[resource.subject].filter((f) => !(f in row))));
      expect(restPage.meta!.fields.filter((f) => withheldOnPage.has(f))).toEqual(restPage.meta!.redactedFields);
      compared.rows += restPage.rows.length;
    });

    // and one row alone, by id, both ways
    const first = rest.pages[0]?.ids[0];
    if (first) {
      const one = await gw.http
        .get(`/api/v1/${resource.resource}/${first}`)
        .set('Authorization', await bearer(gw, who))
        .expect(200);
      const r = await gql(gw, who, `query ($id: ID!) { ${resource.single}(id: $id) { ${FIELDS[resource.subject].join(' ')} } }`, { id: first });
      const withheld = new Set(
        r.errors.map((e) => {
          expect(e.extensions?.code).toBe('FORBIDDEN_FIELD');
          return e.path![1];
        }),
      );
      const node = Object.fromEntries(Object.entries(r.data![resource.single]).filter(([f]) => !withheld.has(f)));
      expect({ label, node }).toEqual({ label, node: one.body.data });
    }
  }

  it('the loaded policies are the demo partners of policies/*.yaml', () => {
    expect(policies.map((p) => p.partnerId).sort()).toEqual(demoPartnerIds());
  });

  const cases = demoPartnerIds().flatMap((partner) => RESOURCES.map((r) => [partner, r.subject, r] as const));

  it.each(cases)('%s, %s: same rows and fields over REST and GraphQL, for every purpose of its policy', async (partner, _, resource) => {
    const purposes = purposesOf(partner);
    expect(purposes.length).toBeGreaterThan(0);
    for (const purpose of purposes) await expectParity({ roles: ['partner'], partner, purpose }, resource);
    // and without a purpose: refused alike
    await expectParity({ roles: ['partner'], partner }, resource);
  });

  it.each(RESOURCES.map((r) => [r.subject, r] as const))('admin, %s: same rows and fields', async (_, resource) => {
    await expectParity(ADMIN, resource);
  });

  it('compared real data: rows, withheld fields and refusals all occurred', () => {
    expect(compared.rows).toBeGreaterThan(100);
    expect(compared.withheld).toBeGreaterThan(0);
    expect(compared.refused).toBeGreaterThan(0);
  });
});
