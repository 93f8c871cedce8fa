"""jsii's Python side, made cheaper per call without changing what any call does.

Example::

    import cdktf
    from foundry_constructs import jsii_speed

    jsii_speed.fit(cdktf)     # azurerm.load() does this for every module it hands out

Every resource the app builds goes through jsii's generated Python: an
``__init__`` that checks each argument against its type hints, a config
struct, and jsii's serialiser, which reads every field of that struct (all
~25 of them, most ``None``) through its property. Measured for 8 hub regions,
that Python side was ~0.35 s of a ~2.3 s synth. ``fit`` changes three things
in a jsii-generated module, each with exactly the same results:

- type hints are worked out once per function (``_KeptHints``), not on every
  call; the argument checks still run;
- ``None`` for an optional argument is accepted at once (``_NoneChecked``):
  typeguard would first try, and fail with a TypeError, every other member
  of the union; every other value still goes to typeguard;
- a struct's field properties read ``self._values`` directly
  (``_fast_getters``). The generated ones also evaluate the field's full
  ``typing.Optional[typing.Union[...]]`` expression on every read, only to
  pass it to ``typing.cast``, which ignores it (1.2 us -> 0.15 us a field).
  Required fields keep their check and its message.

A jsii-generated module keeps the names its functions use on
``module._private`` (it ends with ``publication.publish()``): the first two
replace ``_private.typing`` and ``_private.typeguard`` with stand-ins that
hand every other name through to the real module. Whatever does not have the
generated shape (after a bindings upgrade, say) is left as it is: only
slower. ``tests/test_azurerm_loader.py`` checks the shapes and the results.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Callable

FITTED_MARKER = "__foundry_jsii_fitted__"


def fit(module: types.ModuleType) -> None:
    """Fit one jsii-generated module (a provider submodule, ``cdktf``, ``constructs``); idempotent."""
    private = getattr(module, "_private", module)
    if getattr(private, FITTED_MARKER, False):
        return
    if getattr(private, "typing", None) is typing and callable(getattr(private, "check_type", None)):
        private.typing = _KEPT_HINTS
    real = getattr(private, "typeguard", None)
    if isinstance(real, types.ModuleType) and not isinstance(real, _NoneChecked):
        private.typeguard = _none_checked(real)
    for cls in list(vars(private).values()):
        if isinstance(cls, type) and cls.__module__ == private.__name__ and "__jsii_name_mapping__" in cls.__dict__:
            _fast_getters(cls)
    setattr(private, FITTED_MARKER, True)


class _KeptHints(types.ModuleType):
    """``typing`` as a jsii-generated module sees it, with ``get_type_hints`` worked out once per function.

    Every generated method starts with ``typing.get_type_hints(<stub>)`` and
    then checks its arguments against the result. The hints of a stub are
    fixed once its module is imported, so the first answer is kept.
    """

    def __init__(self) -> None:
        super().__init__("typing", "typing, with get_type_hints kept per function")
        # typing's public names, copied (no __getattr__ round per typing.cast / typing.Optional); not get_type_hints
        self.__dict__.update({k: v for k, v in vars(typing).items() if not k.startswith("_") and k != "get_type_hints"})
        self._hints: dict[Any, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(typing, name)

    def get_type_hints(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return typing.get_type_hints(obj, *args, **kwargs)
        try:
            return self._hints[obj]
        except KeyError:
            hints = self._hints[obj] = typing.get_type_hints(obj)
            return hints


class _NoneChecked(types.ModuleType):
    """``typeguard`` as a jsii-generated module sees it, accepting ``None`` for an optional argument at once.

    Most arguments of a generated ``__init__`` are optional and not given:
    ``None`` against ``Optional[Union[A, B, ...]]``. typeguard tries ``A``,
    ``B``, ... first, building and raising a TypeError for each, before it
    reaches ``NoneType``: two thirds of all typeguard time in a synth. When
    ``NoneType`` is a member of the expected union (or the type is ``Any``)
    the answer is known to be "accepted". Every other value, and ``None`` for
    a required argument, goes to typeguard as before.
    """

    def __init__(self, real: types.ModuleType) -> None:
        super().__init__(real.__name__, "typeguard, with None for optional arguments accepted up front")
        self._real = real
        self._accepts_none: dict[int, tuple[Any, bool]] = {}  # id(type) -> (type, answer): the hints are kept objects

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def check_type(self, *args: Any, **kwargs: Any) -> Any:
        # jsii's generated wrapper passes value= and expected_type= by keyword (typeguard 2, 3 and 4)
        if "value" in kwargs and kwargs["value"] is None and self._none_ok(kwargs.get("expected_type")):
            return None  # what typeguard returns here: None (2.x), or the value, None (3.x, 4.x)
        return self._real.check_type(*args, **kwargs)

    def _none_ok(self, expected: Any) -> bool:
        kept = self._accepts_none.get(id(expected))
        if kept is not None and kept[0] is expected:
            return kept[1]
        answer = expected is Any or (
            typing.get_origin(expected) is typing.Union and type(None) in typing.get_args(expected)
        )
        self._accepts_none[id(expected)] = (expected, answer)
        return answer


_KEPT_HINTS = _KeptHints()
_NONE_CHECKED: dict[int, _NoneChecked] = {}


def _none_checked(real: types.ModuleType) -> _NoneChecked:
    found = _NONE_CHECKED.get(id(real))
    if found is None or found._real is not real:
        found = _NONE_CHECKED[id(real)] = _NoneChecked(real)
    return found


def _fast_getters(cls: type) -> None:
    """Give a jsii struct class field properties that read ``self._values`` and nothing else."""
    for name in cls.__jsii_name_mapping__:  # type: ignore[attr-defined]
        prop = cls.__dict__.get(name)
        if not isinstance(prop, property) or prop.fget is None or prop.fset is not None:
            continue
        code = getattr(prop.fget, "__code__", None)
        # the generated shape: result = self._values.get("<name>") [; assert result is not None, "..."]; return cast
        if code is None or code.co_varnames != ("self", "result") or code.co_names[:2] != ("_values", "get"):
            continue
        if name not in code.co_consts:
            continue
        missing = f"Required property '{name}' is missing"
        getter = _required(name, missing) if missing in code.co_consts else _optional(name)
        setattr(cls, name, property(functools.wraps(prop.fget)(getter), None, None, prop.__doc__))


def _optional(key: str) -> Callable[[Any], Any]:
    def get(self: Any) -> Any:
        return self._values.get(key)

    return get


def _required(key: str, missing: str) -> Callable[[Any], Any]:
    def get(self: Any) -> Any:
        result = self._values.get(key)
        assert result is not None, missing
        return result

    return get
