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
Each mutant is applied in a temporary copy of the repository (the real tree is never
touched) and a focused subset of the tests runs against it in a forked child (heavy imports
are done once, in the parent), stopping at the first failure; a mutant is killed when a
test fails or the run exceeds its time limit. The script prints the mutation score and the
survivors; a survivor whose id is listed in benchmarks/README.md's table of equivalent
mutants counts as explained.

Run from the repository root (not in CI; see benchmarks/README.md for the latest figures):
  .venv/bin/python benchmarks/mutation.py                  # every mutant, 2 workers
  .venv/bin/python benchmarks/mutation.py --knockouts      # the declared knock-outs only
  .venv/bin/python benchmarks/mutation.py --only audits.py --jobs 1     # one module
  .venv/bin/python benchmarks/mutation.py --sample 10      # reduced: every 10th AST mutant
  .venv/bin/python benchmarks/mutation.py --ref main       # the tree (tests included) of a commit
  .venv/bin/python benchmarks/mutation.py --tests-from 3018502   # older tests against today's code
  .venv/bin/python benchmarks/mutation.py --list           # print the mutants, run nothing
"""

from __future__ import annotations

import os

# One BLAS thread: the children share 2 cores, and a process must not hold threads when it forks.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import ast  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("bposim/dynamics", "bposim/schemes")
# Fast tests that read the equations, unit checks first so most mutants die within seconds.
# Left out on purpose: tests that pin numbers to the last digit (test_pinned.py, test_golden.py)
# notice any change at all, so they would kill every mutant without saying what broke.
TESTS = ("tests/test_schemes.py", "tests/test_equations.py", "tests/test_mechanism_isolation.py", "tests/validation",
         "tests/test_mechanisms.py", "tests/test_economics.py", "tests/test_api.py")
REASONS_FILE = ROOT / "benchmarks" / "README.md"


@dataclass(frozen=True)
class Mutant:
    id: str        # stable across line moves: module.function, what changed, the source it changed
    path: str      # repository-relative file
    source: str    # the mutated file's text


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
        ("risk_premium = pay_risk_premium(", "risk_premium = 0.0 * pay_risk_premium(")),
)


def knockout_mutants(root: Path) -> list[Mutant]:
    out = []
    for k in KNOCKOUTS:
        text = (root / k.path).read_text()
        for old, new in k.edits:
            if text.count(old) != 1:
                raise SystemExit(f"knock-out {k.name!r}: expected one occurrence of {old!r} in {k.path}, "
                                 f"found {text.count(old)} (the code moved: update KNOCKOUTS)")
            text = text.replace(old, new)
        out.append(Mutant(f"knock-out: {k.name}", k.path, text))
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
                    out.append(Mutant(key, rel, mutated + "\n"))
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


def _preload() -> None:
    """Heavy imports done once; each forked child imports bposim (from its copy) and pandas
    (pyarrow, which pandas loads, starts a thread, and a process with threads must not fork)."""
    import matplotlib
    matplotlib.use("Agg")
    import hydra  # noqa: F401
    import hypothesis  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import networkx  # noqa: F401
    import numpy  # noqa: F401
    import omegaconf  # noqa: F401
    import pytest  # noqa: F401
    import scipy.stats  # noqa: F401
    assert "bposim" not in sys.modules and "pyarrow" not in sys.modules


def start_tests(copy: Path, tests: tuple[str, ...], log: Path) -> int:
    """Fork a child that runs pytest on `copy`; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(copy)
        sys.path.insert(0, str(copy))
        sys.path.insert(0, str(copy / "tests"))
        os.environ["MPLBACKEND"] = "Agg"
        import pytest
        code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header",
                            "-W", "ignore::pytest.PytestUnraisableExceptionWarning", *tests])
        sys.stdout.flush()
        os._exit(int(code))
    except BaseException:  # noqa: BLE001  (a child must never return into the parent's loop)
        os._exit(99)


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
            patterns.append(re.compile(re.escape(m.group(1).strip()).replace(r"\*", ".*") + "$"))
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
    args = ap.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="bposim-mutation-"))
    try:
        copies = [make_copy(args.ref, base / f"w{i}", args.tests_from) for i in range(max(args.jobs, 1))]
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
        _preload()
        tests = tuple(t for t in args.tests if (copies[0] / t).exists())
        print(f"mutation check of {', '.join(TARGETS)} ({len(mutants)} mutants); tests: {' '.join(tests)}; "
              f"code: {args.ref or 'work tree'}, tests: {args.tests_from or args.ref or 'work tree'}", flush=True)
        t0 = time.monotonic()
        status = wait(start_tests(copies[0], tests, base / "baseline.log"), t0 + 1800)
        baseline = time.monotonic() - t0
        if status != 0:
            print((base / "baseline.log").read_text()[-3000:])
            print(f"the unmutated tests do not pass (exit {status}): nothing to measure")
            return 2
        limit = max(8.0 * baseline, 300.0)  # only a hung mutant (a loop that never ends) should meet it
        print(f"unmutated tests pass in {baseline:.1f} s; a mutant is killed after {limit:.0f} s", flush=True)

        survivors, killed, todo = [], 0, list(mutants)
        running: dict[int, tuple[Mutant, Path, float, str]] = {}
        free = list(copies)
        start = time.monotonic()
        while todo or running:
            while todo and free:
                m, copy = todo.pop(0), free.pop()
                original = (copy / m.path).read_text()
                (copy / m.path).write_text(m.source)
                pid = start_tests(copy, tests, copy / "mutant.log")
                running[pid] = (m, copy, time.monotonic() + limit, original)
            for pid, (m, copy, deadline, original) in list(running.items()):
                done, st = os.waitpid(pid, os.WNOHANG)
                late = not done and time.monotonic() > deadline
                if late:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                if not (done or late):
                    continue
                code = None if late else os.waitstatus_to_exitcode(st)
                log = (copy / "mutant.log").read_text(errors="replace") if (copy / "mutant.log").exists() else ""
                failed = re.search(r"^(?:FAILED|ERROR) (\S+)", log, re.M)
                (copy / m.path).write_text(original)
                shutil.rmtree(copy / "bposim" / "dynamics" / "__pycache__", ignore_errors=True)
                shutil.rmtree(copy / "bposim" / "schemes" / "__pycache__", ignore_errors=True)
                del running[pid]
                free.append(copy)
                n = len(mutants) - len(todo) - len(running)
                if code == 0:
                    survivors.append(m)
                    verdict = "SURVIVED"
                else:
                    killed += 1
                    verdict = "killed (time limit)" if code is None else "killed"
                    if failed:
                        verdict += f" by {failed.group(1)}"
                print(f"[{n}/{len(mutants)} {time.monotonic() - start:.0f}s] {verdict}: {m.id}", flush=True)
            time.sleep(0.05)

        patterns = reason_patterns()
        unexplained = [m for m in survivors if not explained(m, patterns)]
        total = len(mutants)
        print(f"\nmutation score: {killed}/{total} killed = {killed / max(total, 1):.1%} "
              f"({len(survivors)} survived, {len(survivors) - len(unexplained)} of them explained in "
              f"benchmarks/README.md); {time.monotonic() - start:.0f} s")
        for m in survivors:
            print(f"  {'explained  ' if explained(m, patterns) else 'UNEXPLAINED'} {m.id}")
        return 1 if unexplained else 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
