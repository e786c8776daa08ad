import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostDirectives } from './cost-directives.ts';
import { periodFields, periodWork } from './period-fields.ts';

/** The parts of the cost model that are not declared in the SDL. */
export interface CostModel {
  readonly directives: CostDirectives;
  /** Items assumed for a list that declares no `@listSize` (Apollo Router's `list_size`). */
  readonly defaultListSize: number;
  /** Weight of a root mutation field without `@cost`, as in Apollo Router: a write costs more than a read. */
  readonly mutationWeight: number;
}

/** A connection's slicing, handed to its `sizedFields` (`edges`, `nodes`) one level down. */
interface Sized {
  readonly fields: readonly string[];
  readonly size: number;
}

/**
 * The static cost of an operation, as the IBM GraphQL cost specification and Apollo Router count it: a composite
 * field weighs 1 and a scalar or enum 0 unless `@cost(weight)` says otherwise (on the field, else on its type); a
 * root mutation field weighs `mutationWeight`; a list multiplies its item's weight and selection by its size (the
 * largest slicing argument given, else `assumedSize`, else `defaultListSize`); a connection hands its size to its
 * `sizedFields`. Period fields (period-fields.ts) take periods × groups from their arguments. Fragments on the
 * members of an abstract type cost as much as the most expensive member's; introspection costs nothing.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  model: CostModel,
): number {
  const { fieldWeights, typeWeights, listSizes } = model.directives;
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    values[name] = variables?.[name] ?? (definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined);
  }
  const argumentsOf = (node: FieldNode) =>
    Object.fromEntries((node.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value, values)]));
  const mutationType = schema.getMutationType();
  // A fragment spread many times (or spreading others) is costed once per place it can be in: linear, not exponential.
  const fragmentCosts = new Map<string, number>();
  const expanding = new Set<string>();

  function fieldCost(
    parent: GraphQLCompositeType,
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
    sized: Sized | null,
  ): number {
    const key = `${parent.name}.${field.name}`;
    const named = getNamedType(field.type);
    const isList = isListType(getNullableType(field.type));
    const weight =
      fieldWeights.get(key) ??
      (parent === mutationType ? model.mutationWeight : undefined) ??
      typeWeights.get(named.name) ??
      (isCompositeType(named) ? 1 : 0);
    const period = periodFields[key];
    const declared = listSizes.get(key);
    const args = period || declared?.slicingArguments ? argumentsOf(node) : {};
    let size = 1;
    let handed: Sized | null = null;
    if (period?.returns === 'rows') {
      size = periodWork(period, args);
    } else if (declared) {
      const sliced = (declared.slicingArguments ?? [])
        .map((name) => args[name])
        .filter((value): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0);
      const count = sliced.length > 0 ? Math.max(...sliced) : (declared.assumedSize ?? model.defaultListSize);
      if (declared.sizedFields?.length) handed = { fields: declared.sizedFields, size: count };
      else if (isList) size = count;
    } else if (isList) {
      size = sized?.fields.includes(field.name) ? sized.size : model.defaultListSize;
    }
    const selection = node.selectionSet && isCompositeType(named) ? selectionCost(named, node.selectionSet, handed) : 0;
    const work = period?.returns === 'work' ? weight * periodWork(period, args) : 0;
    return size * (weight + selection) + work;
  }

  function selectionCost(type: GraphQLCompositeType, set: SelectionSetNode, sized: Sized | null): number {
    let common = 0;
    const byMember = new Map<string, number>();
    const add = (on: GraphQLCompositeType, cost: number) => {
      if (on === type || !isAbstractType(type) || !isObjectType(on)) common += cost;
      else byMember.set(on.name, (byMember.get(on.name) ?? 0) + cost);
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const field = 'getFields' in type ? type.getFields()[selection.name.value] : undefined;
        if (field) common += fieldCost(type, field, selection, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on && isCompositeType(on)) add(on, selectionCost(on, selection.selectionSet, sized));
      } else {
        const fragment = fragments.get(selection.name.value);
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !on || !isCompositeType(on)) continue;
        const memo = `${fragment.name.value}|${type.name}|${sized ? `${sized.fields.join()}:${sized.size}` : ''}`;
        let cost = fragmentCosts.get(memo);
        if (cost === undefined) {
          if (expanding.has(fragment.name.value)) continue;
          expanding.add(fragment.name.value);
          cost = selectionCost(on, fragment.selectionSet, sized);
          expanding.delete(fragment.name.value);
          fragmentCosts.set(memo, cost);
        }
        add(on, cost);
      }
    }
    return common + Math.max(0, ...byMember.values());
  }

  const root = schema.getRootType(operation.operation);
  return root ? selectionCost(root, operation.selectionSet, null) : 0;
}
