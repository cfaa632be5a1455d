"""What every console command does with bad input: one line naming what is wrong, exit status 2.

    @guarded("bposim-compare")
    def main(argv=None) -> int: ...

Anything a user can get wrong (a value, an override, a Hydra composition error, a folder that
cannot be written, a damaged result file) reaches the user as `PROG: <what, the value, what is
allowed>` on stderr, with exit status 2 and no traceback."""

from __future__ import annotations

import functools
import sys
from typing import Callable

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from .config import ConfigError
from .config.safety import one_line

BAD_INPUT = (ConfigError, HydraException, OmegaConfBaseException, OSError)


def guarded(prog: str, also: tuple[type[BaseException], ...] = ()) -> Callable:
    """Decorate a command's main(argv) -> int: bad input returns 2 after one line on stderr."""
    def wrap(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def guarded_main(*args, **kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except BAD_INPUT + also as err:
                return refuse(prog, err)
        return guarded_main
    return wrap


def refuse(prog: str, err: BaseException) -> int:
    text = one_line(err)
    if isinstance(err, OSError) and err.filename and str(err.filename) not in text:
        text = f"{err.filename}: {text}"
    print(f"{prog}: {text}", file=sys.stderr)
    return 2
