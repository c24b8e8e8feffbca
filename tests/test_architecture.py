"""The dependency rules of docs/architecture.md that the import-linter contracts in
pyproject.toml (run by `make lint`) cannot state: no module of the project takes part in
an import cycle, across the apps too."""

import grimp

ROOTS = (
    "config",
    "accounts",
    "improvement",
    "metrics",
    "actions",
    "attachments",
    "campaigns",
    "problem_solving",
)


def import_cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_it_has_no_import_cycle():
    graph = grimp.build_graph(*ROOTS, exclude_type_checking_imports=True, cache_dir=None)

    assert import_cycles(graph) == []


def test_it_finds_a_cycle_when_there_is_one():
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]:
        graph.add_import(importer=importer, imported=imported)

    assert import_cycles(graph) == [["a", "b", "c"]]
