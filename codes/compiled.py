"""A query compiled to SQL once per database connection, then run with new parameters.

Building SQL from a queryset costs Django more than running it: the code page's record
query (the record, its release, its neighbours, its note text and whether the payment
files list it: nine subqueries) takes about 3 ms to compile and 0.1 ms to run on
SQLite. `CompiledQuery` compiles the queryset once per connection with stand-in
parameter values, then swaps the real values in and turns the row into model instances
with the converters the compiler chose, as Django's own iterator does.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    compiler: SQLCompiler
    converters: dict


class CompiledQuery:
    """`build(**stand_ins)` must return a queryset whose parameters include each stand-in
    value exactly as given; `first(**values)` runs it with the real values."""

    def __init__(self, build: Callable[..., QuerySet], **stand_ins: str):
        self.build = build
        self.stand_ins = stand_ins
        self._by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            queryset = self.build(**self.stand_ins)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            expressions = [column[0] for column in compiler.select]
            converters = compiler.get_converters(expressions)
            compiled = _Compiled(sql, tuple(params), compiler, converters)
            self._by_connection[connection] = compiled
        return compiled

    def first_row(self, using: str = "default", **values) -> tuple | None:
        """The first row as the database gave it, converted to Python values."""
        compiled = self._compiled(using)
        by_stand_in = {self.stand_ins[name]: value for name, value in values.items()}
        params = [by_stand_in.get(p, p) if isinstance(p, str) else p for p in compiled.params]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None or not compiled.converters:
            return row
        return tuple(next(iter(compiled.compiler.apply_converters([row], compiled.converters))))

    def first(self, using: str = "default", **values) -> Model | None:
        """The first row as the queryset's model instance (with its annotations)."""
        row = self.first_row(using, **values)
        return None if row is None else _instance(self._compiled(using).compiler, row, using)


def _instance(compiler, row, using: str) -> Model:
    """The row as the queryset's model, its annotations and its select_related objects."""
    info = compiler.klass_info
    instance = _from_row(info, row, using)
    for name, position in compiler.annotation_col_map.items():
        setattr(instance, name, row[position])
    for related in info.get("related_klass_infos", []):
        obj = _from_row(related, row, using)
        related["local_setter"](instance, obj)
        related["remote_setter"](obj, instance)
    return instance


def _from_row(info: dict, row, using: str) -> Model:
    model = info["model"]
    fields = info["select_fields"]
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(using, names, [row[i] for i in fields])
