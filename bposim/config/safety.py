"""What a configuration may ask of the machine: no code from configs, writes only where asked.

Hydra instantiates whatever a config names under `_target_` (callbacks, the launcher, the
sweeper) and Python's logging builds whatever a logging config names under `"()"` or `class`,
and only Hydra's short blocklist stands in the way. So before Hydra instantiates anything,
every composed configuration of a bposim command goes through `check_composed`:

- every `_target_`, `"()"` and logging `class` must be on an allowlist (bposim's own
  validator, Hydra's launchers and sweepers, the standard logging classes), and bposim's
  validator must be there, unchanged;
- interpolations in the hydra node may use only Hydra's own `now` and `hydra` resolvers and
  references to other keys: nothing that reads the environment or evaluates code;
- bposim's own values hold no interpolation at all (a value is a value);
- nothing else that reaches the shell or the environment (`hydra.job.env_set`, a launcher's
  `setup` lines) and no folder name that leaves the run's folder.

`check_overrides` is the same door for override lists (the API, the commands, every sweep
job): each override parses, names a known key, and holds a value of the key's declared type
(exact integers, real booleans, no list where a number goes), before Hydra composes.

`safe_name` makes a job folder name from its overrides; `probe_writable` checks that a folder
can be written before anything is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from .params import ConfigError, default_of
from .schema import Config

VALIDATOR = "bposim.sweep.callback.ValidateConfig"

CALLBACKS = frozenset({VALIDATOR, "hydra.experimental.callbacks.LogJobReturnCallback"})
SWEEPERS = frozenset({
    "hydra_plugins.bposim_sweeper.BposimSweeper",
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
})
LAUNCHERS = frozenset({
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_aws_launcher.RayAWSLauncher",
})
# Launchers on the allowlist whose plugin comes with an optional extra (pyproject.toml): a
# launcher missing for that reason is named with what to install, not as an unknown option.
LAUNCHER_EXTRAS = {
    "ray": ("hydra-ray-launcher", "ray"), "ray_aws": ("hydra-ray-launcher", "ray"),
    "submitit_local": ("hydra-submitit-launcher", "slurm"), "submitit_slurm": ("hydra-submitit-launcher", "slurm"),
}
# Python's own handlers that write to a stream or to a file in the run's folder; formatters and
# filters. No network handlers (socket, SMTP, HTTP, syslog).
LOGGING = frozenset({
    "logging.StreamHandler", "logging.FileHandler", "logging.NullHandler",
    "logging.handlers.RotatingFileHandler", "logging.handlers.TimedRotatingFileHandler",
    "logging.handlers.WatchedFileHandler", "logging.Formatter", "logging.Filter",
    "colorlog.ColoredFormatter",  # Hydra's colorlog plugin
})
STREAMS = frozenset({"ext://sys.stdout", "ext://sys.stderr"})
RESOLVERS = frozenset({"now", "hydra", "bposim_job_dir"})  # Hydra's own, and bposim's folder names
JOB_SUBDIR = "${bposim_job_dir:${hydra.job.override_dirname}}"
MAX_NAME = 120  # characters of a folder name kept readable; longer ones are cut and hashed

_INTERPOLATION = re.compile(r"\$\{\s*([^}:]*?)\s*:")
_UNSAFE_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")


# --- composed configurations ------------------------------------------------------------------


def check_composed(cfg: Any) -> None:
    """Refuse a composed configuration that would run code or write outside its folders.

    cfg: a DictConfig or plain dict, unresolved (interpolations as written)."""
    from omegaconf import DictConfig, OmegaConf

    data = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else dict(cfg)
    problems = user_value_problems({k: v for k, v in data.items() if k != "hydra"})
    if isinstance(data.get("hydra"), dict):
        problems += hydra_problems(data["hydra"])
    if problems:
        raise ConfigError(problems)


def user_value_problems(data: Any, prefix: str = "") -> list[str]:
    """bposim's values are values: an interpolation (`${...}`) in any of them is refused."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in user_value_problems(v, f"{prefix}{k}.")]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in user_value_problems(v, f"{prefix}{i}.")]
    if isinstance(data, str) and "${" in data:
        return [f"{prefix[:-1]} = {data!r} is an interpolation: bposim values must be given as "
                f"plain values (no ${{...}})"]
    return []


def hydra_problems(hydra: dict) -> list[str]:
    """What in Hydra's own settings would run code, reach the shell or leave the output folder."""
    problems: list[str] = []
    callbacks = hydra.get("callbacks") or {}
    if not isinstance(callbacks, dict) or not isinstance(callbacks.get("validate"), dict) \
            or callbacks["validate"].get("_target_") != VALIDATOR or len(callbacks["validate"]) != 1:
        problems.append(f"hydra.callbacks.validate is bposim's validator ({VALIDATOR}): it cannot "
                        f"be removed or replaced")
    for name, node in (callbacks.items() if isinstance(callbacks, dict) else ()):
        _targets(node, f"hydra.callbacks.{name}", CALLBACKS, problems, top=True)
    for key, allowed in (("launcher", LAUNCHERS), ("sweeper", SWEEPERS)):
        _targets(hydra.get(key), f"hydra.{key}", allowed, problems, top=True)
    for path, value in _keyed(hydra.get("launcher"), "hydra.launcher", _SHELL_KEYS):
        if value:
            problems.append(f"{path} = {value!r} runs shell commands: not accepted from a bposim "
                            f"configuration (prepare the cluster's environment beforehand)")
    for key in ("job_logging", "hydra_logging"):
        _logging(hydra.get(key), f"hydra.{key}", problems)
    job = hydra.get("job") or {}
    if job.get("env_set"):
        problems.append(f"hydra.job.env_set = {dict(job['env_set'])!r} sets environment variables: not accepted "
                        f"(set them in the shell before the command)")
    for key, value in (("hydra.job.name", job.get("name")), ("hydra.output_subdir", hydra.get("output_subdir"))):
        if value is not None and (not isinstance(value, str) or "${" in value or safe_name(value) != value):
            problems.append(f"{key} = {value!r} is not a plain folder or file name: allowed letters, digits "
                            f"and . _ - (no / or ..)")
    subdir = (hydra.get("sweep") or {}).get("subdir")
    if subdir != JOB_SUBDIR:
        problems.append(f"hydra.sweep.subdir = {subdir!r} cannot be changed: bposim names each job's "
                        f"folder by its overrides, made safe ({JOB_SUBDIR})")
    for path, text in _strings(hydra, "hydra"):
        for resolver in _INTERPOLATION.findall(text):
            if resolver not in RESOLVERS:
                problems.append(f"{path} = {text!r} uses the resolver {resolver!r}: allowed only "
                                f"{', '.join(sorted(RESOLVERS))} and references to other keys")
    return problems


# Launcher settings whose lines run in a shell (submitit's setup, Ray's cluster commands).
_SHELL_KEYS = frozenset({"setup", "setup_commands", "env_setup", "initialization_commands",
                         "head_setup_commands", "worker_setup_commands", "head_start_ray_commands",
                         "worker_start_ray_commands", "commands"})


def _keyed(node: Any, path: str, keys: frozenset) -> Iterable[tuple[str, Any]]:
    """(path, value) of every entry named one of `keys`, at any depth of node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in keys:
                yield f"{path}.{k}", v
            else:
                yield from _keyed(v, f"{path}.{k}", keys)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _keyed(v, f"{path}.{i}", keys)


def _targets(node: Any, path: str, allowed: frozenset, problems: list[str], top: bool) -> None:
    """Every `_target_` in node: its own must be allowed; a nested one never is."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _targets(item, f"{path}.{i}", allowed, problems, top=False)
        return
    if not isinstance(node, dict):
        return
    for key in ("_target_", "()"):
        if key in node:
            target = node[key]
            if not top or target not in allowed:
                problems.append(f"{path}.{key} = {target!r} is not allowed: bposim instantiates only "
                                f"{', '.join(sorted(allowed)) if top else 'what its allowlist names, at the top of the node'}")
    for key, value in node.items():
        if key not in ("_target_", "()"):
            _targets(value, f"{path}.{key}", allowed, problems, top=False)


def _logging(node: Any, path: str, problems: list[str]) -> None:
    """A logging.config.dictConfig schema: factories, classes, streams and files checked."""
    if not isinstance(node, dict):
        return
    for section in ("formatters", "filters", "handlers"):
        for name, spec in (node.get(section) or {}).items():
            where = f"{path}.{section}.{name}"
            if not isinstance(spec, dict):
                continue
            for key in ("()", "class"):
                if key in spec and spec[key] not in LOGGING:
                    problems.append(f"{where}.{key} = {spec[key]!r} is not allowed: the logging classes allowed "
                                    f"are {', '.join(sorted(LOGGING))}")
            if "." in spec:
                problems.append(f"{where}.. (attributes set after construction) is not accepted")
            stream = spec.get("stream")
            if stream is not None and stream not in STREAMS:
                problems.append(f"{where}.stream = {stream!r} is not allowed: use {' or '.join(sorted(STREAMS))}")
            filename = spec.get("filename")
            if filename is not None and not _in_output_dir(filename):
                problems.append(f"{where}.filename = {filename!r} is outside the run's folder: allowed "
                                f"${{hydra.runtime.output_dir}}/NAME")
    for path_, text in _strings(node, path):
        if text.startswith("ext://") and text not in STREAMS:
            problems.append(f"{path_} = {text!r} is not allowed: use {' or '.join(sorted(STREAMS))}")


def _in_output_dir(filename: Any) -> bool:
    prefix = "${hydra.runtime.output_dir}/"
    if not isinstance(filename, str) or not filename.startswith(prefix):
        return False
    rest = filename[len(prefix):].replace("${hydra.job.name}", "job")
    return "${" not in rest and safe_name(rest) == rest


def _strings(node: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{path}.{i}")
    elif isinstance(node, str):
        yield path, node


# --- override lists ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def declared_fields() -> dict[str, str]:
    """Dotted key -> declared type name, for every field of the schema and of every scheme."""
    from ..schemes import SCHEMES

    out: dict[str, str] = {}
    for f in dataclasses.fields(Config):
        default = default_of(f)
        if dataclasses.is_dataclass(default):
            for g in dataclasses.fields(default):
                out[f"{f.name}.{g.name}"] = _type_name(g.type)
        elif f.name != "scheme":
            out[f.name] = _type_name(f.type)
    out["scheme.name"] = "str"
    for cls in SCHEMES.values():
        for g in dataclasses.fields(cls.Params):
            out.setdefault(f"scheme.{g.name}", _type_name(g.type))
    return out


def _type_name(t: Any) -> str:
    return t if isinstance(t, str) else getattr(t, "__name__", str(t))


def section_fields(section: str) -> list[str]:
    return sorted(k.split(".", 1)[1] for k in declared_fields() if k.startswith(section + "."))


def value_problem(key: str, value: Any) -> Optional[str]:
    """Why `value` cannot be the declared field `key` (None: it can, or the key is not declared).

    Stricter than OmegaConf's conversions on purpose: 2 is not a boolean, "26" and 26.0 are not
    whole numbers, a list is not a number."""
    kind = declared_fields().get(key)
    if kind is None:
        return None
    if isinstance(value, str) and "${" in value:
        return f"{key} = {value!r} is an interpolation: bposim values must be given as plain values (no ${{...}})"
    if kind == "bool" and not isinstance(value, bool):
        return f"{key} = {value!r} must be true or false"
    if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{key} = {value!r} must be a whole number"
    if kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{key} = {value!r} must be a number"
    if kind == "str" and not isinstance(value, (str, int, float, bool)):
        return f"{key} = {value!r} must be text"
    return None


def key_problem(key: str) -> Optional[str]:
    """Why `key` (a value override of a bposim setting) names nothing bposim knows."""
    fields = declared_fields()
    section = key.partition(".")[0]
    if key in fields or section == "scheme":  # a scheme's parameters: checked once it is known
        return None
    tops = sorted({k.split(".")[0] for k in fields} | {"scheme"})
    if section not in tops:
        return f"{section} is not a bposim setting: allowed {', '.join(tops)}"
    if section_fields(section):
        return f"{key} is not a parameter of {section}: allowed {', '.join(section_fields(section))}"
    return f"{key}: {section} is a single value, not a section"


def check_overrides(overrides: Iterable[str], group_options: Callable[[str], list[str]] | None = None,
                    allow_hydra: bool = True) -> list:
    """Parse Hydra overrides and refuse, naming the override, what bposim cannot take.

    group_options(group) lists a config group's options (None: not checked here). Returns the
    parsed overrides (Hydra's Override objects). Raises ConfigError."""
    from hydra.errors import HydraException

    parsed, problems = [], []
    for text in overrides:
        text = str(text)
        try:
            o = parse(text)
        except HydraException as err:
            key = text.lstrip("+~").partition("=")[0] or text
            problems.append(f"{key}: cannot read the override {text!r} ({_first_line(err)}); see "
                            f"https://hydra.cc/docs/advanced/override_grammar/basic")
            continue
        parsed.append(o)
        key = o.key_or_group
        if o.is_hydra_override():
            if not allow_hydra:
                problems.append(f"{text}: Hydra's settings (hydra.*) are not taken here")
            elif key == "hydra.searchpath":
                problems += _search_path_problems(o)
            elif "/" in key and group_options is not None and not o.is_delete() and group_options(key):
                problems += _group_problems(o, group_options)  # hydra/launcher=, hydra/sweeper=, ...
            continue
        if is_group(o):
            if group_options is not None and not o.is_delete() and "/" not in key:
                problems += _group_problems(o, group_options)
            continue
        if o.is_delete():
            continue
        problem = key_problem(key)
        if problem is None:
            for value in _values(o):
                problem = value_problem(key, value) or problem
                if problem:
                    break
        if problem:
            problems.append(problem)
    if problems:
        raise ConfigError(problems)
    return parsed


_TOP_VALUES = ("seed", "steps", "replications", "label")


@lru_cache(maxsize=4096)
def parse(override: str) -> Any:
    """One Hydra override, parsed (Hydra's OverrideParseException if it does not parse)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_override(override)


def is_group(o: Any) -> bool:
    """Whether an override picks a config file (scheme=, scenario=, +experiment=, hydra/launcher=)
    rather than sets a value: a key without a dot that is not a top-level setting."""
    return o.package is not None or ("." not in o.key_or_group and o.key_or_group not in _TOP_VALUES)


def _values(o: Any) -> list:
    if not o.is_sweep_override():
        return [o.value()]
    try:
        return list(o.sweep_iterator())
    except Exception:  # a sweep Hydra itself cannot expand: its own message follows
        return []


def _group_problems(o: Any, group_options: Callable[[str], list[str]]) -> list[str]:
    group = o.key_or_group
    options = group_options(group)
    values = _values(o)
    if any(isinstance(v, dict) for v in values):  # a dict merges values into the group's node
        return []
    if not options:
        tops = sorted({k.split(".")[0] for k in declared_fields()} | {"scheme", "scenario", "experiment"})
        return [] if group in tops else [f"{group} is not a bposim setting or config group: allowed "
                                         f"{', '.join(tops)}"]
    bad = [v for v in values if not isinstance(v, str) or v not in options]
    if not bad:
        return []
    if group == "hydra/launcher" and bad[0] in LAUNCHER_EXTRAS:
        plugin, extra = LAUNCHER_EXTRAS[bad[0]]
        return [f"{group} = {bad[0]!r} needs {plugin}, which is not installed: pip install \"bposim[{extra}]\""]
    return [f"{group} = {bad[0]!r} is not a known option: allowed {', '.join(sorted(options))}"]


def _search_path_problems(o: Any) -> list[str]:
    values = o.value() if isinstance(o.value(), list) else [o.value()]
    bad = [v for v in values if not isinstance(v, str) or not v.startswith("file://")]
    return [f"hydra.searchpath = {bad[0]!r} is not allowed: only folders (file://PATH), which are "
            f"read as YAML and checked"] if bad else []


def _first_line(err: BaseException) -> str:
    return next((line.strip() for line in str(err).splitlines() if line.strip()), type(err).__name__)


def one_line(err: BaseException) -> str:
    """A message on one line: a ConfigError's problems joined, another error's text folded."""
    if isinstance(err, ConfigError):
        return "; ".join(err.problems)
    return " ".join(line.strip() for line in str(err).splitlines() if line.strip()) or type(err).__name__


# --- names and folders ------------------------------------------------------------------------


def safe_name(text: str, limit: int = MAX_NAME) -> str:
    """A folder name from `text`: the text itself when it is already safe (one readable path
    component, bounded length); otherwise its unsafe characters replaced, cut to `limit`, and a
    hash of the whole text added, so that different texts stay different."""
    text = str(text)
    cleaned = _UNSAFE_CHARS.sub("_", "".join(c if unicodedata.category(c)[0] != "C" else "_" for c in text))
    if cleaned in (".", ".."):
        cleaned = cleaned.replace(".", "_")
    if cleaned == text and len(text) <= limit and len(text.encode()) <= 2 * limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned[:limit]}-{digest}"


def probe_writable(path: str | os.PathLike, what: str, subfolders: Iterable[str] = ()) -> None:
    """Raise ConfigError naming `what` unless `path` (and its `subfolders`) can be created and
    written. Leaves nothing behind: folders it had to create are removed again."""
    import tempfile

    path = Path(path)
    target = path.absolute()
    created: list[Path] = []
    try:
        if target.exists() and not target.is_dir():
            raise ConfigError([f"{what} = '{path}' is a file: give a folder that can be written"])
        for sub in subfolders:
            if (target / sub).exists() and not (target / sub).is_dir():
                raise ConfigError([f"{what} = '{path}' holds a file named {sub!r} where bposim writes "
                                   f"the folder {sub}/: move it or give another folder"])
        missing = []
        q = target
        while not q.exists():
            missing.append(q)
            q = q.parent
        if not q.is_dir():
            raise ConfigError([f"{what} = '{path}': {q} is a file, not a folder"])
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        fd, tmp = tempfile.mkstemp(prefix=".bposim-probe-", dir=target)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise ConfigError([f"{what} = '{path}' cannot be written: {err.strerror or err}"]) from None
    finally:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                pass
