"""The Sheets API v4 discovery document, and every request checked against it.

The document is the one ``google-api-python-client`` ships offline
(``googleapiclient/discovery_cache/documents/sheets.v4.json``; its ``revision`` is in
``REVISION`` once loaded). From it the fake knows each method (HTTP verb, path template,
query parameters and their enums) and each schema, and refuses, as Google does, with a 400:

* a path or verb no method has (404), a query parameter the method does not take, a value
  outside a parameter's enum, a boolean or integer parameter that is not one;
* a body field the schema does not have (``Unknown name "x" at 'requests[0].update_cells'``),
  a value of the wrong type (``"ten"`` for an int32), an enum value outside its list;
* a field mask (``?fields=`` on any call, ``fields`` of an update request) naming a field its
  target schema does not have.

Deprecated fields are accepted (Google accepts them) but noted in ``Checked.deprecated``.
Field names are matched as the discovery document spells them (lowerCamelCase).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import unquote

Json = dict[str, Any]
_INT32 = 2**31


class Violation(Exception):
    """A request Google would refuse: HTTP ``code`` and the field violations found."""

    def __init__(self, code: int, violations: list[tuple[str, str]], status: str = "") -> None:
        self.code = code
        self.violations = violations  # (field path, description)
        self.status = status or ("NOT_FOUND" if code == 404 else "INVALID_ARGUMENT")
        super().__init__("\n".join(d for _, d in violations))

    def body(self) -> Json:
        """Google's error JSON: code, message, status, and a BadRequest with the fields."""
        error: Json = {"code": self.code, "message": str(self), "status": self.status}
        if self.code == 400 and any(f for f, _ in self.violations):
            error["details"] = [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": f, "description": d} for f, d in self.violations],
            }]
        return {"error": error}


@lru_cache(maxsize=1)
def discovery() -> Json:
    """The Sheets v4 discovery document shipped with google-api-python-client."""
    spec = find_spec("googleapiclient")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "the fake Sheets API checks every request against the Sheets v4 discovery "
            "document of google-api-python-client, a test dependency: "
            "pip install -e '.[test]'"
        )
    path = Path(spec.origin).parent / "discovery_cache" / "documents" / "sheets.v4.json"
    document: Json = json.loads(path.read_text(encoding="utf-8"))
    return document


def revision() -> str:
    return str(discovery().get("revision", ""))


@dataclass(frozen=True)
class Method:
    id: str  # "sheets.spreadsheets.values.batchGet"
    verb: str
    pattern: re.Pattern[str]
    spec: Json

    @property
    def kind(self) -> str:
        return self.id.removeprefix("sheets.")


@lru_cache(maxsize=1)
def methods() -> tuple[Method, ...]:
    found: list[Method] = []

    def walk(resource: Json) -> None:
        for spec in resource.get("methods", {}).values():
            regex = ""
            for part in re.split(r"(\{[^}]+\})", "/" + spec["flatPath"]):
                if part.startswith("{"):
                    name = part[1:-1]
                    regex += f"(?P<{name}>[^/:]+)" if name == "spreadsheetId" else f"(?P<{name}>[^/]+)"
                else:
                    regex += re.escape(part)
            found.append(Method(spec["id"], spec["httpMethod"], re.compile(f"^{regex}$"), spec))
        for sub in resource.get("resources", {}).values():
            walk(sub)

    walk(discovery())
    # the longest literal first, so ".../values/{range}:append" wins over ".../values/{range}"
    found.sort(key=lambda m: -len(re.sub(r"\(\?P<[^>]+>[^)]+\)", "", m.pattern.pattern)))
    return tuple(found)


def find_method(verb: str, path: str) -> tuple[Method, dict[str, str]]:
    for method in methods():
        if method.verb != verb:
            continue
        matched = method.pattern.match(path)
        if matched:
            return method, {k: unquote(v) for k, v in matched.groupdict().items()}
    raise Violation(404, [("", f"Method not found: {verb} {path}")])


# ----- query parameters ----------------------------------------------------------------------
def check_query(method: Method, query: dict[str, list[str]]) -> None:
    allowed = {**discovery()["parameters"], **{
        k: v for k, v in method.spec.get("parameters", {}).items() if v.get("location") == "query"}}
    problems: list[tuple[str, str]] = []
    for name, values in query.items():
        spec = allowed.get(name)
        if spec is None:
            problems.append((name, f'Invalid JSON payload received. Unknown name "{name}": Cannot '
                             f"bind query parameter. Field '{name}' could not be found in "
                             "request message."))
            continue
        if len(values) > 1 and not spec.get("repeated"):
            problems.append((name, f"Invalid value at '{name}': repeated {len(values)} times"))
        for value in values:
            problem = _scalar_problem(value, spec, as_text=True)
            if problem:
                problems.append((name, f"Invalid value at '{_snake(name)}' ({problem}), "
                                 f"\"{value}\""))
    if problems:
        raise Violation(400, problems)


def _scalar_problem(value: Any, spec: Json, *, as_text: bool = False) -> str:
    """'' when ``value`` fits a scalar ``spec``, else the type Google names in its message."""
    kind, fmt = spec.get("type"), spec.get("format")
    if "enum" in spec:
        return "" if isinstance(value, str) and value in spec["enum"] else "TYPE_ENUM"
    if kind == "boolean":
        # a query parameter is read case-insensitively: gspread sends "False", Google takes it
        ok = value.lower() in ("true", "false") if as_text else isinstance(value, bool)
        return "" if ok else "TYPE_BOOL"
    if kind == "integer":
        if isinstance(value, bool):
            return "TYPE_INT32"
        if isinstance(value, str):
            if not re.fullmatch(r"-?\d+", value.strip()):
                return "TYPE_INT32" if fmt == "int32" else "TYPE_INT64"
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            return "TYPE_INT32"
        return "" if fmt != "int32" or -_INT32 <= value < _INT32 else "TYPE_INT32"
    if kind == "number":
        if isinstance(value, bool):
            return "TYPE_DOUBLE"
        if isinstance(value, int | float):
            return ""
        if isinstance(value, str) and (value in ("NaN", "Infinity", "-Infinity")
                                       or re.fullmatch(r"-?\d+(\.\d*)?([eE][-+]?\d+)?", value)):
            return ""
        return "TYPE_DOUBLE"
    if kind == "string":
        return "" if isinstance(value, str) else "TYPE_STRING"
    return ""  # "any"


# ----- bodies --------------------------------------------------------------------------------
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@dataclass
class Checked:
    """What a body check found: refusals, deprecated fields used, field masks to check."""

    problems: list[tuple[str, str]] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    masks: list[tuple[str, str, str]] = field(default_factory=list)  # where, mask, schema


def schema(name: str) -> Json:
    found: Json = discovery()["schemas"][name]
    return found


def check_value(value: Any, spec: Json, where: str, out: Checked) -> None:
    """``value`` against a discovery schema (or property spec), recursively."""
    if "$ref" in spec:
        name = spec["$ref"]
        spec = schema(name)
    else:
        name = ""
    if value is None:  # JSON null: the field's default, as proto3 JSON reads it
        return
    kind = spec.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            out.problems.append((where, f"Invalid value at '{where}' "
                                 f"(type.googleapis.com/google.apps.sheets.v4.{name or 'Object'}), "
                                 f"{json.dumps(value)[:60]}"))
            return
        props = spec.get("properties")
        extra = spec.get("additionalProperties")
        for key, item in value.items():
            path = f"{where}.{_snake(key)}" if where else _snake(key)
            if props is not None and key in props:
                prop = props[key]
                if prop.get("deprecated"):
                    out.deprecated.append(path)
                if prop.get("format") == "google-fieldmask" and isinstance(item, str):
                    out.masks.append((where, item, name))
                check_value(item, prop, path, out)
                if _negative(key, prop, item):
                    out.problems.append((path, f"Invalid value at '{path}': {item} must not be "
                                         "negative"))
            elif extra is not None:
                check_value(item, extra, f"{where}[{key}]", out)
            else:
                out.problems.append((where, f'Invalid JSON payload received. Unknown name "{key}"'
                                     f" at '{where}': Cannot find field." if where else
                                     f'Invalid JSON payload received. Unknown name "{key}": '
                                     "Cannot find field."))
        for required in REQUIRED_ON_WRITE.get(name, ()):
            if value.get(required) is None:
                out.problems.append((where, f"Invalid value at '{where}': {name}.{required} "
                                     "must be set when writing"))
        return
    if kind == "array":
        if not isinstance(value, list):
            out.problems.append((where, f"Invalid value at '{where}', {json.dumps(value)[:60]}: "
                                 "a list is expected"))
            return
        for i, item in enumerate(value):
            if item is None:  # proto3 JSON has no null inside a list
                out.problems.append((f"{where}[{i}]", f"Invalid value at '{where}[{i}]', null"))
                continue
            check_value(item, spec.get("items", {}), f"{where}[{i}]", out)
        return
    problem = _scalar_problem(value, spec)
    if problem:
        out.problems.append((where, f"Invalid value at '{where}' ({problem}), "
                             f"{json.dumps(value, ensure_ascii=False)[:60]}"))


_COUNTS = {"index", "rowCount", "columnCount", "frozenRowCount", "frozenColumnCount", "length",
           "sheetId", "widthPixels", "heightPixels", "pixelSize"}


def _negative(key: str, prop: Json, item: Any) -> bool:
    """A grid index, count or id below zero, which Google refuses."""
    if prop.get("type") != "integer" or not (key in _COUNTS or key.endswith("Index")):
        return False
    try:
        return int(item) < 0
    except (TypeError, ValueError, OverflowError):
        return False


# fields the discovery document describes as "must be set" when a request writes the object
REQUIRED_ON_WRITE = {
    "NumberFormat": ("type",),  # "When writing, this field must be set."
    "BooleanCondition": ("type",),
    "InterpolationPoint": ("type",),
}


# ----- field masks ---------------------------------------------------------------------------
def parse_mask(text: str) -> dict[str, Any]:
    """'a.b,c(d,e/f)' -> {'a': {'b': {}}, 'c': {'d': {}, 'e': {'f': {}}}}; {} = everything."""
    pos = 0

    def parse_list(until: str) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(text) and text[pos] != until:
            node = out
            name = ""
            while pos < len(text) and text[pos] not in ",()":
                ch = text[pos]
                if ch in "./":
                    node = node.setdefault(name.strip(), {})
                    name = ""
                else:
                    name += ch
                pos += 1
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(")")
                pos += 1
                _merge(node.setdefault(name.strip(), {}), sub)
            elif name.strip():
                node.setdefault(name.strip(), {})
            if pos < len(text) and text[pos] == ",":
                pos += 1
        return out

    return parse_list("\0")


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for k, v in other.items():
        _merge(into.setdefault(k, {}), v)


def mask_problems(text: str, root: str) -> list[str]:
    """The paths of mask ``text`` that schema ``root`` has no field for ([] = a good mask)."""
    if text.count("(") != text.count(")"):
        return [text]
    bad: list[str] = []

    def walk(tree: dict[str, Any], spec: Json, prefix: str) -> None:
        while True:  # through $refs and lists to the object whose fields the mask names
            if "$ref" in spec:
                spec = schema(spec["$ref"])
            elif spec.get("type") == "array":
                spec = spec.get("items", {})
            else:
                break
        for name, sub in tree.items():
            path = f"{prefix}.{name}" if prefix else name
            if name == "*":
                continue
            props = spec.get("properties")
            if props is None and spec.get("additionalProperties") is not None:
                walk(sub, spec["additionalProperties"], path)  # a map: any key
                continue
            if not name or props is None or name not in props:
                bad.append(path)
                continue
            if sub:
                walk(sub, props[name], path)

    walk(parse_mask(text), schema(root), "")
    return bad


# the schema an update request's ``fields`` mask is rooted at
MASK_ROOTS = {
    "AppendCellsRequest": "CellData",
    "RepeatCellRequest": "CellData",
    "UpdateCellsRequest": "CellData",
    "UpdateSheetPropertiesRequest": "SheetProperties",
    "UpdateSpreadsheetPropertiesRequest": "SpreadsheetProperties",
    "UpdateDimensionPropertiesRequest": "DimensionProperties",
    "UpdateProtectedRangeRequest": "ProtectedRange",
    "UpdateNamedRangeRequest": "NamedRange",
    "UpdateDeveloperMetadataRequest": "DeveloperMetadata",
    "UpdateEmbeddedObjectPositionRequest": "EmbeddedObjectPosition",
    "UpdateEmbeddedObjectBorderRequest": "EmbeddedObjectBorder",
    "UpdateBandingRequest": "BandedRange",
    "UpdateFilterViewRequest": "FilterView",
    "UpdateSlicerSpecRequest": "SlicerSpec",
    "UpdateDataSourceRequest": "DataSource",
    "UpdateTableRequest": "Table",
    "UpdateDimensionGroupRequest": "DimensionGroup",
}


def check_body(method: Method, body: Any) -> Checked:
    """The request body of ``method`` against its schema, field masks included."""
    out = Checked()
    ref = method.spec.get("request", {}).get("$ref")
    if ref is None:
        return out
    check_value(body if body is not None else {}, {"$ref": ref}, "", out)
    for where, mask, owner in out.masks:
        root = MASK_ROOTS.get(owner)
        if root is None:
            continue
        if not mask.strip():
            out.problems.append((where, f"Invalid {where}: fields must name at least one field"))
            continue
        for path in mask_problems(mask, root):
            out.problems.append((where, f"Invalid {where}: field mask {mask!r} names "
                                 f"{path!r}, which {root} does not have"))
    return out


def check_response_mask(method: Method, query: dict[str, list[str]]) -> None:
    """``?fields=`` against the method's response schema."""
    ref = method.spec.get("response", {}).get("$ref")
    for mask in query.get("fields", []):
        if ref is None or not mask.strip():
            continue
        bad = mask_problems(mask, ref)
        if bad:
            raise Violation(400, [("fields", f"Invalid field selection {p}") for p in bad])
