"""Admin: polls and their options. Ballots and votes are not shown (who voted for
what stays private); tallies are read-only here, they move only through votes."""

from django.contrib import admin

from polls import services
from polls.models import Option, Poll


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    fields = ("position", "text", "votes")
    readonly_fields = ("votes",)
    ordering = ("position",)
    can_delete = False

    def has_add_permission(self, request, obj=None):  # options change through the API
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ("id", "question", "owner", "kind", "status", "voter_count", "closes_at")
    list_filter = ("status", "kind", "results_visibility", "allow_anonymous")
    search_fields = ("question",)
    raw_id_fields = ("owner",)
    # Structure and state change through the services (vote locks, version, streams).
    readonly_fields = (
        "kind",
        "max_choices",
        "status",
        "voter_count",
        "version",
        "closed_at",
        "close_notified",
        "created_at",
    )
    inlines = [OptionInline]

    def has_add_permission(self, request):  # through the API: options are checked there
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what the form changed: a plain save() would write back the voter_count,
        # status and version read with the form, losing a vote or close committed since.
        obj.save(update_fields=[*form.changed_data, "updated_at"])
        services.poll_touched(poll_id=obj.pk)
