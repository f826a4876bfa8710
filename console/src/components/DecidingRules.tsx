import { Badge, Code, Table, Text } from '@mantine/core';
import { AuditEventRules, PolicyRule } from '../api/types';

const list = (values: string[] | undefined) => (values && values.length ? values.join(', ') : 'all');

function period(rule: PolicyRule): string | null {
  if (!rule.validFrom && !rule.validUntil) return null;
  return `${rule.validFrom ? `from ${rule.validFrom}` : ''}${rule.validFrom && rule.validUntil ? ' ' : ''}${rule.validUntil ? `until ${rule.validUntil}` : ''}`;
}

/** The rules that decided an event, as the policy version recorded in the event wrote them. */
export function DecidingRules({ answer }: { answer: AuditEventRules }) {
  if (answer.rules.length === 0 && answer.ruleIdsNotFound.length === 0) {
    return <Text size="sm">This event names no rules{answer.policyVersion === null ? ' and no policy version' : ''}.</Text>;
  }
  return (
    <>
      <div className="grid-wrap" tabIndex={0}>
        <Table striped>
          <Table.Caption>
            Rules of {answer.partnerId}, policy version {answer.policyVersion}, in the policy's order (later rules win)
          </Table.Caption>
          <Table.Thead>
            <Table.Tr><Table.Th>Rule</Table.Th><Table.Th>Action</Table.Th><Table.Th>Subject</Table.Th><Table.Th>Fields</Table.Th><Table.Th>Conditions</Table.Th><Table.Th>Purposes</Table.Th><Table.Th>Reason</Table.Th></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {answer.rules.map((rule) => (
              <Table.Tr key={rule.id}>
                <Table.Td><Code>{rule.id}</Code></Table.Td>
                <Table.Td>
                  {Array.isArray(rule.action) ? rule.action.join(', ') : rule.action}
                  {rule.inverted ? <> <Badge color="red" variant="light">takes away</Badge></> : null}
                </Table.Td>
                <Table.Td>{rule.subject}</Table.Td>
                <Table.Td>{list(rule.fields)}{rule.transform ? <Text size="xs">transformed: {JSON.stringify(rule.transform)}</Text> : null}</Table.Td>
                <Table.Td>{rule.conditions ? <Code>{JSON.stringify(rule.conditions)}</Code> : 'every row'}</Table.Td>
                <Table.Td>{list(rule.purposes)}{period(rule) ? <Text size="xs">{period(rule)}</Text> : null}{rule.agreement ? <Text size="xs">agreement {rule.agreement}</Text> : null}</Table.Td>
                <Table.Td>{rule.reason ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      {answer.ruleIdsNotFound.length ? (
        <Text size="sm" c="red">Not in version {answer.policyVersion}: {answer.ruleIdsNotFound.join(', ')}</Text>
      ) : null}
    </>
  );
}
