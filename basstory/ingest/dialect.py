"""The typing and scope rules, written once in DuckDB's SQL, as Spark SQL: a SQLGlot translation plus the few
rewrites where the two engines' functions differ in name or meaning.

The rules (`recipes.RECIPES`: every typed value and every check; `scope.SCOPE_SQL`) are SQL expressions over one
row. DuckDB runs them as written; the Spark engine runs `to_spark(expr)`. SQLGlot translates the syntax and most
functions; `_rewrite` handles what it leaves as DuckDB's or translates to something that means another thing:

- `regexp_full_match(x, p)` -> `regexp_like(x, '^(?:p)\\z')`: Spark has no whole match, and Java's `$` also matches
  before a final line break;
- `regexp_replace(x, p, '\\1')` -> `regexp_replace(x, p, '$1')`: Java writes a group as `$1` (the patterns are
  anchored, so DuckDB's "first match" and Spark's "every match" agree);
- `strlen(x)` -> `octet_length(x)` (bytes, not characters); `isfinite(x)` -> `NOT isnan(x) AND abs(x) < Infinity`;
- `TRY_CAST(x AS TIME)` -> `TRY_CAST('1970-01-01 ' || x AS TIMESTAMP_NTZ)`: Spark 4 has no TIME type, and the rule
  only asks whether x is a valid time of day;
- `TIMESTAMP` -> `TIMESTAMP_NTZ` (SQLGlot): both a wall-clock time without a zone; the session zone is UTC on both;
- `timezone('UTC', current_timestamp)` -> `CAST(current_timestamp() AS TIMESTAMP_NTZ)`: the ingest's instant in UTC.

`tests/test_spark.py::test_every_rule_gives_the_same_values_on_both_engines` runs every rule on both engines
over awkward values and asserts the same results.
"""
from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            anchored = exp.Literal.string("^(?:" + pattern.this + ")\\z")
            return exp.Anonymous(this="regexp_like", expressions=[node.this, anchored])
        raise ValueError("regexp_full_match needs a literal pattern to be translated for Spark")
    if isinstance(node, exp.RegexpReplace):
        replacement = node.args.get("replacement")
        if isinstance(replacement, exp.Literal) and replacement.is_string and "\\" in replacement.this:
            node.set("replacement", exp.Literal.string(_java_replacement(replacement.this)))
        return node
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        if name == "strlen":
            return exp.Anonymous(this="octet_length", expressions=node.expressions)
        if name == "isfinite":
            value = node.expressions[0]
            return sqlglot.parse_one(f"(NOT isnan({value.sql('spark')}) AND "
                                     f"abs({value.sql('spark')}) < CAST('Infinity' AS DOUBLE))", read="spark")
        if name == "timezone" and len(node.expressions) == 2 and isinstance(node.expressions[1], exp.CurrentTimestamp):
            return exp.Cast(this=exp.CurrentTimestamp(), to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
    if isinstance(node, exp.Cast | exp.TryCast) and node.to.this == exp.DataType.Type.TIME:
        text = exp.DPipe(this=exp.Literal.string("1970-01-01 "), expression=node.this)
        return exp.TryCast(this=text, to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"), safe=True)
    return node


def _java_replacement(text: str) -> str:
    """A RE2 replacement ('\\1' for group 1) as Java writes it ('$1'); a literal '$' is escaped."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1].isdigit():
            out.append("$" + text[i + 1])
            i += 2
            continue
        out.append("\\$" if char == "$" else char)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def to_spark(expression: str) -> str:
    """A DuckDB SQL expression (or query) as Spark SQL (see the module docstring)."""
    tree = sqlglot.parse_one(expression, read="duckdb")
    text = tree.sql(dialect="spark")
    for _ in range(8):  # a rewritten node's arguments are rewritten on the next pass
        tree = tree.transform(_rewrite)
        again = tree.sql(dialect="spark")
        if again == text:
            return text
        text = again
    return text


__all__ = ["to_spark"]
