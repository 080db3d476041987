"""Two Powertools packages whose `__init__` imports every module they hold:
`aws_lambda_powertools.event_handler` (the AppSync, Bedrock, VPC Lattice and
function-URL resolvers, and asyncio with them) and
`aws_lambda_powertools.utilities.data_classes` (some forty event classes). A
function needs one resolver and a few event classes; the rest is cold-start
time spent on code that never runs (bench/cold_start.py: about 15 ms of CPU a
function, some 7 % of the boto3 baseline).

`install()`, called before anything imports them, registers each package with
its `__init__` not run: a name the `__init__` exports is imported from its own
module when it is first asked for (`from aws_lambda_powertools.event_handler
import Response`), and submodules import as usual. Only a package whose
`__init__` is nothing but `from ... import ...` lines, `__all__` and a
docstring is loaded so; any other (an upgrade that adds code there, a build
shipped without sources) is imported as it is.

It also defers `asyncio`, which Powertools' batch processor and the stripe SDK
import at the top for their async code paths; these functions run neither
(a batch is processed synchronously, Stripe is called through its synchronous
client), and asyncio is some 20 ms of a cold start (bench/cold_start.py).
The module is registered unexecuted; its first attribute look-up runs it,
so any code that does use asyncio gets the whole module, only later.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import threading
from typing import Any

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")
# Imported by libraries for code paths these functions never run; run on first use.
DEFERRED = ("asyncio",)


def install() -> None:
    for name in PACKAGES:
        if name not in sys.modules:
            _load_lazily(name)
    for name in DEFERRED:
        if name not in sys.modules:
            defer(name)


def defer(name: str) -> None:
    """Register module `name` without running it: `import name` binds it at no
    cost, and its first look-up of an attribute it lacks (`name.run`, `from
    name import run`, a submodule's import asking for `__path__`) runs the
    module in place, once; other threads wait for it (the local stack runs
    functions on threads). Unlike importlib's LazyLoader, the import
    statement's own look-up of `__spec__` does not run it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    # Held back so that importing a submodule runs the package first, as it always does.
    path = vars(module).pop("__path__", None)
    lock = threading.RLock()
    state = ["unrun"]

    def __getattr__(attribute: str) -> Any:
        with lock:  # re-entrant: the module's own code, running, passes; other threads wait
            if state[0] == "unrun":
                state[0] = "running"
                if path is not None:
                    module.__path__ = path
                try:
                    spec.loader.exec_module(module)  # type: ignore[union-attr]
                except BaseException:
                    sys.modules.pop(name, None)  # as a failed import leaves it: the next import tries again
                    raise
                finally:
                    state[0] = "ran"
                    if vars(module).get("__getattr__") is __getattr__:
                        del module.__getattr__
        if attribute in vars(module):
            return vars(module)[attribute]
        raise AttributeError(f"module {name!r} has no attribute {attribute!r}")

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module


def exports(origin: str, package: str) -> tuple[dict[str, tuple[str, str]], list[str] | None] | None:
    """What the `__init__` at `origin` exports: name -> (module, attribute), and its
    `__all__`; None when it does more than import names, or cannot be read."""
    try:
        with open(origin, encoding="utf-8") as source:
            tree = ast.parse(source.read(), origin)
    except (OSError, SyntaxError, ValueError):
        return None
    names: dict[str, tuple[str, str]] = {}
    public: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and all(alias.name != "*" for alias in node.names):
            module = importlib.util.resolve_name("." * node.level + node.module, package)
            names.update({alias.asname or alias.name: (module, alias.name) for alias in node.names})
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            public = list(ast.literal_eval(node.value))
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # the docstring
            return None
    return names, public


def _load_lazily(name: str) -> None:
    spec = importlib.util.find_spec(name)  # imports the parent packages, as usual
    # Only a package shipped with its source can be read; one without is imported as it is.
    if spec is None or not (spec.origin or "").endswith(".py") or not spec.submodule_search_locations:
        return
    found = exports(spec.origin, name)
    if found is None:
        return
    names, public = found
    package = importlib.util.module_from_spec(spec)  # __path__, __spec__, __file__: a package, not yet run

    def __getattr__(attribute: str) -> Any:
        if attribute in names:
            module, original = names[attribute]
            value = getattr(importlib.import_module(module), original)
        elif not attribute.startswith("__") and importlib.util.find_spec(f"{name}.{attribute}") is not None:
            value = importlib.import_module(f"{name}.{attribute}")  # `package.submodule` without importing it first
        else:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        setattr(package, attribute, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(package)) | set(names))

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    package.__dir__ = __dir__  # type: ignore[method-assign]
    if public is not None:
        package.__all__ = public
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, package)


