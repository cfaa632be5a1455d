"""Mutation check of the model's equations: does some test fail when the code is broken?

Two kinds of mutant over bposim/dynamics and bposim/schemes:
  knock-outs  one mechanism switched off, each a declared text replacement (KNOCKOUTS below:
              the mechanisms the mechanism tests must notice);
  AST         every equation's operators and coefficients, one change per mutant: + and -
              swapped, * and / swapped, a unary minus dropped, a numeric constant scaled by
              1.5 (0 becomes 1), a comparison turned round (< and >, <= and >=, == and !=),
              & and | swapped. Left alone: parameter declarations (param(...): pinned by the
              generated tables, tests/test_docs.py), indices into the week's random draws
              (u[0], eps[2]), and the `name`/`summary` strings.
The real tree is never touched: the script works in temporary copies. The unmutated tests
run once under coverage (one context per test); each mutant then runs, in a forked child
stopping at the first failure, only the tests that execute a line it changes, quickest first.
The parent loads the libraries, bposim and the test modules once; a child swaps the mutated
functions' code in (a mutant outside function bodies is imported afresh from a mutated copy).
A mutant is killed when a test fails or the run exceeds its time limit. The script prints
the mutation score and the survivors; a survivor whose id is listed in benchmarks/README.md's
table of equivalent mutants counts as explained.

Run from the repository root (not in CI; see benchmarks/README.md for the latest figures):
  .venv/bin/python benchmarks/mutation.py                  # every mutant, 2 workers
  .venv/bin/python benchmarks/mutation.py --knockouts      # the declared knock-outs only
  .venv/bin/python benchmarks/mutation.py --only audits.py --jobs 1     # one module
  .venv/bin/python benchmarks/mutation.py --sample 10      # reduced: every 10th AST mutant
  .venv/bin/python benchmarks/mutation.py --ref main       # the tree (tests included) of a commit
  .venv/bin/python benchmarks/mutation.py --tests-from 3018502   # older tests against today's code
  .venv/bin/python benchmarks/mutation.py --list           # print the mutants, run nothing
  .venv/bin/python benchmarks/mutation.py --all-tests      # every test on every mutant, fresh imports
"""

from __future__ import annotations

import os

# One BLAS thread: the children share 2 cores, and a process must not hold threads when it forks.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# Nor pyarrow's allocator, which otherwise starts a background thread as pandas imports it.
os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")

import argparse  # noqa: E402
import ast  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("bposim/dynamics", "bposim/schemes")
# Fast tests that read the equations, unit checks first so most mutants die within seconds.
# Left out on purpose: tests that pin numbers to the last digit (test_pinned.py, test_golden.py)
# notice any change at all, so they would kill every mutant without saying what broke.
TESTS = ("tests/test_schemes.py", "tests/test_equations.py", "tests/test_equations_vendor.py",
         "tests/test_mechanism_isolation.py", "tests/validation",
         "tests/test_mechanisms.py", "tests/test_economics.py", "tests/test_market.py", "tests/test_api.py", "tests/test_equations_market.py",
         "tests/test_shortlist.py", "tests/test_pay_floor.py")
REASONS_FILE = ROOT / "benchmarks" / "README.md"


@dataclass(frozen=True)
class Mutant:
    id: str        # stable across line moves: module.function, what changed, the source it changed
    path: str      # repository-relative file
    source: str    # the mutated file's text
    lines: tuple[int, ...] = ()  # the lines of the unmutated file it changes (1-based)


@dataclass(frozen=True)
class Knockout:
    name: str
    path: str
    edits: tuple[tuple[str, str], ...]  # (text, replacement), each text found exactly once


def _ko(name: str, path: str, *edits: tuple[str, str]) -> Knockout:
    return Knockout(name, f"bposim/dynamics/{path}", edits)


# The mechanisms the mechanism tests pin one by one, each switched off.
KNOCKOUTS = (
    _ko("detection resets deviance", "audits.py",
        ("st.deviance = ops.where(detected, 0.0,", "st.deviance = ops.where(False, 0.0,")),
    _ko("audit rate depends on trust", "audits.py",
        ("audit_chance(c, st.audit_boost, st.trust_in_vendor, ops)", "audit_chance(c, st.audit_boost, c.trust_init, ops)")),
    _ko("oversight falls with trust", "audits.py",
        ("(1.0 - c.oversight_trust_relief * st.trust_in_vendor)", "(1.0 - c.oversight_trust_relief * c.trust_init)")),
    _ko("pressure quality loss", "production.py",
        ("- m.pressure_quality_loss * (1.0 - st.attention)", "- 0.0 * (1.0 - st.attention)")),
    _ko("flagging depends on attention", "breaks.py",
        ("flag_chance = st.attention / (", "flag_chance = 1.0 / (")),
    _ko("break pressure under low attention", "breaks.py",
        ("(1.0 + c.break_pressure * (1.0 - st.attention))", "(1.0 + c.break_pressure * 0.0)")),
    _ko("size pull on attention", "market.py",
        ("+ v.attention_size * st.size_log", "+ 0.0 * st.size_log")),
    _ko("audit deterrence in the vendor's decision", "decisions.py",
        ("expected_penalty = st.audit_belief * (", "expected_penalty = 0.0 * (")),
    _ko("re-weighting in reviews", "reviews.py",
        ("ops.where(reweight, st.verification + step", "ops.where(False, st.verification + step"),
        ("ops.where(reweight, st.quality_tilt + step", "ops.where(False, st.quality_tilt + step")),
    _ko("risk premium", "decisions.py",
        ("risk = risk_per_unit_of_pay(st, v)", "risk = 0.0 * risk_per_unit_of_pay(st, v)")),
    _ko("score-outcome covariance at outcome lag 0", "decisions.py",
        ("if m.outcome_lag == 0:", "if False:")),
    _ko("the zero floor in the vendor's valuation", "pay_floor.py",
        ("    if ops.all(far):\n        return m, linear_premium", "    if True:\n        return m, linear_premium")),
)


def statement_lines(tree: ast.AST, first: int, last: int) -> tuple[int, ...]:
    """The lines a change of lines first..last may run on, as coverage records them: from the
    start of the innermost statement holding it (a line event of a statement spread over lines
    may carry any of them) to its end, or to `last` for a compound statement (its body is not it)."""
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= first and last <= (node.end_lineno or node.lineno):
            if best is None or node.lineno >= best.lineno and node.end_lineno <= best.end_lineno:
                best = node
    if best is None:
        return tuple(range(first, last + 1))
    compound = any(isinstance(getattr(best, f, None), list) for f in ("body", "orelse", "handlers"))
    return tuple(range(best.lineno, (last if compound else best.end_lineno) + 1))


def knockout_mutants(root: Path) -> list[Mutant]:
    out = []
    for k in KNOCKOUTS:
        text = original = (root / k.path).read_text()
        lines = []
        for old, new in k.edits:
            if text.count(old) != 1:
                raise SystemExit(f"knock-out {k.name!r}: expected one occurrence of {old!r} in {k.path}, "
                                 f"found {text.count(old)} (the code moved: update KNOCKOUTS)")
            at = original[:original.index(old)].count("\n") + 1
            lines += statement_lines(ast.parse(original), at, at + old.count("\n"))
            text = text.replace(old, new)
        out.append(Mutant(f"knock-out: {k.name}", k.path, text, tuple(sorted(set(lines)))))
    return out


# --- AST mutants ----------------------------------------------------------------------------

SWAP_BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
              ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd}
SWAP_CMP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.BitAnd: "&", ast.BitOr: "|",
          ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def _skipped(tree: ast.AST) -> set[int]:
    """ids of nodes whose numbers are not equations: param(...) declarations, draw indices."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        is_param = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "param"
        if is_param or isinstance(node, ast.Subscript):
            part = node if is_param else node.slice
            skip.update(id(n) for n in ast.walk(part))
        annotation = getattr(node, "annotation", None) if isinstance(node, (ast.AnnAssign, ast.arg)) else None
        if annotation is not None:
            skip.update(id(n) for n in ast.walk(annotation))
    return skip


def _owners(tree: ast.AST) -> dict[int, str]:
    """Each node's enclosing function (or class) name, for readable mutant ids."""
    owner: dict[int, str] = {}

    def visit(node, name):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            name = f"{name}.{node.name}" if name else node.name
        owner[id(node)] = name or "<module>"
        for child in ast.iter_child_nodes(node):
            visit(child, name)

    visit(tree, "")
    return owner


def _sites(tree: ast.AST):
    """(node, what changes, how to apply, how to undo) for every mutation site, in source order."""
    skip = _skipped(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in SWAP_BINOP:
            old = node.op
            new = SWAP_BINOP[type(old)]()
            yield node, f"{SYMBOL[type(old)]} -> {SYMBOL[type(new)]}", (lambda n=node, v=new: setattr(n, "op", v)), \
                (lambda n=node, v=old: setattr(n, "op", v))
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAP_CMP:
                    new = SWAP_CMP[type(op)]()

                    def apply(n=node, i=i, v=new):
                        n.ops[i] = v

                    def undo(n=node, i=i, v=op):
                        n.ops[i] = v
                    yield node, f"{SYMBOL[type(op)]} -> {SYMBOL[type(new)]}", apply, undo
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield node, "drop unary -", None, None
        elif (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
              and not isinstance(node.value, bool)):
            old = node.value
            new = type(old)(1) if old == 0 else (old * 1.5 if isinstance(old, float) else int(round(old * 1.5)) or 2)
            if new == old:
                new = old + 1
            yield node, f"{old!r} -> {new!r}", (lambda n=node, v=new: setattr(n, "value", v)), \
                (lambda n=node, v=old: setattr(n, "value", v))


def _drop_unary(tree: ast.AST, target: ast.UnaryOp) -> ast.AST:
    class Drop(ast.NodeTransformer):
        def visit_UnaryOp(self, node):
            self.generic_visit(node)
            return node.operand if node is target else node
    return Drop().visit(tree)


def ast_mutants(root: Path, only: tuple[str, ...] = ()) -> list[Mutant]:
    out: list[Mutant] = []
    for folder in TARGETS:
        for path in sorted((root / folder).glob("*.py")):
            rel = str(path.relative_to(root))
            if only and not any(rel.endswith(o) for o in only):
                continue
            text = path.read_text()
            module = rel.removesuffix(".py").replace("/", ".").removeprefix("bposim.")
            seen: dict[str, int] = {}
            tree = ast.parse(text)
            owners = _owners(tree)
            parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            for index, (node, change, apply, undo) in enumerate(list(_sites(tree))):
                # A bare number says little: show the expression it stands in.
                shown = parents.get(id(node), node) if isinstance(node, ast.Constant) else node
                snippet = re.sub(r"\s+", " ", ast.get_source_segment(text, shown) or ast.unparse(shown))[:70]
                key = f"{module}.{owners.get(id(node), '<module>')}: {change} in [{snippet}]"
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > 1:
                    key += f" #{seen[key]}"
                if apply is None:  # unary minus: rebuild on a fresh copy of the tree
                    fresh = ast.parse(text)
                    target = [n for n, *_ in _sites(fresh)][index]
                    mutated = ast.unparse(_drop_unary(fresh, target))
                else:
                    apply()
                    mutated = ast.unparse(tree)
                    undo()
                if mutated != ast.unparse(ast.parse(text)):
                    out.append(Mutant(key, rel, mutated + "\n", statement_lines(tree, node.lineno, node.end_lineno or node.lineno)))
    return out


# --- running ----------------------------------------------------------------------------------


def make_copy(ref: str | None, where: Path, tests_ref: str | None = None) -> Path:
    """A copy of the repository's package, configs, tests and pyproject (of `ref`, or the work
    tree), with tests/ taken from `tests_ref` if given (the score of older tests on today's code)."""
    where.mkdir(parents=True)
    parts = ["bposim", "configs", "tests", "pyproject.toml", "docs", "scripts"]
    if ref:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, *parts], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    else:
        for part in parts:
            src = ROOT / part
            if src.is_dir():
                shutil.copytree(src, where / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(src, where / part)
    if tests_ref:
        shutil.rmtree(where / "tests")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", tests_ref, "tests"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    # Installed, configs/ is the package bposim.configs; in the copy it must sit inside bposim/.
    shutil.copytree(where / "configs", where / "bposim" / "configs")
    return where


def _preload(copy: Path, tests: tuple[str, ...]) -> None:
    """Import once, in the parent, every module the tests load except the repository's own:
    each forked child then only imports bposim and the test modules (from its copy). Found by
    collecting the tests in a throwaway child. A process must not hold threads when it forks."""
    import matplotlib
    matplotlib.use("Agg")
    import coverage  # noqa: F401
    listing = copy / "modules.json"
    pid = os.fork()
    if not pid:
        try:
            fd = os.open(copy / "preload.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.chdir(copy)
            sys.path[:0] = [str(copy / "tests"), str(copy)]
            pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "-p", "no:randomly", *tests])
            own = str(copy)
            names = [name for name, mod in list(sys.modules.items())
                     if not (getattr(mod, "__file__", None) or own).startswith(own) and "." not in name]
            listing.write_text(json.dumps(names))
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(99)
    os.waitpid(pid, 0)
    for name in json.loads(listing.read_text()) if listing.exists() else ():
        try:
            __import__(name)
        except Exception:  # noqa: BLE001  (a module that imports only in some context: the child will)
            pass
    assert "bposim" not in sys.modules, "the repository's own modules must come from each copy"
    _single_thread()


def _single_thread() -> None:
    threads = os.listdir("/proc/self/task") if Path("/proc/self/task").exists() else ["main"]
    assert len(threads) == 1, f"{len(threads)} threads after the imports: forking would be unsafe"


class _Contexts:
    """pytest plugin for the coverage pass: each test's lines under its own coverage context
    (its node id), a fixture shared beyond one test under `fixture|<its base id>|<its name>`
    (its value reaches every test using it, not only the one that happened to make it), and
    each test's duration and fixtures."""

    def __init__(self, cov):
        self.cov, self.tests, self.current = cov, {}, ""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item):
        self.current = item.nodeid
        self.cov.switch_context(item.nodeid)
        t0 = time.perf_counter()
        try:
            return (yield)
        finally:
            self.tests[item.nodeid] = {"seconds": time.perf_counter() - t0, "fixtures": list(item.fixturenames)}
            self.current = ""
            self.cov.switch_context("")

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef):
        if fixturedef.scope == "function":
            return (yield)
        self.cov.switch_context(f"fixture|{fixturedef.baseid}|{fixturedef.argname}")
        try:
            return (yield)
        finally:
            self.cov.switch_context(self.current)


def _codes(source: str, filename: str) -> dict[str, object]:
    """Every function's code object in a module's source, by qualified name."""
    out = {}
    todo = [compile(ast.unparse(ast.parse(source)), filename, "exec")]
    while todo:
        code = todo.pop()
        out[code.co_qualname] = code
        todo += [c for c in code.co_consts if hasattr(c, "co_qualname")]
    return out


def code_swaps(mutant: Mutant, original: str) -> list | None:
    """How to put the mutant into the loaded modules: each changed function of its module (as
    loaded) with its mutated code; every reference to the function (`from .contract import
    audit_chance` included) then runs the mutant. None unless every changed code object is a
    function of the module or nested in one (the caller also checks that no changed line runs
    at import: a module constant or a default argument needs a fresh import)."""
    name = mutant.path.removesuffix(".py").replace("/", ".")
    module = sys.modules.get(name)
    if module is None:
        return None
    before, after = _codes(original, mutant.path), _codes(mutant.source, mutant.path)
    if before.keys() != after.keys():
        return None
    changed = [q for q in before if before[q] != after[q]]
    live = {}
    for value in vars(module).values():
        members = vars(value).values() if isinstance(value, type) and value.__module__ == name else [value]
        for f in members:
            f = getattr(f, "__func__", f)
            if callable(f) and getattr(f, "__module__", None) == name and hasattr(f, "__code__"):
                live[f.__code__.co_qualname] = f
    classes = {v.__qualname__ for v in vars(module).values() if isinstance(v, type) and v.__module__ == name}
    swaps = [q for q in changed if q in live]
    for q in changed:
        if not (q in live or q == "<module>" or q in classes or any(q.startswith(f"{s}.<locals>.") for s in swaps)):
            return None
    if not swaps or any(live[q].__code__.co_freevars != after[q].co_freevars for q in swaps):
        return None
    return [(live[q], after[q]) for q in swaps]


def start_tests(copy: Path, tests: tuple[str, ...], log: Path, coverage_file: Path | None = None,
                swap: tuple[Mutant, str] | None = None) -> int:
    """Fork a child that runs pytest on `copy`, stopping at the first failure; returns its pid.
    With `swap` (a mutant and its module's unmutated text) the child runs on the modules the
    parent loaded (tests collected, bposim imported), with the mutant's code swapped in;
    otherwise whatever of the repository the parent loaded is dropped and imported from `copy`.
    With `coverage_file`, the child instead runs every test under coverage of the mutated
    folders, one context per test (class _Contexts), and writes what it saw there (.json beside)."""
    pid = os.fork()
    if pid:
        return pid
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        if swap is None:
            for name, mod in list(sys.modules.items()):
                if name.split(".")[0] == "bposim" or str(getattr(mod, "__file__", "") or "").startswith(str(LOADED)):
                    del sys.modules[name]
        else:
            for function, code in code_swaps(*swap) or os._exit(98):
                function.__code__ = code
        os.chdir(copy)
        sys.path[:0] = [str(copy / "tests"), str(copy)]
        os.environ["MPLBACKEND"] = "Agg"
        args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header",
                "-W", "ignore::pytest.PytestUnraisableExceptionWarning",
                "-W", "ignore::pytest.PytestAssertRewriteWarning", *tests]
        if coverage_file is None:
            code = pytest.main(["-x", *args])
        else:
            import coverage
            cov = coverage.Coverage(data_file=str(coverage_file), include=[str(copy / t / "*.py") for t in TARGETS])
            plugin = _Contexts(cov)
            cov.start()
            try:
                code = pytest.main(args, plugins=[plugin])
            finally:
                cov.stop()
                cov.save()
            coverage_file.with_suffix(".json").write_text(json.dumps(plugin.tests))
        sys.stdout.flush()
        os._exit(int(code))
    except BaseException:  # noqa: BLE001  (a child must never return into the parent's loop)
        import traceback
        traceback.print_exc()
        sys.stdout.flush()
        os._exit(99)


LOADED = Path("/nonexistent")  # the copy whose modules the parent loaded (load_tests), if any


def load_tests(copy: Path, tests: tuple[str, ...]) -> None:
    """Collect the tests in the parent, from `copy` (so bposim and the test modules are imported
    once; a child that swaps a mutant's code in runs them at once)."""
    global LOADED
    cwd, path = os.getcwd(), list(sys.path)
    fd, saved = os.open(copy / "collect.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), (os.dup(1), os.dup(2))
    try:
        sys.stdout.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(copy)
        sys.path[:0] = [str(copy / "tests"), str(copy)]
        code = pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "-p", "no:randomly", *tests])
    finally:
        sys.stdout.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.chdir(cwd)
        sys.path[:] = path
    if code != 0:
        raise SystemExit(f"collecting the tests failed (exit {code}): {(copy / 'collect.log').read_text()[-2000:]}")
    LOADED = copy


@dataclass
class Selection:
    """Which tests run which line of the mutated modules (from the coverage pass), and how long each takes."""
    lines: dict[str, dict[int, set[str]]]   # repository-relative file -> line -> contexts
    tests: dict[str, dict]                   # node id -> {"seconds", "fixtures"}
    kills: dict[str, int] = field(default_factory=dict)  # node id -> mutants it killed so far
    killer: dict[str, str] = field(default_factory=dict)  # mutant id -> the test that killed it before

    @classmethod
    def load(cls, copy: Path, coverage_file: Path) -> "Selection":
        import coverage
        data = coverage.CoverageData(str(coverage_file))
        data.read()
        lines = {}
        for filename in data.measured_files():
            # Relative to the copy measured (a cached pass measured another copy of the same tree).
            rel = next(filename[i + 1:] for t in TARGETS if (i := filename.rfind(f"/{t}/")) >= 0)
            lines[rel] = {ln: set(ctx) for ln, ctx in data.contexts_by_lineno(filename).items()}
        return cls(lines, json.loads(coverage_file.with_suffix(".json").read_text()))

    def tests_for(self, mutant: Mutant) -> tuple[tuple[str, ...] | None, bool]:
        """The tests that run a line the mutant changes, in order of trial (cost), and whether a changed line runs outside the
        tests, at import (a module constant, a default argument): then it reaches every test,
        and every test runs. (None, False) if no test runs it."""
        contexts = set()
        for ln in mutant.lines:
            contexts |= self.lines.get(mutant.path, {}).get(ln, set())
        at_import = "" in contexts
        chosen = set(self.tests) if at_import else {c for c in contexts if c in self.tests}
        for c in contexts - chosen:
            if c.startswith("fixture|"):
                _, base, name = c.split("|", 2)
                chosen |= {t for t, info in self.tests.items() if t.startswith(base) and name in info["fixtures"]}
        if not chosen:
            return None, False
        first = [t for t in [self.killer.get(mutant.id)] if t in chosen]  # what killed it last time
        return tuple(first + sorted(chosen - set(first), key=self.cost)), at_import

    def cost(self, test: str) -> float:
        """Order of trial: the quickest tests first, and a test that killed mutants already in
        this run earlier in proportion (so a mutant meets the test likely to kill it soon)."""
        return self.tests[test]["seconds"] / (1 + self.kills.get(test, 0))

    def seconds(self, tests) -> float:
        return sum(self.tests.get(t, {}).get("seconds", 0.0) for t in tests)


def wait(pid: int, deadline: float) -> int | None:
    """Exit status of the child, or None if it ran past the deadline (it is killed)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.05)


def reason_patterns() -> list[re.Pattern]:
    """Mutant ids given a reason in benchmarks/README.md: table rows `| `pattern` | reason |`
    under its heading "Equivalent mutants", where * in a pattern stands for any text."""
    if not REASONS_FILE.exists():
        return []
    text = REASONS_FILE.read_text()
    section = text.split("### Equivalent mutants", 1)[-1] if "### Equivalent mutants" in text else ""
    patterns = []
    for line in section.split("\n## ", 1)[0].splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m:
            text = m.group(1).strip().replace("\\|", "|")  # a | inside a table cell is written \|
            patterns.append(re.compile(re.escape(text).replace(r"\*", ".*") + "$"))
    return patterns


def explained(mutant: Mutant, patterns: list[re.Pattern]) -> bool:
    return any(p.match(mutant.id) for p in patterns)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--knockouts", action="store_true", help="only the declared knock-outs")
    ap.add_argument("--no-knockouts", action="store_true", help="only the AST mutants")
    ap.add_argument("--only", nargs="*", default=(), help="only mutants of files ending so (e.g. audits.py)")
    ap.add_argument("--ids", nargs="*", default=(), help="only mutants whose id contains one of these")
    ap.add_argument("--sample", type=int, default=1, metavar="K",
                    help="reduced mode: every K-th AST mutant (knock-outs always run)")
    ap.add_argument("--ref", help="take the whole tree from this git revision (default: the work tree)")
    ap.add_argument("--tests-from", metavar="REV", help="take tests/ from this git revision (default: as --ref)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tests", nargs="*", default=TESTS, help="tests to run per mutant")
    ap.add_argument("--list", action="store_true", help="print the mutants and stop")
    ap.add_argument("--coverage-cache", type=Path, metavar="DIR",
                    help="keep the coverage pass in DIR, or reuse the one there (only while the tree is unchanged)")
    ap.add_argument("--history", nargs="*", type=Path, default=(), metavar="LOG",
                    help="the printed output of earlier runs: each mutant first meets the test that killed it there")
    ap.add_argument("--run-explained", action="store_true",
                    help="run the mutants benchmarks/README.md explains as equivalent too (default: not run)")
    ap.add_argument("--all-tests", action="store_true",
                    help="run every test on every mutant (default: only the tests that run a line it changes)")
    args = ap.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="bposim-mutation-"))
    running: dict[int, tuple] = {}
    # Stopped (kill PID): during the mutants, the score of those judged so far is printed;
    # in any case the children end and the copies are removed, as at a normal end.
    stopped: list[bool] = []
    judging: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True) if judging else sys.exit(143))
    try:
        # copies[0] stays unmutated (the parent loads its modules); each worker slot has its own.
        copies = [make_copy(args.ref, base / f"w{i}", args.tests_from) for i in range(max(args.jobs, 1) + 1)]
        mutants = [] if args.no_knockouts else knockout_mutants(copies[0])
        if not args.knockouts:
            mutants += ast_mutants(copies[0], tuple(args.only))[::max(args.sample, 1)]
        if args.ids:
            mutants = [m for m in mutants if any(s in m.id for s in args.ids)]
        if args.list:
            for m in mutants:
                print(m.id)
            print(f"{len(mutants)} mutants")
            return 0
        tests = tuple(t for t in args.tests if (copies[0] / t).exists())
        _preload(copies[0], tests)
        print(f"mutation check of {', '.join(TARGETS)} ({len(mutants)} mutants); tests: {' '.join(tests)}; "
              f"code: {args.ref or 'work tree'}, tests: {args.tests_from or args.ref or 'work tree'}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        t0 = time.monotonic()
        cov = base / "cov"
        if args.coverage_cache and (args.coverage_cache / "cov").exists() and not args.all_tests:
            # Iterating on a few mutants: the coverage of a previous run (of the same tree!).
            shutil.copy2(args.coverage_cache / "cov", cov)
            shutil.copy2(args.coverage_cache / "cov.json", cov.with_suffix(".json"))
            status = 0
        else:
            status = wait(start_tests(copies[0], tests, base / "baseline.log", None if args.all_tests else cov),
                          t0 + 3600)
            if args.coverage_cache and status == 0 and not args.all_tests:
                args.coverage_cache.mkdir(parents=True, exist_ok=True)
                shutil.copy2(cov, args.coverage_cache / "cov")
                shutil.copy2(cov.with_suffix(".json"), args.coverage_cache / "cov.json")
        baseline = time.monotonic() - t0
        if status != 0:
            print((base / "baseline.log").read_text()[-3000:])
            print(f"the unmutated tests do not pass (exit {status}): nothing to measure")
            return 2
        selection = None if args.all_tests else Selection.load(copies[0], cov)
        if selection is not None:
            for log in args.history:
                # An earlier run's output: each mutant's killer first, each test's kills as a start.
                for test, mutant in re.findall(r"\] killed by (\S+) \(.*?\): (.+)$", log.read_text(), re.M):
                    if test in selection.tests:
                        selection.killer[mutant] = test
                        selection.kills[test] = selection.kills.get(test, 0) + 1
        if selection is not None and baseline < 1.0:
            baseline = selection.seconds(selection.tests)
        what = "" if selection is None else f" under coverage, {len(selection.tests)} tests"
        print(f"unmutated tests pass in {baseline:.1f} s{what}", flush=True)

        if selection is not None:
            load_tests(copies[0], tests)
            _single_thread()
        originals = {m.path: (copies[0] / m.path).read_text() for m in mutants}

        def plan(m: Mutant) -> tuple[tuple[str, ...] | None, float, bool]:
            """The tests to run on a mutant, its time limit and whether its code can be swapped
            into the modules loaded once (else the child imports a mutated copy). A mutant is
            killed after many times what its tests took unmutated (only a hung mutant, a loop
            that never ends, should meet it)."""
            if selection is None:
                return tests, max(8.0 * baseline, 300.0), False
            chosen, at_import = selection.tests_for(m)
            if chosen is None:
                return None, 0.0, False
            swap = not at_import and code_swaps(m, originals[m.path]) is not None
            return chosen, max(8.0 * selection.seconds(chosen), 60.0), swap

        patterns = reason_patterns()
        survivors, killed, todo, unrun, swapped = [], 0, list(mutants), [], 0
        free = list(range(max(args.jobs, 1)))
        start = time.monotonic()
        judging.append(True)
        while (todo or running) and not stopped:
            while todo and free and not stopped:
                m = todo.pop(0)
                if not args.run_explained and explained(m, patterns):
                    # Argued equivalent in benchmarks/README.md (no test can kill it): like a
                    # "no mutate" pragma, it is not run, and counts as an explained survivor.
                    survivors.append(m)
                    unrun.append(m)
                    print(f"[{len(mutants) - len(todo) - len(running)}/{len(mutants)} "
                          f"{time.monotonic() - start:.0f}s] SURVIVED (equivalent, not run): {m.id}", flush=True)
                    continue
                chosen, limit, swap = plan(m)
                if chosen is None:
                    survivors.append(m)
                    unrun.append(m)
                    print(f"[{len(mutants) - len(todo) - len(running)}/{len(mutants)} "
                          f"{time.monotonic() - start:.0f}s] SURVIVED (no test runs its line): {m.id}", flush=True)
                    continue
                slot = free.pop()
                log = base / f"slot{slot}.log"
                if swap:
                    swapped += 1
                    pid = start_tests(copies[0], chosen, log, swap=(m, originals[m.path]))
                else:
                    copy = copies[1 + slot]
                    (copy / m.path).write_text(m.source)
                    pid = start_tests(copy, chosen, log)
                running[pid] = (m, slot, swap, time.monotonic() + limit, len(chosen), time.monotonic())
            for pid, (m, slot, swap, deadline, n_tests, began) in list(running.items()):
                done, st = os.waitpid(pid, os.WNOHANG)
                late = not done and time.monotonic() > deadline
                if late:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                if not (done or late):
                    continue
                code = None if late else os.waitstatus_to_exitcode(st)
                log = base / f"slot{slot}.log"
                text = log.read_text(errors="replace") if log.exists() else ""
                failed = re.search(r"^(?:FAILED|ERROR) (\S+)", text, re.M)
                if not swap:
                    copy = copies[1 + slot]
                    (copy / m.path).write_text(originals[m.path])
                    shutil.rmtree(copy / "bposim" / "dynamics" / "__pycache__", ignore_errors=True)
                    shutil.rmtree(copy / "bposim" / "schemes" / "__pycache__", ignore_errors=True)
                del running[pid]
                free.append(slot)
                n = len(mutants) - len(todo) - len(running)
                if code in (98, 99):
                    raise SystemExit(f"the child for {m.id} broke (exit {code}):\n{text[-3000:]}")
                if code == 0:
                    survivors.append(m)
                    verdict = "SURVIVED"
                else:
                    killed += 1
                    verdict = "killed (time limit)" if code is None else "killed"
                    if failed:
                        verdict += f" by {failed.group(1)}"
                        if selection is not None:
                            selection.kills[failed.group(1)] = selection.kills.get(failed.group(1), 0) + 1
                how = "swapped in" if swap else "fresh import"
                print(f"[{n}/{len(mutants)} {time.monotonic() - start:.0f}s] {verdict} "
                      f"({n_tests} tests, {how}, {time.monotonic() - began:.1f} s): {m.id}", flush=True)
            time.sleep(0.02)

        unexplained = [m for m in survivors if not explained(m, patterns)]
        total = len(mutants)
        if stopped:
            total = killed + len(survivors)
            print(f"\nSTOPPED: {len(todo) + len(running)} of the {len(mutants)} mutants not judged; "
                  f"the score below is over the {total} judged")
        print(f"\n{swapped} of the {total - len(unrun)} mutants run were swapped into the loaded modules, "
              f"the others imported afresh")
        print(f"mutation score: {killed}/{total} killed = {killed / max(total, 1):.1%} "
              f"({len(survivors)} survived, {len(survivors) - len(unexplained)} of them explained in "
              f"benchmarks/README.md); {time.monotonic() - start:.0f} s after the {baseline:.0f} s unmutated run, "
              f"{time.monotonic() - t0:.0f} s in all; load average now {os.getloadavg()[0]:.1f}")
        for m in survivors:
            unseen = "" if m not in unrun else " (not run: equivalent)" if explained(m, patterns) else " (no test runs its line)"
            print(f"  {'explained  ' if explained(m, patterns) else 'UNEXPLAINED'} {m.id}{unseen}")
        return 1 if unexplained else 0
    finally:
        for pid in running:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
