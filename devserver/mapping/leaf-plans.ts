/**
 * What a mapped leaf does with its values, worked out once per mapping node rather than per value: the
 * column kind, its multi-fields, and the index column its values go to. One instance per index: a new
 * mapping brings new nodes, and the old plans are collected with them.
 */
import type { FieldColumn } from '../store/columns.js';
import type { MappingNode } from './model.js';
import { columnKind, type ColumnKind } from './values.js';

export interface LeafPlan {
  kind: ColumnKind;
  subFields: [string, MappingNode][];
  /** The column of the leaf's path, resolved on first use (a node sits at one path). */
  column?: FieldColumn;
}

/** The index's column for a path, created on first use. */
export type ColumnResolver = (path: string, kind: ColumnKind) => FieldColumn;

export class LeafPlans {
  private readonly plans = new WeakMap<MappingNode, LeafPlan>();

  constructor(readonly columnFor: ColumnResolver) {}

  of(node: MappingNode): LeafPlan {
    let plan = this.plans.get(node);
    if (!plan) {
      plan = { kind: columnKind(node.type!), subFields: Object.entries(node.fields ?? {}) };
      this.plans.set(node, plan);
    }
    return plan;
  }

  column(plan: LeafPlan, path: string): FieldColumn {
    return (plan.column ??= this.columnFor(path, plan.kind));
  }
}
