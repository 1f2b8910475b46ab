from django.urls import path

import core.http.converters  # noqa: F401  (registers <id:...>)
from core.http.domain import DomainIndexView
from jobs.api import views

app_name = "jobs"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="jobs", routes=lambda: urlpatterns),
        name="index",
    ),
    path("companies/", views.CompanyListView.as_view(), name="companies"),
    path("companies/<id:pk>/", views.CompanyDetailView.as_view(), name="company"),
    path("companies/<id:pk>/members/", views.CompanyMembersView.as_view(), name="company-members"),
    path("jobs/", views.JobListView.as_view(), name="jobs"),
    path("jobs/<id:pk>/", views.JobDetailView.as_view(), name="job"),
    path("jobs/<id:pk>/submit/", views.JobSubmitView.as_view(), name="job-submit"),
    path("jobs/<id:pk>/close/", views.JobCloseView.as_view(), name="job-close"),
    path("jobs/<id:pk>/approve/", views.JobApproveView.as_view(), name="job-approve"),
    path("jobs/<id:pk>/reject/", views.JobRejectView.as_view(), name="job-reject"),
    path("jobs/<id:pk>/apply/", views.JobApplyView.as_view(), name="job-apply"),
    path(
        "jobs/<id:pk>/applications/",
        views.JobApplicationsView.as_view(),
        name="job-applications",
    ),
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/<id:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path(
        "applications/<id:pk>/transition/",
        views.ApplicationTransitionView.as_view(),
        name="application-transition",
    ),
    path(
        "applications/<id:pk>/withdraw/",
        views.ApplicationWithdrawView.as_view(),
        name="application-withdraw",
    ),
    path(
        "applications/<id:pk>/resume/",
        views.ApplicationResumeView.as_view(),
        name="application-resume",
    ),
    path("moderation/queue/", views.ModerationQueueView.as_view(), name="moderation-queue"),
    path("saved-searches/", views.SavedSearchListView.as_view(), name="saved-searches"),
    path(
        "saved-searches/<id:pk>/",
        views.SavedSearchDetailView.as_view(),
        name="saved-search",
    ),
]
