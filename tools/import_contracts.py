"""import-linter contract types for rules its built-in contracts cannot express.

- `acyclic_modules`: no import cycle between any two modules of a package, counting imports inside
  functions (grimp reads every import statement; `if TYPE_CHECKING:` ones are left out with the
  session option `exclude_type_checking_imports`). The built-in `acyclic_siblings` works on
  packages, which is stricter than the rule: two domains may use each other's modules as long as
  no chain of modules comes back to where it started.
- `only_imports`: the modules matching `source_modules` (fnmatch patterns) import nothing of the
  root package but modules matching `allowed_modules` (models import only models and the kit...).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _strongly_connected(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other (size > 1), or
    a module that imports itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    for root in sorted(modules):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"
    root = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        modules = {m for m in graph.modules if m == self.root or m.startswith(f"{self.root}.")}
        cycles = _strongly_connected(graph, modules)
        examples = []
        for group in cycles:
            chain = graph.find_shortest_chain(importer=group[0], imported=group[1]) or ()
            back = graph.find_shortest_chain(importer=group[1], imported=group[0]) or ()
            examples.append({"modules": group, "chain": list(chain) + list(back[1:])})
        return ContractCheck(kept=not cycles, metadata={"cycles": examples})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"Import cycle between {len(cycle['modules'])} modules:")
            output.print(" -> ".join(cycle["chain"]))
            output.new_line()


class OnlyImportsContract(Contract):
    type_name = "only_imports"
    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())
    root = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        sources: list[str] = list(self.source_modules)  # type: ignore[call-overload]
        allowed: list[str] = list(self.allowed_modules)  # type: ignore[call-overload]
        illegal: list[dict[str, Any]] = []
        for module in sorted(graph.modules):
            if not any(fnmatchcase(module, pattern) for pattern in sources):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if not imported.startswith(f"{self.root}."):
                    continue
                if not any(fnmatchcase(imported, pattern) for pattern in allowed):
                    details = graph.get_import_details(importer=module, imported=imported)
                    lines = [detail["line_number"] for detail in details]
                    illegal.append({"importer": module, "imported": imported, "lines": lines})
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["illegal"]:
            lines = ", ".join(str(n) for n in item["lines"])
            output.print_error(f"{item['importer']} imports {item['imported']} (l. {lines})")
        output.new_line()
