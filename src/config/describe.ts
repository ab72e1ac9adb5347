import type { z } from "zod";
import { EndlessOptions } from "./schema.ts";

export interface OptionRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema; defaultValue?: unknown; element?: AnySchema }; shape?: Record<string, AnySchema> };

/** The schema under defaults, optionals and refinements, where the type and nested shape live. */
function unwrap(schema: AnySchema): AnySchema {
  const inner = schema.def.innerType;
  const wrapper = schema.def.type === "default" || schema.def.type === "prefault" || schema.def.type === "optional";
  return inner && wrapper ? unwrap(inner) : schema;
}

function typeName(schema: AnySchema): string {
  const core = unwrap(schema);
  if (core.def.type === "array" && core.def.element) return `${typeName(core.def.element)}[]`;
  return core.def.type;
}

/** Objects show their fields' defaults on their own rows. */
function defaultOf(field: AnySchema, core: AnySchema): string {
  if (core.def.type === "object") return "(below)";
  return field.def.type === "default" ? JSON.stringify(field.def.defaultValue) : "(none)";
}

/** One row per option, nested objects flattened to dotted keys: the README's option table comes from here. */
export function optionRows(schema: AnySchema = EndlessOptions as unknown as AnySchema, prefix = ""): OptionRow[] {
  const shape = unwrap(schema).shape ?? {};
  return Object.entries(shape).flatMap(([name, field]) => {
    const key = `${prefix}${name}`;
    const core = unwrap(field);
    const row: OptionRow = {
      key,
      type: typeName(field),
      default: defaultOf(field, core),
      description: field.description ?? "",
    };
    return core.def.type === "object" && core.shape ? [row, ...optionRows(core, `${key}.`)] : [row];
  });
}

export function optionTable(rows: readonly OptionRow[] = optionRows()): string {
  const escape = (text: string) => text.replaceAll("|", "\\|");
  return [
    "| option | type | default | what it does |",
    "|---|---|---|---|",
    ...rows.map((r) => `| \`${r.key}\` | ${r.type} | \`${escape(r.default)}\` | ${escape(r.description)} |`),
  ].join("\n");
}
