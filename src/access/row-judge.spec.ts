import { compilePolicy } from '../policy/policy-compiler';
import { PolicyDocument } from '../policy/policy-document';
import * as subjectPlans from './subject-plans';
import { permittedFields, planFor, withholdingReason } from './subject-plans';
import { readShapeOf } from './read-shape';
import { RowJudge } from './row-judge';

const doc: PolicyDocument = {
  partner: { id: 'supplier-x', name: 'X', kind: 'supplier', attributes: { skus: ['SKU-1', 'SKU-2'] } },
  rules: [
    {
      id: 'demand',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['id', 'sku', 'region', 'forecastQty', 'orderedQty'],
      conditions: { sku: { $in: '${partner.attributes.skus}' } },
    },
    {
      id: 'hide-orders',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['orderedQty'],
      conditions: { region: 'RESTRICTED' },
      inverted: true,
      reason: 'embargo',
    },
    {
      id: 'big-forecasts',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['forecastQty'],
      conditions: { forecastQty: { $gte: 1000 } },
      inverted: true,
      reason: 'volume is sensitive',
    },
  ],
};

/** Rows as a driver hands them back (PostgreSQL numerics come as strings). */
const rows: Array<Record<string, unknown>> = [];
for (const sku of ['SKU-1', 'SKU-2']) {
  for (const region of ['EU', 'RESTRICTED', null]) {
    for (const forecastQty of [10, '999', 1000, '2500', null]) rows.push({ id: `${sku}-${region}-${forecastQty}`, sku, region, forecastQty, orderedQty: '7' });
  }
}

function judgeOf(policy: ReturnType<typeof compilePolicy>, fields?: string[]) {
  const plan = planFor(policy, 'read', 'DemandSignal', 'sqlite');
  const shape = readShapeOf(plan, 'DemandSignal', fields);
  return { shape, judge: new RowJudge(policy, 'DemandSignal', shape.requested, shape.selectable, plan.conditionFields) };
}

describe('RowJudge', () => {
  it('gives every row exactly the fields CASL permits on it, with CASL\u2019s reasons for the rest', () => {
    const policy = compilePolicy(doc, 1, null);
    const { shape, judge } = judgeOf(policy);
    for (const raw of rows) {
      const typed = { ...raw, forecastQty: raw.forecastQty === null ? null : Number(raw.forecastQty), orderedQty: 7 };
      const permitted = permittedFields(policy.ability, 'read', 'DemandSignal', typed);
      const { values, redactions } = judge.judge(raw);
      expect(Object.keys(values).sort()).toEqual(shape.requested.filter((f) => permitted.includes(f)).sort());
      for (const f of Object.keys(values)) expect(values[f]).toEqual(typed[f as keyof typeof typed] ?? null);
      expect(redactions).toEqual(
        shape.requested
          .filter((f) => !permitted.includes(f))
          .map((field) => ({ field, ...withholdingReason(policy.ability, 'read', 'DemandSignal', typed, field) })),
      );
    }
    expect([...judge.fieldsWithheld].sort()).toEqual(['forecastQty', 'orderedQty']);
    expect([...judge.ruleIds].sort()).toEqual(['big-forecasts', 'demand', 'hide-orders']);
  });

  it('remembers per compiled policy, so a later request judges alike rows without asking CASL again', () => {
    const casl = jest.spyOn(subjectPlans, 'permittedFields');
    try {
      const policy = compilePolicy(doc, 1, null);
      const first = judgeOf(policy).judge.judge(rows[6]);
      expect(casl).toHaveBeenCalledTimes(1);
      const again = judgeOf(policy).judge.judge({ ...rows[6], id: 'another' });
      expect(casl).toHaveBeenCalledTimes(1);
      expect(again.redactions).toEqual(first.redactions);
      // Another compiled policy (another version) has its own memo.
      judgeOf(compilePolicy(doc, 2, null)).judge.judge(rows[6]);
      expect(casl).toHaveBeenCalledTimes(2);
    } finally {
      casl.mockRestore();
    }
  });

  it('answers each request for its own field list, and records withheld fields only when asked for', () => {
    const policy = compilePolicy(doc, 1, null);
    const restricted = rows.find((r) => r.region === 'RESTRICTED' && r.forecastQty === 10)!;
    const narrow = judgeOf(policy, ['id', 'forecastQty']);
    expect(narrow.judge.judge(restricted)).toEqual({ values: { id: restricted.id, forecastQty: 10 }, redactions: [] });
    expect([...narrow.judge.fieldsWithheld]).toEqual([]);
    const wide = judgeOf(policy, ['id', 'orderedQty']);
    expect(wide.judge.judge(restricted)).toEqual({
      values: { id: restricted.id },
      redactions: [{ field: 'orderedQty', reason: 'embargo', ruleId: 'hide-orders' }],
    });
    expect([...wide.judge.fieldsWithheld]).toEqual(['orderedQty']);
  });

  it('keeps judging correctly past the memo\u2019s bound', () => {
    const policy = compilePolicy(doc, 1, null);
    const { judge } = judgeOf(policy);
    for (let i = 0; i < 5000; i++) {
      const forecastQty = i % 2000;
      const { values } = judge.judge({ id: `r${i}`, sku: 'SKU-1', region: 'EU', forecastQty, orderedQty: 1 });
      expect('forecastQty' in values).toBe(forecastQty < 1000);
    }
  });
});
