from django.contrib import admin
from django.db import transaction

from codes.dataversion import record_change
from codes.models import (
    AspPrice,
    Code,
    CodeVersion,
    ContactEntry,
    DrugDataset,
    NdcPackage,
    ProcessingNote,
    Release,
    SearchMiss,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """CMS data changes only through import_hcpcs and import_asp; the admin shows it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "effective_date",
        "procedure_count",
        "modifier_count",
        "source_name",
        "imported_at",
    ]
    search_fields = ["name", "source_name", "sha256"]


@admin.register(Code)
class CodeAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "kind",
        "short_description",
        "coverage_code",
        "action_code",
        "termination_date",
        "release",
    ]
    list_filter = ["kind", "coverage_code", "action_code", "release"]
    search_fields = ["code", "short_description", "long_description"]
    list_select_related = ["release"]


@admin.register(CodeVersion)
class CodeVersionAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "release", "short_description", "action_code"]
    list_filter = ["release", "kind", "action_code"]
    search_fields = ["code", "short_description", "long_description"]
    list_select_related = ["release"]


@admin.register(ProcessingNote)
class ProcessingNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "release", "text"]
    list_filter = ["release"]
    search_fields = ["number", "text"]


@admin.register(ContactEntry)
class ContactEntryAdmin(admin.ModelAdmin):
    """Every code page shows these, so each change gives the pages a new data version."""

    list_display = ["label", "value", "kind", "position"]
    list_editable = ["position"]
    search_fields = ["label", "value", "note"]

    @transaction.atomic
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        record_change()

    @transaction.atomic
    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        record_change()

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        record_change()


@admin.register(DrugDataset)
class DrugDatasetAdmin(ReadOnlyAdmin):
    list_display = ["kind", "quarter", "effective_start", "row_count", "source_name", "loaded_at"]
    list_filter = ["kind", "quarter"]


@admin.register(AspPrice)
class AspPriceAdmin(ReadOnlyAdmin):
    list_display = ["hcpcs_code", "dataset", "dosage", "payment_limit", "coinsurance_percent"]
    list_filter = ["dataset"]
    search_fields = ["hcpcs_code", "short_description"]
    list_select_related = ["dataset"]


@admin.register(NdcPackage)
class NdcPackageAdmin(ReadOnlyAdmin):
    list_display = ["ndc", "hcpcs_code", "drug_name", "labeler_name", "dataset"]
    list_filter = ["dataset"]
    search_fields = ["ndc", "ndc11", "hcpcs_code", "drug_name", "labeler_name"]
    list_select_related = ["dataset"]


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    """What people searched for and found little: tune codes/data/thesaurus.toml from it.
    Rows are counted by the search page; delete the ones a thesaurus change answered."""

    list_display = readonly_fields = ("query", "count", "results", "first_seen", "last_seen")
    list_filter = ["results"]
    search_fields = ["query"]
    ordering = ["-count", "query"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
