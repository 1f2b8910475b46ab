"""Query plans at scale, as the planner chooses them: seed tables in one statement and
analyze them (``seed``), capture the SQL a request actually sends (``sent``), and read
how the planner's own plan for it (``plan``: plain EXPLAIN, no ``enable_*`` switched
off) reads a table (``scans``). PostgreSQL only."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

# The GIN indexes of a table (their pending lists: see ``seed``).
GIN_INDEXES_SQL = """
SELECT i.indexrelid::regclass::text FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
WHERE i.indrelid = %s::regclass AND a.amname = 'gin'
"""


def seed(sql: str, params: Mapping[str, Any], *, analyze: Iterable[str]) -> None:
    """Run one seeding statement (``INSERT ... SELECT ... generate_series``), then
    settle the tables it filled as a table in service is: their GIN indexes' pending
    lists merged (what autovacuum does; a bulk load leaves every new entry in the
    pending list, which makes the index look, and be, as slow as a full scan) and
    their statistics gathered (ANALYZE), so the planner plans with the real ones."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for table in analyze:
            cursor.execute(GIN_INDEXES_SQL, [table])
            for (index,) in cursor.fetchall():
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def sent(run: Callable[[], object], marker: str) -> list[str]:
    """The SQL (parameters bound, as sent) of each query ``run`` makes whose text
    contains ``marker``, in order."""
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries if marker in query["sql"]]


def plan(sql: str) -> str:
    """The planner's own plan for ``sql`` (EXPLAIN, every access path allowed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def scans(plan_text: str, table: str) -> list[str]:
    """How each scan of ``table`` in the plan reads it, in plan order: the index's name
    (an index or index-only scan, or each bitmap index scan under a bitmap heap scan),
    else the scan's kind ("Seq Scan")."""
    found: list[str] = []
    heap_depth: int | None = None  # inside a bitmap heap scan of the table, its indent
    for line in plan_text.splitlines():
        depth = len(line) - len(line.lstrip())
        if heap_depth is not None and depth <= heap_depth:
            heap_depth = None
        bitmap = re.search(r"Bitmap Index Scan on (\w+)", line)
        if heap_depth is not None and bitmap:
            found.append(bitmap.group(1))
        elif re.search(rf"Scan.* on {re.escape(table)}\b", line):
            if "Bitmap Heap Scan" in line:
                heap_depth = depth
                continue
            used = re.search(r"using (\w+)", line)
            found.append(
                used.group(1) if used else line.strip().lstrip("->").strip().split(" on ")[0]
            )
    return found
