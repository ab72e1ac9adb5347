import type { Node } from "web-tree-sitter";
import type { Grammar } from "./grammars.ts";

/** A declaration's name and the node whose line the outline reports. */
export interface Named {
  readonly text: string;
  readonly at: Node;
}

/** How one node type shows up in the outline. */
export interface Rule {
  /** The label; a function decides per node, and undefined leaves the node out. */
  readonly kind: string | ((node: Node, depth: number) => string | undefined);
  /** Members are listed beneath it (classes, impls, namespaces); functions are not opened. */
  readonly container?: boolean;
  /** Where the name is when it is not the `name` field. */
  readonly name?: (node: Node) => Named | undefined;
}

export interface LanguageRules {
  readonly rules: Readonly<Record<string, Rule>>;
  /** Wrappers and bodies the walk looks through; only reached from the root, other wrappers or containers. */
  readonly transparent: ReadonlySet<string>;
}

export const field = (node: Node, name: string): Named | undefined => {
  const child = node.childForFieldName(name);
  return child ? { text: child.text, at: child } : undefined;
};

/** C and C++ bury the name under pointer, function and reference declarators: the chain from outer to inner. */
export function declaratorChain(node: Node): Node[] {
  const chain: Node[] = [];
  let current = node.childForFieldName("declarator");
  while (current) {
    chain.push(current);
    current = current.childForFieldName("declarator") ?? current.namedChildren.find((c) => c.type.endsWith("declarator")) ?? null;
  }
  return chain;
}

/** Whether a C/C++ declaration declares a function (a prototype or a method declared in a class). */
const declaresFunction = (node: Node): boolean => declaratorChain(node).some((d) => d.type === "function_declarator");

const declaratorName = (node: Node): Named | undefined => {
  const inner = declaratorChain(node).pop();
  return inner ? { text: inner.text, at: inner } : undefined;
};

/** A function is a method when the nearest enclosing declaration is one of `owners` (a class, an impl). */
const methodInside =
  (owners: ReadonlySet<string>, scopes: ReadonlySet<string> = new Set()) =>
  (node: Node): string => {
    for (let up = node.parent; up; up = up.parent) {
      if (owners.has(up.type)) return "method";
      if (scopes.has(up.type)) return "function";
    }
    return "function";
  };

const FUNCTION_VALUES = new Set(["arrow_function", "function_expression", "function", "generator_function"]);

/** `const f = () => …` is a function; other top-level bindings show their keyword (const, let, var). */
const jsBinding = (node: Node): string => {
  const value = node.childForFieldName("value");
  if (value && FUNCTION_VALUES.has(value.type)) return "function";
  return node.parent?.firstChild?.text ?? "const";
};

const jsMethod = (node: Node): string => (node.childForFieldName("name")?.text === "constructor" ? "constructor" : "method");

const jsRules: LanguageRules = {
  rules: {
    function_declaration: { kind: "function" },
    generator_function_declaration: { kind: "function" },
    function_signature: { kind: "function" },
    class_declaration: { kind: "class", container: true },
    abstract_class_declaration: { kind: "class", container: true },
    interface_declaration: { kind: "interface", container: true },
    type_alias_declaration: { kind: "type" },
    enum_declaration: { kind: "enum" },
    method_definition: { kind: jsMethod },
    method_signature: { kind: jsMethod },
    abstract_method_signature: { kind: "method" },
    public_field_definition: { kind: (node) => (FUNCTION_VALUES.has(node.childForFieldName("value")?.type ?? "") ? "method" : undefined) },
    variable_declarator: { kind: jsBinding },
    internal_module: { kind: "namespace", container: true },
    module: { kind: "module", container: true },
  },
  transparent: new Set([
    "export_statement",
    "lexical_declaration",
    "variable_declaration",
    "expression_statement",
    "ambient_declaration",
    "class_body",
    "interface_body",
    "object_type",
    "statement_block",
  ]),
};

const pythonRules: LanguageRules = {
  rules: {
    function_definition: { kind: methodInside(new Set(["class_definition"])) },
    class_definition: { kind: "class", container: true },
    type_alias_statement: { kind: "type", name: (node) => field(node, "left") },
    assignment: {
      kind: (node, depth) => (depth === 0 && node.childForFieldName("left")?.type === "identifier" ? "var" : undefined),
      name: (node) => field(node, "left"),
    },
  },
  transparent: new Set(["decorated_definition", "block", "expression_statement"]),
};

const goTypeKind = (node: Node): string => {
  const type = node.childForFieldName("type")?.type;
  return type === "struct_type" ? "struct" : type === "interface_type" ? "interface" : "type";
};

/** Go methods are shown as `(*Receiver).Name`, the way Go documentation names them. */
const goMethodName = (node: Node): Named | undefined => {
  const name = node.childForFieldName("name");
  if (!name) return undefined;
  const receiver = node.childForFieldName("receiver")?.namedChildren[0]?.childForFieldName("type")?.text;
  return { text: receiver ? `(${receiver}).${name.text}` : name.text, at: name };
};

const goRules: LanguageRules = {
  rules: {
    function_declaration: { kind: "function" },
    method_declaration: { kind: "method", name: goMethodName },
    const_spec: { kind: "const" },
    var_spec: { kind: "var" },
    type_spec: { kind: goTypeKind },
    type_alias: { kind: "type" },
  },
  transparent: new Set(["const_declaration", "var_declaration", "type_declaration"]),
};

const rustImplName = (node: Node): Named | undefined => {
  const type = node.childForFieldName("type");
  if (!type) return undefined;
  const trait = node.childForFieldName("trait");
  return { text: trait ? `${trait.text} for ${type.text}` : type.text, at: type };
};

const rustFunction = methodInside(new Set(["impl_item", "trait_item"]), new Set(["mod_item"]));

const rustRules: LanguageRules = {
  rules: {
    function_item: { kind: rustFunction },
    function_signature_item: { kind: rustFunction },
    struct_item: { kind: "struct" },
    enum_item: { kind: "enum" },
    union_item: { kind: "union" },
    trait_item: { kind: "trait", container: true },
    impl_item: { kind: "impl", container: true, name: rustImplName },
    mod_item: { kind: "module", container: true },
    const_item: { kind: "const" },
    static_item: { kind: "static" },
    type_item: { kind: "type" },
    macro_definition: { kind: "macro" },
  },
  transparent: new Set(["declaration_list"]),
};

/** Node types that Java, C# and PHP name alike for classes and their members. */
const CLASS_LIKE: Readonly<Record<string, Rule>> = {
  class_declaration: { kind: "class", container: true },
  interface_declaration: { kind: "interface", container: true },
  record_declaration: { kind: "record", container: true },
  method_declaration: { kind: "method" },
  constructor_declaration: { kind: "constructor" },
};

const javaRules: LanguageRules = {
  rules: {
    ...CLASS_LIKE,
    enum_declaration: { kind: "enum", container: true },
    annotation_type_declaration: { kind: "annotation" },
  },
  transparent: new Set(["class_body", "interface_body", "enum_body", "enum_body_declarations"]),
};

/** Only specifiers with a body are definitions; `struct node *next` merely mentions one. */
const withBody = (kind: string) => (node: Node): string | undefined => (node.childForFieldName("body") ? kind : undefined);

const cppRules: LanguageRules = {
  rules: {
    function_definition: { kind: methodInside(new Set(["class_specifier", "struct_specifier"]), new Set(["namespace_definition"])), name: declaratorName },
    declaration: { kind: (node) => (declaresFunction(node) ? "function" : undefined), name: declaratorName },
    field_declaration: { kind: (node) => (declaresFunction(node) ? "method" : undefined), name: declaratorName },
    class_specifier: { kind: withBody("class"), container: true },
    struct_specifier: { kind: withBody("struct"), container: true },
    union_specifier: { kind: withBody("union") },
    enum_specifier: { kind: withBody("enum") },
    namespace_definition: { kind: "namespace", container: true },
    type_definition: { kind: "type", name: declaratorName },
    alias_declaration: { kind: "type" },
    preproc_def: { kind: "macro" },
    preproc_function_def: { kind: "macro" },
  },
  transparent: new Set([
    "declaration_list",
    "field_declaration_list",
    "template_declaration",
    "linkage_specification",
    "preproc_ifdef",
    "preproc_if",
    "preproc_else",
    "preproc_elif",
  ]),
};

const csharpRules: LanguageRules = {
  rules: {
    ...CLASS_LIKE,
    namespace_declaration: { kind: "namespace", container: true },
    file_scoped_namespace_declaration: { kind: "namespace", container: true },
    struct_declaration: { kind: "struct", container: true },
    enum_declaration: { kind: "enum" },
    delegate_declaration: { kind: "type" },
  },
  transparent: new Set(["declaration_list"]),
};

const rubyRules: LanguageRules = {
  rules: {
    module: { kind: "module", container: true },
    class: { kind: "class", container: true },
    method: { kind: methodInside(new Set(["class", "module"])) },
    singleton_method: {
      kind: "method",
      name: (node) => {
        const name = node.childForFieldName("name");
        const object = node.childForFieldName("object")?.text ?? "self";
        return name ? { text: `${object}.${name.text}`, at: name } : undefined;
      },
    },
    assignment: {
      kind: (node) => (node.childForFieldName("left")?.type === "constant" ? "const" : undefined),
      name: (node) => field(node, "left"),
    },
  },
  transparent: new Set(["body_statement"]),
};

const phpRules: LanguageRules = {
  rules: {
    ...CLASS_LIKE,
    namespace_definition: { kind: "namespace", container: true },
    trait_declaration: { kind: "trait", container: true },
    enum_declaration: { kind: "enum", container: true },
    function_definition: { kind: "function" },
    const_element: {
      kind: "const",
      name: (node) => {
        const name = node.namedChildren.find((child) => child.type === "name");
        return name ? { text: name.text, at: name } : undefined;
      },
    },
  },
  transparent: new Set(["declaration_list", "compound_statement", "const_declaration"]),
};

const bashRules: LanguageRules = {
  rules: { function_definition: { kind: "function" } },
  transparent: new Set(),
};

export const RULES: Readonly<Record<Grammar, LanguageRules>> = {
  typescript: jsRules,
  tsx: jsRules,
  javascript: jsRules,
  python: pythonRules,
  go: goRules,
  rust: rustRules,
  java: javaRules,
  cpp: cppRules,
  "c-sharp": csharpRules,
  ruby: rubyRules,
  php: phpRules,
  bash: bashRules,
};
