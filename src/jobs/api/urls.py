from django.urls import path

from core.http.domain import domain_urls
from jobs.api.views.applications import (
    ApplicationDetailView,
    ApplicationListView,
    ApplicationResumeView,
    ApplicationTransitionView,
    ApplicationWithdrawView,
    JobApplicationsView,
    JobApplyView,
)
from jobs.api.views.companies import CompanyDetailView, CompanyListView, CompanyMembersView
from jobs.api.views.postings import (
    JobApproveView,
    JobCloseView,
    JobDetailView,
    JobListView,
    JobRejectView,
    JobSubmitView,
    ModerationQueueView,
)
from jobs.api.views.searches import SavedSearchDetailView, SavedSearchListView

app_name = "jobs"

urlpatterns = domain_urls(
    "jobs",
    [
        path("companies/", CompanyListView.as_view(), name="companies"),
        path("companies/<id:pk>/", CompanyDetailView.as_view(), name="company"),
        path("companies/<id:pk>/members/", CompanyMembersView.as_view(), name="company-members"),
        path("jobs/", JobListView.as_view(), name="jobs"),
        path("jobs/<id:pk>/", JobDetailView.as_view(), name="job"),
        path("jobs/<id:pk>/submit/", JobSubmitView.as_view(), name="job-submit"),
        path("jobs/<id:pk>/close/", JobCloseView.as_view(), name="job-close"),
        path("jobs/<id:pk>/approve/", JobApproveView.as_view(), name="job-approve"),
        path("jobs/<id:pk>/reject/", JobRejectView.as_view(), name="job-reject"),
        path("jobs/<id:pk>/apply/", JobApplyView.as_view(), name="job-apply"),
        path(
            "jobs/<id:pk>/applications/",
            JobApplicationsView.as_view(),
            name="job-applications",
        ),
        path("applications/", ApplicationListView.as_view(), name="applications"),
        path("applications/<id:pk>/", ApplicationDetailView.as_view(), name="application"),
        path(
            "applications/<id:pk>/transition/",
            ApplicationTransitionView.as_view(),
            name="application-transition",
        ),
        path(
            "applications/<id:pk>/withdraw/",
            ApplicationWithdrawView.as_view(),
            name="application-withdraw",
        ),
        path(
            "applications/<id:pk>/resume/",
            ApplicationResumeView.as_view(),
            name="application-resume",
        ),
        path("moderation/queue/", ModerationQueueView.as_view(), name="moderation-queue"),
        path("saved-searches/", SavedSearchListView.as_view(), name="saved-searches"),
        path(
            "saved-searches/<id:pk>/",
            SavedSearchDetailView.as_view(),
            name="saved-search",
        ),
    ],
)
