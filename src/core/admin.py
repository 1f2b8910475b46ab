from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.identity.models import User
from core.notifications.models import Notification
from core.tasking.models import TaskOutbox

if TYPE_CHECKING:
    # The stubs make the admin classes generic in their model; Django's are not
    # subscriptable at run time (django-stubs-ext, a dev dependency, would patch them).
    _UserAdminBase = BaseUserAdmin[User]
    _NotificationAdminBase = admin.ModelAdmin[Notification]
    _TaskOutboxAdminBase = admin.ModelAdmin[TaskOutbox]
else:
    _UserAdminBase = BaseUserAdmin
    _NotificationAdminBase = _TaskOutboxAdminBase = admin.ModelAdmin


@admin.register(User)
class UserAdmin(_UserAdminBase):
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email", "first_name", "last_name")


@admin.register(Notification)
class NotificationAdmin(_NotificationAdminBase):
    list_display = ("id", "user", "kind", "title", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("title", "user__username")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.register(TaskOutbox)
class TaskOutboxAdmin(_TaskOutboxAdminBase):
    list_display = ("id", "task_name", "created_at", "attempts", "last_error")
    readonly_fields = ("task_name", "args", "kwargs", "request_id", "created_at", "attempts")
