"""The filters of the drug payment limit list: quarter, code prefix, sort order."""

from __future__ import annotations

import django_filters

from codes.filters import CODE_PART
from codes.models import AspPrice, DrugDataset


def _pricing_quarter_choices() -> list[tuple[str, str]]:
    quarters = DrugDataset.objects.filter(kind=DrugDataset.DatasetKind.ASP_PRICING)
    return [(q, q) for q in quarters.order_by("-effective_start").values_list("quarter", flat=True)]


class DrugPriceFilter(django_filters.FilterSet):
    quarter = django_filters.ChoiceFilter(
        field_name="dataset__quarter",
        lookup_expr="exact",
        label="Quarter",
        choices=_pricing_quarter_choices,
        empty_label=None,
    )
    code = django_filters.CharFilter(
        field_name="hcpcs_code",
        lookup_expr="startswith",
        label="Code starts",
        validators=[CODE_PART],
    )
    sort = django_filters.OrderingFilter(
        fields=(("hcpcs_code", "code"), ("payment_limit", "limit")),
        field_labels={"hcpcs_code": "Code", "payment_limit": "Payment limit"},
        label="Sort by",
        empty_label=None,
    )

    class Meta:
        model = AspPrice
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("code"):
            data = data.copy()
            data["code"] = data["code"].strip().upper()
        super().__init__(data, *args, **kwargs)
