"""What both providers' wire dialects share: JSON, timestamps, converter set-up.

Serialization is the converters' job, not the models': each provider has one
converter (its dialect), built here from the same parts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import Any, Final, Union, get_args, get_origin

import attrs
import cattrs
import orjson
from cattrs.errors import IterableValidationNote
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._errors import ValidationError

__all__ = ["dumps", "loads", "make_converter", "parse_datetime"]


def dumps(payload: Any) -> bytes:
    """Encode a JSON payload compactly as UTF-8.

    Raises `ValidationError` for what JSON cannot carry (an integer beyond
    64 bits, a lone surrogate, a value of no JSON type): request classes
    refuse those field by field first, so this guards only what they pass on.
    """
    try:
        return orjson.dumps(payload)
    except orjson.JSONEncodeError as exc:
        raise ValidationError(f"the request cannot be sent as JSON: {exc}") from None


#: Decode a JSON document; raises `ValueError` on anything that is not JSON.
loads: Final[Callable[[bytes | str], Any]] = orjson.loads


def parse_datetime(value: object, _type: object = None) -> datetime:
    """Parse an ISO 8601 timestamp into an aware `datetime`.

    Telnyx writes `2019-01-23T18:10:02.574Z`, Catapult `2013-07-12T15:22:47-02`
    (an hour-only offset); both parse. A timestamp with no offset is taken as
    UTC, so every `datetime` we hand out is aware.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _exactly(kind: type[Any], *, optional: bool = False) -> Callable[[Any, Any], Any]:
    if optional:

        def structure(value: Any, _type: Any) -> Any:
            if value is None or type(value) is kind:
                return value
            raise TypeError(f"expected {kind.__name__} or null, got {type(value).__name__}")

    else:

        def structure(value: Any, _type: Any) -> Any:
            if type(value) is not kind:
                raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
            return value

    return structure


def _optional_of(type_: Any) -> Any:
    """`X` when `type_` is `X | None` (or `Optional[X]`); None otherwise."""
    if get_origin(type_) not in (Union, UnionType):
        return None
    args = get_args(type_)
    if len(args) != 2 or NoneType not in args:  # noqa: PLR2004 - X and None
        return None
    return args[0] if args[1] is NoneType else args[1]


def _optional_hooks(converter: cattrs.Converter) -> None:
    """Structure `X | None` with X's own hook, looked up once.

    cattrs' generic optional hook dispatches on X for every value; answers
    are mostly optional fields, so resolving X when the class's structuring
    code is generated makes decoding about a third faster.
    """

    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner = _optional_of(type_)
        if inner in (str, int, bool):
            return _exactly(inner, optional=True)
        hook = converter.get_structure_hook(inner)

        def structure(value: Any, _type: Any) -> Any:
            return None if value is None else hook(value, inner)

        return structure

    converter.register_structure_hook_factory(lambda t: _optional_of(t) is not None, factory)

    def unstructure_factory(type_: Any) -> Callable[[Any], Any]:
        # `X | None` of a type that goes out as it is (str, int, bool...)
        # goes out as it is too, which the generated code then inlines.
        hook = converter.get_unstructure_hook(_optional_of(type_))
        if hook is identity:
            return identity
        return lambda value: None if value is None else hook(value)

    converter.register_unstructure_hook_factory(
        lambda t: _optional_of(t) is not None, unstructure_factory
    )


def _fail() -> Any:
    raise TypeError("a field does not have its documented type")


def _positional_structure(
    cls: type[Any], converter: cattrs.Converter, rename: Callable[[str], str] | None
) -> Callable[[Any, Any], Any] | None:
    """A fast structuring function for `cls`, or None where it cannot build one.

    cattrs' own (kept for its detailed errors) collects fields into a dict
    and calls the class with keywords; answers are decoded on every request,
    and one call with positional arguments, JSON's own types checked inline
    and other fields through their hooks, takes about a quarter fewer
    instructions. Missing keys take the field's default.
    """
    attrs.resolve_types(cls)
    fields = [a for a in attrs.fields(cls) if a.init]
    if any(a.kw_only or isinstance(a.default, attrs.Factory) for a in fields):  # type: ignore[arg-type]
        return None
    namespace: dict[str, Any] = {"cls": cls, "fail": _fail}
    args = []
    for i, field in enumerate(fields):
        key = rename(field.name) if rename is not None else field.name
        if field.default is attrs.NOTHING:
            read = f"value[{key!r}]"
        else:
            namespace[f"default{i}"] = field.default
            read = f"value.get({key!r}, default{i})"
        inner = _optional_of(field.type)
        exact = inner if inner is not None else field.type
        if exact in (str, int, bool):
            # JSON's own types are checked inline, as the hooks would check them.
            kind = exact.__name__
            check = (
                f"(v{i} := {read}) is None or type(v{i}) is {kind}"
                if inner is not None
                else f"type(v{i} := {read}) is {kind}"
            )
            args.append(f"(v{i} if {check} else fail())")
        else:
            namespace[f"hook{i}"] = converter.get_structure_hook(field.type)
            namespace[f"type{i}"] = field.type
            args.append(f"hook{i}({read}, type{i})")
    source = f"def structure(value, _type):\n    return cls({', '.join(args)})\n"
    # Generated code, as attrs and cattrs generate theirs: straight-line calls.
    exec(compile(source, f"<conferencing structure {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    structure: Callable[[Any, Any], Any] = namespace["structure"]
    return structure


def is_array(type_: Any) -> bool:
    """Whether `type_` is `tuple[X, ...]`, the type JSON arrays are structured into."""
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis  # noqa: PLR2004


def _array_hook(converter: cattrs.Converter, type_: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
    """Structure a JSON array into `tuple[X, ...]`, and nothing else into it."""
    item = get_args(type_)[0]
    hook = converter.get_structure_hook(item)

    def structure(value: Any, _type: Any) -> tuple[Any, ...]:
        # cattrs would read any iterable: a string where an array belongs
        # would become a tuple of its characters.
        if type(value) is not list:
            raise TypeError(f"expected a JSON array, got {type(value).__name__}")
        items = []
        errors: list[Exception] = []
        for index, element in enumerate(value):
            try:
                items.append(hook(element, item))
            except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
                exc.add_note(IterableValidationNote(f"@ index {index}", index, item))
                errors.append(exc)
        if errors:
            raise cattrs.IterableValidationError("invalid array items", errors, type_)
        return tuple(items)

    return structure


def make_converter(rename: Callable[[str], str] | None = None) -> cattrs.Converter:
    """Build a provider converter.

    Unset fields (those equal to their default, `None` for optional fields)
    are omitted from requests rather than sent as null; unknown fields in
    answers are ignored, since providers add fields; timestamps are parsed.
    `rename` maps Python attribute names to wire names for every attrs class.
    """
    converter = cattrs.Converter(omit_if_default=True, forbid_extra_keys=False)
    # cattrs would turn a null id into the string "None"; an answer of the
    # wrong shape must fail to decode instead.
    converter.register_structure_hook(str, _exactly(str))
    converter.register_structure_hook(bool, _exactly(bool))
    converter.register_structure_hook(int, _exactly(int))
    converter.register_structure_hook(datetime, parse_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    _optional_hooks(converter)

    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        overrides = (
            {a.name: override(rename=rename(a.name)) for a in attrs.fields(cls)}
            if rename is not None
            else {}
        )
        detailed = make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]
        fast = _positional_structure(cls, converter, rename) or detailed

        def structure(value: Any, type_: Any) -> Any:
            # cattrs reads any container with `in` and `[]`: a string where
            # an object belongs would decode as an object with no fields.
            if type(value) is not dict:
                raise TypeError(f"expected a JSON object, got {type(value).__name__}")
            try:
                return fast(value, type_)
            except Exception:  # noqa: BLE001 - cattrs says what and where
                return detailed(value, type_)

        return structure

    converter.register_structure_hook_factory(attrs.has, structure_factory)
    converter.register_structure_hook_factory(is_array, lambda t: _array_hook(converter, t))
    if rename is not None:
        _rename = rename

        def unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
            overrides = {a.name: override(rename=_rename(a.name)) for a in attrs.fields(cls)}
            return make_dict_unstructure_fn(
                cls,
                converter,
                _cattrs_omit_if_default=True,
                **overrides,  # type: ignore[arg-type]
            )

        converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return converter
