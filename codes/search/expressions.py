"""An ORM expression both engines' rankings build on."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class FuncWithParams(models.Func):
    """A function whose template ends with placeholders (`%%s`) of its own, filled with
    `params` after those of its expressions: a value written as a plain parameter, so a
    compiled query (codes/compiled.py) can swap it, and so that no Case(When(…)) or
    Value() is built for it (building them costs more than the SQL they write)."""

    def __init__(self, *expressions: Any, params: tuple = ()) -> None:
        super().__init__(*expressions)
        self.params = params

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple]:
        sql, params = super().as_sql(
            compiler, connection, function, template, arg_joiner, **extra_context
        )
        return sql, (*params, *self.params)
