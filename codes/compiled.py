"""A query compiled to SQL once per database connection, then run with new parameters.

Building SQL from a queryset costs Django more than running it: the code page's record
query (the record, its release, its neighbours, its note text and whether the payment
files list it: nine subqueries) takes about 3 ms to compile and 0.1 ms to run on
SQLite. `CompiledQuery` compiles the queryset once per connection with stand-in
parameter values, then swaps the real values in and turns the rows into model instances
(with their select_related objects and annotations) as Django's own iterator does.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    compiler: SQLCompiler
    converters: dict
    # How a row becomes a model instance, worked out once as ModelIterable does per query.
    model: type[Model]
    fields: slice
    init_list: list[str]
    related_populators: list[Any]


class CompiledQuery(Generic[M]):
    """`build(**stand_ins)` must return a queryset whose parameters include each stand-in
    value exactly as given; `first(**values)` and `all(**values)` run it with the real
    values."""

    def __init__(self, build: Callable[..., QuerySet[M, Any]], **stand_ins: str):
        self.build = build
        self.stand_ins = stand_ins
        self._by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._compile(using)
            self._by_connection[connection] = compiled
        return compiled

    def _compile(self, using: str) -> _Compiled:
        queryset = self.build(**self.stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([column[0] for column in compiler.select])
        info = compiler.klass_info
        fields, init_list, populators = slice(0, 0), [], []
        if info is not None:  # not a values() query
            selected = info["select_fields"]
            fields = slice(selected[0], selected[-1] + 1)
            init_list = [column[0].target.attname for column in compiler.select[fields]]
            # The stubs describe Django 6's signature (a fetch mode); 5.2 takes three.
            populators = get_related_populators(info, compiler.select, using)  # type: ignore[call-arg]
        model = queryset.model
        return _Compiled(
            sql, tuple(params), compiler, converters, model, fields, init_list, populators
        )

    def _rows(self, using: str, values: dict[str, Any], one: bool) -> list[tuple]:
        compiled = self._compiled(using)
        by_stand_in = {self.stand_ins[name]: value for name, value in values.items()}
        params = [by_stand_in.get(p, p) if isinstance(p, str) else p for p in compiled.params]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = [row] if one and (row := cursor.fetchone()) is not None else []
            if not one:
                rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        return [tuple(r) for r in compiled.compiler.apply_converters(rows, compiled.converters)]

    def first_row(self, using: str = "default", **values: Any) -> tuple | None:
        """The first row as the database gave it, converted to Python values."""
        rows = self._rows(using, values, one=True)
        return rows[0] if rows else None

    def first(self, using: str = "default", **values: Any) -> M | None:
        """The first row as the queryset's model instance (with its annotations)."""
        row = self.first_row(using, **values)
        return None if row is None else self._instance(self._compiled(using), row, using)

    def all(self, using: str = "default", **values: Any) -> list[M]:
        """Every row as the queryset's model instances."""
        compiled = self._compiled(using)
        return [
            self._instance(compiled, row, using) for row in self._rows(using, values, one=False)
        ]

    @staticmethod
    def _instance(compiled: _Compiled, row: tuple, using: str) -> M:
        instance = cast(M, compiled.model.from_db(using, compiled.init_list, row[compiled.fields]))
        for populator in compiled.related_populators:
            populator.populate(row, instance)
        for name, position in compiled.compiler.annotation_col_map.items():
            setattr(instance, name, row[position])
        return instance
