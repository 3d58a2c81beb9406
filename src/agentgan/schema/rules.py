"""Safe evaluator for cross-column rules and derived-column formulas.

Rules such as `tenure_months <= (age - 18) * 12` come from users, from the knowledge base,
and from chat models, so they are data: they are parsed with `ast` and only a whitelist
of node types is evaluated, column-wise over pandas Series. Nothing is passed to `eval`,
`exec` or `DataFrame.eval`, and there is no attribute access, subscript, lambda or call of
anything outside `FUNCTIONS`.

A rule holds for a row when it evaluates to true, or when any column it names is null
there (as an SQL CHECK constraint treats NULL).
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agentgan.errors import RuleError

MAX_RULE_LENGTH = 500
MAX_RULE_NODES = 200
MAX_EXPONENT = 64.0


def _datetime(values: Any) -> Any:
    return pd.to_datetime(values, errors="coerce")


def _date_part(part: str) -> Callable[[Any], Any]:
    def extract(values: Any) -> Any:
        converted = _datetime(values)
        if isinstance(converted, pd.Series):
            return getattr(converted.dt, part).astype("float64")
        return float(getattr(converted, part))

    return extract


def _days_between(start: Any, end: Any) -> Any:
    delta = _datetime(end) - _datetime(start)
    if isinstance(delta, pd.Series):
        return delta.dt.days.astype("float64")
    return float(delta.days)


def _round(values: Any, digits: Any = 0) -> Any:
    return np.round(values, int(digits))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "round": _round,
    "min": np.minimum,
    "max": np.maximum,
    "log": np.log,
    "log1p": np.log1p,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "floor": np.floor,
    "ceil": np.ceil,
    "isnull": pd.isna,
    "notnull": pd.notna,
    "year": _date_part("year"),
    "month": _date_part("month"),
    "day": _date_part("day"),
    "days_between": _days_between,
}
"""Functions a rule may call, by name. Each works element-wise on Series."""

_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

_OPERATOR_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}

_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.In,
    ast.NotIn,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    *_ARITHMETIC,
    *_COMPARISONS,
)


@dataclass(frozen=True)
class Rule:
    """A parsed rule or formula: its text, syntax tree and the columns it reads."""

    text: str
    tree: ast.Expression
    columns: tuple[str, ...]


def compile_rule(text: str, columns: Collection[str] | None = None) -> Rule:
    """Parse and check one rule or formula.

    Args:
        text: The expression, for example `"tenure_months <= (age - 18) * 12"`.
        columns: The column names the rule may read; None skips that check.

    Returns:
        The parsed rule.

    Raises:
        RuleError: the text is not an expression, uses syntax outside the whitelist,
            calls an unknown function, or names a column that does not exist.
    """
    if not isinstance(text, str) or not text.strip():
        raise RuleError(f"Rule {text!r} is empty; write an expression such as 'a <= b'.")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(
            f"Rule {text[:40]!r}... is {len(text)} characters long; the maximum is "
            f"{MAX_RULE_LENGTH}."
        )

    try:
        with warnings.catch_warnings():
            # Text such as "1if" parses with a SyntaxWarning that would reach stderr.
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleError(f"Rule {text!r} is not a valid expression: {exc.msg}.") from exc

    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_RULE_NODES:
        raise RuleError(f"Rule {text!r} is too complex ({len(nodes)} syntax nodes).")

    # Syntax outside the whitelist is reported before calls, so that a lambda or an
    # attribute reads as what it is rather than as "calls ...".
    for node in nodes:
        _check_syntax(node, text)

    _check_lists(nodes, text)
    names: list[str] = []
    for node in nodes:
        _check_node(node, text)
        if isinstance(node, ast.Name) and not _is_call_target(node, nodes):
            names.append(node.id)

    if columns is not None:
        unknown = sorted({name for name in names if name not in columns})
        if unknown:
            raise RuleError(
                f"Rule {text!r} names unknown column(s) {', '.join(unknown)}; "
                f"known columns: {', '.join(sorted(columns))}."
            )

    return Rule(text=text, tree=tree, columns=tuple(dict.fromkeys(names)))


def _check_lists(nodes: list[ast.AST], text: str) -> None:
    """Reject a list or tuple anywhere but after `in` or `not in`, where it means a set of values."""
    after_in = {
        id(comparator)
        for node in nodes
        if isinstance(node, ast.Compare)
        for op, comparator in zip(node.ops, node.comparators, strict=True)
        if isinstance(op, (ast.In, ast.NotIn))
    }
    for node in nodes:
        if isinstance(node, (ast.List, ast.Tuple)) and id(node) not in after_in:
            raise RuleError(
                f"Rule {text!r} uses a list or tuple outside 'in [...]'; lists only give "
                "the values after in or not in, as in: plan in ['basic', 'pro']."
            )


def _is_call_target(name: ast.Name, nodes: list[ast.AST]) -> bool:
    return any(isinstance(node, ast.Call) and node.func is name for node in nodes)


_SYNTAX_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Slice: "a slice",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.NamedExpr: "an assignment expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Starred: "unpacking",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Is: "'is'",
    ast.IsNot: "'is not'",
    ast.BitAnd: "a bitwise operator",
    ast.BitOr: "a bitwise operator",
    ast.BitXor: "a bitwise operator",
    ast.Invert: "a bitwise operator",
    ast.LShift: "a shift operator",
    ast.RShift: "a shift operator",
    ast.MatMult: "matrix multiplication",
    ast.keyword: "keyword arguments",
}
"""Readable names of syntax that rules reject, for error messages."""


def _check_syntax(node: ast.AST, text: str) -> None:
    if isinstance(node, _ALLOWED_NODES):
        return
    described = _SYNTAX_NAMES.get(type(node), type(node).__name__)
    fragment = ast.unparse(node) if isinstance(node, ast.expr) else ""
    detail = f" ({fragment})" if fragment and fragment != text.strip() else ""
    raise RuleError(
        f"Rule {text!r} uses {described}{detail}, which rules do not allow; use column "
        "names, numbers, strings, arithmetic, comparisons, and/or/not, 'in [...]', "
        f"'x if c else y' and the functions {', '.join(sorted(FUNCTIONS))}."
    )


def _check_node(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.BinOp):
        _check_arithmetic(node, text)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = ast.unparse(node.func)
            raise RuleError(
                f"Rule {text!r} calls {called!r}, which is not allowed; allowed functions: "
                f"{', '.join(sorted(FUNCTIONS))}."
            )
        if node.keywords:
            raise RuleError(f"Rule {text!r} passes keyword arguments; pass them by position.")
    if isinstance(node, ast.Name) and node.id.startswith("__"):
        raise RuleError(f"Rule {text!r} names {node.id!r}, which is not allowed.")
    if isinstance(node, ast.Constant) and not isinstance(
        node.value, (int, float, str, bool, type(None))
    ):
        raise RuleError(f"Rule {text!r} contains the constant {node.value!r}, not allowed.")


def _check_arithmetic(node: ast.BinOp, text: str) -> None:
    """Reject text arithmetic other than `+`, and constant exponents above the maximum.

    Repeating text (`'x' * 10**9`) or formatting it with `%` can build huge strings, so
    text constants may only be joined with `+`.
    """
    operands = (node.left, node.right)
    has_text = any(
        isinstance(side, ast.Constant) and isinstance(side.value, str) for side in operands
    )
    if has_text and not isinstance(node.op, ast.Add):
        raise RuleError(
            f"Rule {text!r} applies '{_OPERATOR_SYMBOLS[type(node.op)]}' to text in "
            f"{ast.unparse(node)!r}; only '+' joins text."
        )
    exponent = node.right
    if (
        isinstance(node.op, ast.Pow)
        and isinstance(exponent, ast.Constant)
        and isinstance(exponent.value, (int, float))
        and abs(exponent.value) > MAX_EXPONENT
    ):
        raise RuleError(
            f"Rule {text!r} raises to the power {exponent.value}; the maximum is {MAX_EXPONENT:g}."
        )


def evaluate(rule: Rule, data: Mapping[str, Any]) -> Any:
    """Evaluate a rule over columns and return a Series (or a scalar for constants).

    Raises:
        RuleError: a column is missing from `data`, or the rule fails on these values
            (for example comparing text with numbers).
    """
    try:
        with np.errstate(all="ignore"):
            return _evaluate(rule.tree.body, data, rule.text)
    except RuleError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise RuleError(
            f"Rule {rule.text!r} failed on the data: {exc}; check that it compares and "
            "combines columns of matching types."
        ) from exc


def holds(rule: Rule, frame: pd.DataFrame) -> pd.Series:
    """Return a boolean Series: True where the rule holds or a column it reads is null."""
    result = evaluate(rule, frame)
    if not isinstance(result, pd.Series):
        result = pd.Series(result, index=frame.index)
    passed = result.fillna(False).astype(bool)

    for column in rule.columns:
        passed |= frame[column].isna()
    return passed


def _evaluate(node: ast.AST, data: Mapping[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or node.value is None or isinstance(node.value, str):
            return node.value
        assert isinstance(node.value, (int, float))  # other constants fail compile_rule
        return np.float64(node.value)

    if isinstance(node, ast.Name):
        if node.id not in data:
            raise RuleError(f"Rule {text!r} needs column {node.id!r}, which is missing.")
        return data[node.id]

    if isinstance(node, (ast.List, ast.Tuple)):
        return [_evaluate(element, data, text) for element in node.elts]

    if isinstance(node, ast.BoolOp):
        values = [_as_bool(_evaluate(value, data, text)) for value in node.values]
        combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
        result = values[0]
        for value in values[1:]:
            result = combine(result, value)
        return result

    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, data, text)
        if isinstance(node.op, ast.Not):
            return ~_as_bool(operand) if isinstance(operand, pd.Series) else not operand
        return -operand if isinstance(node.op, ast.USub) else +operand

    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, data, text)
        right = _evaluate(node.right, data, text)
        if isinstance(node.op, ast.Pow):
            _check_exponent(right, text)
        if not isinstance(node.op, ast.Add) and (_is_text(left) or _is_text(right)):
            raise RuleError(
                f"Rule {text!r} applies '{_OPERATOR_SYMBOLS[type(node.op)]}' to text; only "
                "'+' joins text."
            )
        return _ARITHMETIC[type(node.op)](left, right)

    if isinstance(node, ast.Compare):
        return _compare(node, data, text)

    if isinstance(node, ast.IfExp):
        condition = _as_bool(_evaluate(node.test, data, text))
        body = _evaluate(node.body, data, text)
        orelse = _evaluate(node.orelse, data, text)
        if isinstance(condition, pd.Series):
            return pd.Series(np.where(condition, body, orelse), index=condition.index)
        return body if condition else orelse

    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)  # checked by compile_rule
        arguments = [_evaluate(argument, data, text) for argument in node.args]
        return FUNCTIONS[node.func.id](*arguments)

    raise RuleError(f"Rule {text!r} uses {type(node).__name__}, which rules do not allow.")


def _compare(node: ast.Compare, data: Mapping[str, Any], text: str) -> Any:
    left = _evaluate(node.left, data, text)
    result: Any = True
    for comparator, right_node in zip(node.ops, node.comparators, strict=True):
        right = _evaluate(right_node, data, text)
        if isinstance(comparator, (ast.In, ast.NotIn)):
            if not isinstance(right, list):
                raise RuleError(f"Rule {text!r}: 'in' needs a list such as ['a', 'b'].")
            members = [_plain(value) for value in right]
            step = left.isin(members) if isinstance(left, pd.Series) else left in members
            if isinstance(comparator, ast.NotIn):
                step = ~step if isinstance(step, pd.Series) else not step
        else:
            left_value, right_value = _align_dates(left, right)
            step = _COMPARISONS[type(comparator)](left_value, right_value)
        result = step if result is True else result & step
        left = right
    return result


def _align_dates(left: Any, right: Any) -> tuple[Any, Any]:
    """Compare a datetime Series with a date string as dates, not as text."""
    if isinstance(left, pd.Series) and pd.api.types.is_datetime64_any_dtype(left):
        if isinstance(right, str):
            return left, pd.Timestamp(right)
    if isinstance(right, pd.Series) and pd.api.types.is_datetime64_any_dtype(right):
        if isinstance(left, str):
            return pd.Timestamp(left), right
    return left, right


def _plain(value: Any) -> Any:
    if isinstance(value, np.floating) and float(value).is_integer():
        return int(value)
    return value


def _is_text(value: Any) -> bool:
    """True for a string, or a Series that contains strings (object or string dtype)."""
    if isinstance(value, str):
        return True
    if isinstance(value, pd.Series):
        if pd.api.types.is_string_dtype(value.dtype) and value.dtype != object:
            return True
        if value.dtype == object:
            return any(isinstance(item, str) for item in value.head(100))
    return False


def _as_bool(value: Any) -> Any:
    if isinstance(value, pd.Series):
        return value.fillna(False).astype(bool)
    return bool(value)


def _check_exponent(exponent: Any, text: str) -> None:
    largest = float(np.nanmax(np.abs(np.asarray(exponent, dtype="float64"))))
    if largest > MAX_EXPONENT:
        raise RuleError(
            f"Rule {text!r} raises to the power {largest:g}; the maximum is {MAX_EXPONENT:g}."
        )
