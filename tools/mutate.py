"""A small mutation tester for the domain rules (`make mutate`; docs/testing.md).

mutmut 3 rewrites every function into a trampoline inside a copy of the tree, which does not
sit well with Django's app loading and pytest-django's database; this runner is simpler:

1. copy the project (without .venv, node_modules, .git) into a scratch directory once;
2. list the mutants of each target module by walking its syntax tree: a comparison turned
   around (< ↔ <=, == ↔ !=, in ↔ not in), `and` ↔ `or`, a `not` dropped, True ↔ False, an
   integer ± 1, one element left out of a literal tuple/list/set, a `raise` or `return`
   inside an `if` replaced by `pass`, an `if` condition forced True or False;
3. for each mutant: write the mutated module into the copy, run that module's tests
   (pytest -x, reusing one test database), put the module back. A failing run kills the
   mutant; a passing run means it survived; a run over the time limit counts as killed
   (timeout) and is listed.

    python tools/mutate.py [--budget SECONDS] [--max-per-module N] [--only cases/sla.py]
                           [--report docs/mutation-report.md]

Mutants are taken in a fixed order, spread over each module (every k-th when --max-per-module
is below the count), so two runs with the same options try the same mutants.
"""

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULE_TESTS = ["tests/cases/test_rule_mutants.py"]
# module → (functions to mutate, None for all; the tests that guard it, fastest first)
TARGETS = {
    "cases/workflow.py": (
        None,
        [
            *RULE_TESTS,
            "tests/cases/test_workflow.py",
            "tests/cases/test_workflow_table.py",
            "tests/cases/test_rules_matrix.py",
        ],
    ),
    "cases/sla.py": (None, [*RULE_TESTS, "tests/cases/test_sla.py"]),
    "cases/routing.py": (None, [*RULE_TESTS, "tests/cases/test_routing.py"]),
    "cases/inputs.py": (
        None,
        [*RULE_TESTS, "tests/cases/test_workflow.py", "tests/cases/test_rules_matrix.py"],
    ),
    # Who a user is, and who sees which case (built on it in the models).
    "cases/people.py": (
        None,
        [*RULE_TESTS, "tests/cases/test_access.py", "tests/portal/test_scope.py"],
    ),
    "cases/access.py": (
        None,
        [*RULE_TESTS, "tests/cases/test_access.py", "tests/portal/test_scope.py"],
    ),
    "cases/models/case.py": (
        {"visible_to"},
        [*RULE_TESTS, "tests/cases/test_access.py", "tests/portal/test_scope.py"],
    ),
    "cases/indicators.py": (None, [*RULE_TESTS, "tests/cases/test_indicators.py"]),
}
SWAP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass
class Mutant:
    path: str
    line: int
    function: str
    description: str
    start: tuple  # (line, col) of the replaced node
    end: tuple
    replacement: str


def _segment_offsets(source):
    offsets, total = [0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        offsets.append(total)
    return offsets


def _functions(tree):
    """Each node's enclosing function name."""
    owner = {}

    def walk(node, name):
        for child in ast.iter_child_nodes(node):
            owner[child] = name
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            )
            walk(child, inner)

    walk(tree, "<module>")
    return owner


def _in_docstring(node, parents):
    return isinstance(parents.get(node), ast.Expr)


def mutants_of(path, functions=None):
    source = (ROOT / path).read_text()
    tree = ast.parse(source)
    owner = _functions(tree)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []

    def add(node, description, new_node_or_text):
        fn = owner.get(node, "<module>")
        if functions is not None and fn not in functions:
            return
        text = (
            new_node_or_text if isinstance(new_node_or_text, str) else ast.unparse(new_node_or_text)
        )
        found.append(
            Mutant(
                path,
                node.lineno,
                fn,
                description,
                (node.lineno, node.col_offset),
                (node.end_lineno, node.end_col_offset),
                text,
            )
        )

    def copy(node):
        return ast.parse(ast.unparse(node), mode="eval").body

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAP:
                    new = copy(node)
                    new.ops[i] = SWAP[type(op)]()
                    add(node, f"{type(op).__name__} → {SWAP[type(op)].__name__}", new)
        elif isinstance(node, ast.BoolOp):
            new = copy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            add(node, "and ↔ or", new)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, "not dropped", f"({ast.unparse(node.operand)})")
        elif isinstance(node, ast.Constant) and not _in_docstring(node, parents):
            if node.value is True or node.value is False:
                add(node, f"{node.value} → {not node.value}", str(not node.value))
            elif type(node.value) is int:
                add(node, f"{node.value} → {node.value + 1}", str(node.value + 1))
                if node.value:
                    add(node, f"{node.value} → {node.value - 1}", str(node.value - 1))
        elif isinstance(node, ast.Tuple | ast.List | ast.Set) and 2 <= len(node.elts) <= 8:
            if isinstance(getattr(node, "ctx", None), ast.Store):
                continue
            for i, element in enumerate(node.elts):
                new = copy(node)
                del new.elts[i]
                text = ast.unparse(new)
                if isinstance(node, ast.Tuple) and len(new.elts) == 1 and not text.endswith(",)"):
                    text = text[:-1] + ",)"
                if isinstance(node, ast.Set) and not new.elts:
                    text = "set()"
                add(node, f"element {ast.unparse(element)} left out", text)
        elif isinstance(node, ast.If):
            test = node.test
            add(test, "if condition → True", "True")
            add(test, "if condition → False", "False")
            for statement in node.body:
                if isinstance(statement, ast.Raise | ast.Return) and len(node.body) == 1:
                    add(statement, f"{type(statement).__name__.lower()} → pass", "pass")
    found.sort(key=lambda m: (m.start, m.end, m.description))
    return source, found


def _name(m):
    return f"{m.path}:{m.line} {m.function}: {m.description}"


def apply(source, mutant):
    offsets = _segment_offsets(source)
    begin = offsets[mutant.start[0] - 1] + mutant.start[1]
    end = offsets[mutant.end[0] - 1] + mutant.end[1]
    text = mutant.replacement
    if "\n" in source[begin:end] or "\n" in text:
        text = text.replace("\n", " ")
    return source[:begin] + text + source[end:]


def spread(items, limit):
    if limit is None or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def prepare_copy():
    scratch = Path(tempfile.mkdtemp(prefix="hongmei-mutate-"))
    ignore = shutil.ignore_patterns(
        ".venv", "node_modules", ".git", "__pycache__", "staticfiles", "mutants", "*.pyc"
    )
    shutil.copytree(ROOT, scratch / "src", ignore=ignore, symlinks=True)
    (scratch / "src" / ".venv").symlink_to(ROOT / ".venv")
    (scratch / "src" / "node_modules").symlink_to(ROOT / "node_modules")
    return scratch / "src"


def run_tests(src, tests, timeout, env):
    cmd = [
        str(ROOT / ".venv" / "bin" / "python"),
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "--reuse-db",
        *tests,
    ]
    try:
        result = subprocess.run(
            cmd, cwd=src, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", ""
    if result.returncode == 0:
        return "survived", ""
    failed = [ln for ln in result.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    if result.returncode not in (1,) and not failed:
        return "error", result.stdout[-400:] + result.stderr[-400:]
    return "killed", failed[0] if failed else ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1200, help="seconds for all mutants")
    parser.add_argument("--max-per-module", type=int, default=None)
    parser.add_argument("--only", action="append", help="a target module (repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutant")
    parser.add_argument("--report", help="write a Markdown report here")
    parser.add_argument(
        "--match",
        action="append",
        help="only mutants whose 'path:line function: mutation' contains this (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args(argv)

    targets = {p: TARGETS[p] for p in (args.only or TARGETS)}
    plan = []
    for path, (functions, tests) in targets.items():
        source, found = mutants_of(path, functions)
        if args.match:
            found = [m for m in found if any(text in _name(m) for text in args.match)]
        chosen = spread(found, args.max_per_module)
        print(f"{path}: {len(found)} mutants, trying {len(chosen)}")
        plan.extend((source, m, tests) for m in chosen)
    if args.list:
        for _source, m, _tests in plan:
            print(f"  {_name(m)}")
        return 0

    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hongmei_mutate")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    src = prepare_copy()
    started = time.monotonic()
    # A clean run first: the tests must pass on the unmutated code (and it creates the db).
    every_test = sorted({t for _s, _m, tests in plan for t in tests})
    outcome, detail = run_tests(src, every_test, args.timeout * 3, env)
    if outcome != "survived":
        print(f"The tests fail without any mutation ({outcome}: {detail})")
        return 2
    print(f"baseline: the tests pass unmutated ({time.monotonic() - started:.0f}s)", flush=True)
    results = []
    for source, mutant, tests in plan:
        if time.monotonic() - started > args.budget:
            results.append((mutant, "not run", "time budget spent"))
            continue
        target = src / mutant.path
        mutated = apply(source, mutant)
        try:
            ast.parse(mutated)
        except SyntaxError:
            results.append((mutant, "skipped", "mutation does not parse"))
            continue
        target.write_text(mutated)
        try:
            t0 = time.monotonic()
            outcome, detail = run_tests(src, tests, args.timeout, env)
        finally:
            target.write_text(source)
        results.append((mutant, outcome, detail))
        mark = {"killed": "✔", "survived": "✘", "timeout": "⏱"}.get(outcome, "?")
        print(
            f"{mark} {outcome:8} {mutant.path}:{mutant.line} {mutant.function}: "
            f"{mutant.description} ({time.monotonic() - t0:.0f}s)",
            flush=True,
        )
    shutil.rmtree(src.parent, ignore_errors=True)
    summary = summarise(results, time.monotonic() - started)
    print(summary)
    if args.report:
        Path(args.report).write_text(report(results, summary, args))
    return 0


def summarise(results, seconds):
    counts = {}
    for _m, outcome, _d in results:
        counts[outcome] = counts.get(outcome, 0) + 1
    run = counts.get("killed", 0) + counts.get("timeout", 0) + counts.get("survived", 0)
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    score = f"{100 * killed / run:.0f}%" if run else "n/a"
    parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return f"mutation score {score}: {killed} of {run} mutants killed ({parts}) in {seconds:.0f}s"


def command(args):
    return (
        "python tools/mutate.py"
        + (f" --max-per-module {args.max_per_module}" if args.max_per_module else "")
        + f" --budget {args.budget:.0f}"
        + "".join(f" --only {o}" for o in args.only or ())
        + "".join(f" --match '{t}'" for t in args.match or ())
    )


def report(results, summary, args):
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Mutation report",
        "",
        f"Run {when} with `{command(args)}`",
        "",
        f"**{summary}**",
        "",
        "| outcome | where | function | mutation | first failing test |",
        "|---|---|---|---|---|",
    ]
    order = {"survived": 0, "timeout": 1, "killed": 2}
    for m, outcome, detail in sorted(results, key=lambda r: (order.get(r[1], 3), r[0].path)):
        detail = detail.replace("|", "\\|").replace("\n", " ")[:120]
        lines.append(
            f"| {outcome} | {m.path}:{m.line} | {m.function} | {m.description} | {detail} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
