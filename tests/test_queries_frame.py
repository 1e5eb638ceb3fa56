"""`frame()` reads results through Arrow but gives exactly the frame DuckDB's own `df()` gives: the same dtypes (pandas'
nullable ones for integers and booleans with a NULL, objects for all-NULL strings and empty results) and values."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from basstory.query.queries import frame

QUERIES = {
    "every supported type": """
        SELECT 'x' AS s, DATE '2017-02-01' + x::INTEGER AS d, x::BIGINT AS i, x > 0 AS b, x / 3 AS f,
               x::TINYINT AS ti, x::SMALLINT AS si, x::INTEGER AS ii, x::UINTEGER AS ui, 1.25::FLOAT AS fl,
               sum(x) OVER () AS hugeint_sum, 1.5::DECIMAL(10, 2) AS dec,
               TIMESTAMP '2017-01-01 10:00' + INTERVAL (x) HOUR AS ts, TIMESTAMPTZ '2017-01-01 00:00:00+00' AS tz
        FROM range(3) t(x)""",
    "NULLs among values": """
        SELECT CASE WHEN x = 1 THEN NULL ELSE 'v' END AS s, CASE WHEN x = 1 THEN NULL ELSE x END::BIGINT AS i,
               CASE WHEN x = 1 THEN NULL ELSE x > 0 END AS b, CASE WHEN x = 1 THEN NULL ELSE x END::DOUBLE AS f,
               CASE WHEN x = 1 THEN NULL ELSE DATE '2017-01-01' END AS d,
               CASE WHEN x = 1 THEN NULL ELSE TIMESTAMP '2017-01-01' END AS ts
        FROM range(3) t(x)""",
    "every value NULL": """
        SELECT NULL::VARCHAR AS s, NULL::BIGINT AS i, NULL::BOOLEAN AS b, NULL::DATE AS d, NULL AS n
        FROM range(2)""",
    "empty": "SELECT 'x' AS s, 1::BIGINT AS i, true AS b, DATE '2017-01-01' AS d, 1.0 AS f WHERE false",
    "lists and intervals (df's own conversion)": "SELECT [1, 2] AS l, INTERVAL 1 DAY AS iv, 'x' AS s",
    "a repeated column name": "SELECT * FROM (SELECT 1 AS a) x, (SELECT 'y' AS a) y",
}


@pytest.mark.parametrize("sql", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")    # df() itself, on a repeated name
def test_frame_is_what_duckdb_df_gives(sql):
    con = duckdb.connect()
    got, want = frame(con, sql), con.execute(sql).df()
    assert [str(t) for t in got.dtypes] == [str(t) for t in want.dtypes]
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_frame_takes_parameters():
    con = duckdb.connect()
    assert frame(con, "SELECT $system || '!' AS s", {"system": "full"})["s"].tolist() == ["full!"]
    assert frame(con, "SELECT ?::INTEGER + 1 AS n", [41])["n"].tolist() == [42]
