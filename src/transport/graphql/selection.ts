import { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode, Kind } from 'graphql';

/**
 * The data fields a query asks for under the resolved field (or under its `nodes`), through
 * aliases, fragments and inline fragments alike. Each fragment is entered once per call, however
 * often it is spread, so the work stays linear in the size of the document.
 */
export function requestedFields(info: GraphQLResolveInfo, under?: string): string[] {
  const out = new Set<string>();
  const collected = new Set<string>();
  const entered = new Set<string>();
  for (const node of info.fieldNodes) {
    let sets: SelectionSetNode[] = node.selectionSet ? [node.selectionSet] : [];
    if (under) sets = sets.flatMap((s) => childSets(s, under, info.fragments, entered));
    for (const set of sets) collect(set, info.fragments, out, collected);
  }
  return [...out];
}

function collect(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, out: Set<string>, seen: Set<string>): void {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (!sel.name.value.startsWith('__')) out.add(sel.name.value);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) collect(sel.selectionSet, fragments, out, seen);
    else if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value) && fragments[sel.name.value]) {
      seen.add(sel.name.value);
      collect(fragments[sel.name.value].selectionSet, fragments, out, seen);
    }
  }
}

function childSets(set: SelectionSetNode, name: string, fragments: Record<string, FragmentDefinitionNode>, entered: Set<string>): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD && sel.name.value === name && sel.selectionSet) out.push(sel.selectionSet);
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...childSets(sel.selectionSet, name, fragments, entered));
    else if (sel.kind === Kind.FRAGMENT_SPREAD && !entered.has(sel.name.value) && fragments[sel.name.value]) {
      entered.add(sel.name.value);
      out.push(...childSets(fragments[sel.name.value].selectionSet, name, fragments, entered));
    }
  }
  return out;
}
