"""What the jobs console's template (``jobs/console.html``) takes from the domain: the
choices of its filters and the labels of its statuses, read from the models so the page
never drifts from the API's enums."""

from __future__ import annotations

from django import template

from jobs.models import (
    ApplicationStatus,
    EmploymentType,
    ExperienceLevel,
    JobStatus,
    SalaryPeriod,
)

register = template.Library()


@register.simple_tag
def jobs_console_choices() -> dict[str, list[tuple[str, str]]]:
    """Each enum as ``[(value, label), ...]``: the filters' options in the page, and
    (through ``json_script``) the labels the console's script shows."""
    return {
        "employment_type": list(EmploymentType.choices),
        "experience_level": list(ExperienceLevel.choices),
        "salary_period": list(SalaryPeriod.choices),
        "job_status": list(JobStatus.choices),
        "application_status": list(ApplicationStatus.choices),
    }
