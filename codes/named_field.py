"""A field as `_field_name.html` names it: its label, tooltip and glossary link.

Every field the pages label (a record field on the code page, a fee schedule column)
takes those from its glossary entry, a `FieldDoc`; a class that shows more of a field
(its values, say) extends `NamedField`.
"""

from __future__ import annotations

from dataclasses import dataclass

from codes.reference import FieldDoc


@dataclass(frozen=True)
class NamedField:
    doc: FieldDoc

    @property
    def name(self) -> str:
        return self.doc.name

    @property
    def label(self) -> str:
        return self.doc.label

    @property
    def tip_id(self) -> str:
        return f"tip-{self.doc.name}"
