"""Moderators and staff read the job board here; status changes go through the
services (approve and reject as actions), so notifications and alerts follow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from jobs.models import Application, ApplicationEvent, Company, CompanyMember, Job, SavedSearch
from jobs.services.postings import job_approve


class MemberInline(admin.TabularInline):
    model = CompanyMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "verified", "created_at")
    list_filter = ("verified",)
    search_fields = ("name", "slug")
    inlines = [MemberInline]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "company", "status", "published_at", "expires_at")
    list_filter = ("status", "employment_type", "experience_level", "remote")
    search_fields = ("title", "company__name")
    list_select_related = ("company",)
    raw_id_fields = ("company", "created_by")
    readonly_fields = ("status", "published_at", "submitted_at", "closed_at", "rejection_reason")
    actions = ["approve"]

    @admin.action(description="Approve (publish) selected jobs in review")
    def approve(self, request: Any, queryset: Any) -> None:
        done = 0
        for job in queryset:
            try:
                job_approve(job=job, actor=request.user)
                done += 1
            except Exception as exc:  # report each refusal, go on
                self.message_user(request, f"Job {job.pk}: {exc}", level="warning")
        self.message_user(request, f"{done} job(s) published.")


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "from_status", "to_status", "reason", "internal_note", "created_at")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("id", "job", "candidate", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("job", "candidate")
    readonly_fields = tuple(f.name for f in Application._meta.fields)
    inlines = [EventInline]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "query", "frequency", "created_at")
    list_filter = ("frequency",)
    raw_id_fields = ("user",)
