"""The job board's console (``/demo/jobs/``) in the system Chromium, against what
`make run` serves (the session's ``make_run_server``: SQLite, seed_demo's data, its
throttles), as a reviewer drives it: the candidate searches with a typo and sees the
correction, opens a Northwind Labs job they have not applied to (demo_employer's
company, picked from the page at run time), applies with a PDF and is refused a second
time; the employer moves that application in the pipeline with an internal note; the
candidate sees the new status in the history, without the note; then the page on a
phone, where the moderator reads why the queue is empty.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.core.browser import browser_fixture  # noqa: F401  (the `browser` fixture)
from tests.helpers.consoles import PHONE, WIDE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

NORTHWIND = "northwind-labs"  # demo_employer's company in seed_demo


def minimal_pdf() -> bytes:
    """A valid one-page PDF (catalog, page tree, page, cross-reference table), made here."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(body)


def test_a_candidate_applies_and_the_employer_moves_the_application(tabs):
    visit = tabs(WIDE)
    page = visit.page
    visit.open_console("jobs", "demo_candidate")
    search = page.locator("#search-form")

    # A typo: the API searched for the word it knows, and the page says so.
    search.locator("input[name=q]").fill("pythn")
    search.locator("input[name=q]").press("Enter")
    expect(page.locator("#search-correction")).to_contain_text("Showing results for python")
    expect(page.locator("#search-results .job-item").first).to_contain_text("Python")
    visit.expect_logged("GET", re.compile(r"/api/v1/jobs/jobs/\?q=pythn&"), 200)

    # Northwind Labs' jobs; the first one without an application of ours.
    search.locator("input[name=q]").fill("")
    search.locator(".filters summary").click()
    search.locator("input[name=company]").fill(NORTHWIND)
    search.locator("input[name=company]").press("Enter")
    visit.expect_logged("GET", re.compile(rf"company={NORTHWIND}&"), 200)
    results = page.locator("#search-results .job-item")
    expect(results.first).to_contain_text("Northwind Labs")
    expect(page.locator("#search-results .applied").first).to_be_visible()  # ours are marked
    fresh = results.filter(has_not_text=re.compile("Applied|Withdrawn")).first
    title = fresh.locator(".job-open").inner_text()
    fresh.locator(".job-open").click()
    expect(page.locator("#job-title")).to_have_text(title)
    job_id = re.search(r"#job-(\d+)$", page.url)[1]

    # Apply with a résumé: multipart, through the page's file input.
    form = page.locator("#apply-form")
    form.locator("textarea[name=cover_letter]").fill("Hello! I test consoles.")
    form.locator("input[name=resume]").set_input_files(
        files=[{"name": "cv.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}]
    )
    form.get_by_role("button", name="Apply").click()
    expect(page.locator("#apply-message")).to_contain_text(f"Applied to {title}: application #")
    visit.expect_logged("POST", f"/api/v1/jobs/jobs/{job_id}/apply/", 201)
    number = re.search(r"#(\d+)", page.locator("#apply-message").inner_text())[1]
    mine = page.locator(f'#applications-list li[data-application="{number}"]')
    expect(mine.locator(".tag.status")).to_have_text("Submitted")
    expect(mine).to_contain_text("résumé cv.pdf")
    expect(mine.locator(".timeline")).to_contain_text("Applied (submitted) by demo_candidate")

    # A second application to the same job: the API refuses it, nothing changes.
    visit.expect_error(f"/api/v1/jobs/jobs/{job_id}/apply/")
    form.get_by_role("button", name="Apply").click()
    expect(page.locator("#apply-message")).to_contain_text("409 already_applied")
    visit.expect_logged("POST", f"/api/v1/jobs/jobs/{job_id}/apply/", 409)
    expect(page.locator("#applications-list li.application", has_text=title)).to_have_count(1)
    expect(mine.locator(".tag.status")).to_have_text("Submitted")

    # The employer finds it in the pipeline and moves it, with an internal note.
    visit.switch("demo_employer")
    card = page.locator(f'#pipeline-list li[data-application="{number}"]')
    expect(card).to_contain_text("demo_candidate")
    expect(card).to_contain_text(title)
    note = f"Strong cover letter, call back ({number})"
    card.locator("textarea[name=note]").fill(note)
    card.get_by_role("button", name="→ In review").click()
    visit.expect_logged("POST", f"/api/v1/jobs/applications/{number}/transition/", 200)
    expect(card.locator(".tag.status")).to_have_text("In review")
    expect(card.locator(".timeline")).to_contain_text("Submitted → In review by demo_employer")
    expect(card.locator(".timeline .note")).to_contain_text(note)
    # The next moves are the API's allowed_transitions from in_review.
    moves = card.locator(".moves button")
    expect(moves).to_have_text(["→ Interview", "→ Offer", "→ Rejected"])

    # Back as the candidate: the new status, its history, and not the company's note.
    visit.switch("demo_candidate")
    mine = page.locator(f'#applications-list li[data-application="{number}"]')
    expect(mine.locator(".tag.status")).to_have_text("In review")
    mine.locator(".history summary").click()
    visit.expect_logged("GET", f"/api/v1/jobs/applications/{number}/", 200)
    expect(mine.locator(".timeline")).to_contain_text("Submitted → In review")
    expect(mine.locator(".timeline")).not_to_contain_text(note)
    visit.assert_clean()
    visit.shot("jobs-console-1280")

    # A phone, on the job's own link: one column, the request log below.
    phone = tabs(PHONE)
    phone.open(f"/demo/jobs/#job-{job_id}")
    phone.wait_for_account("demo_candidate")
    expect(phone.page.locator("#job-title")).to_have_text(title)
    expect(phone.page.locator("#job-mine")).to_contain_text(f"application #{number}, in review")
    expect(phone.page.locator("#applications-list .application").first).to_be_visible()
    phone.shot("jobs-console-390")
    # The moderator's queue is empty under `make run`, and the page says why.
    phone.switch("demo_moderator")
    expect(phone.page.locator("#moderation-state")).to_contain_text("Moderation is off")
    phone.expect_logged("GET", "/api/v1/jobs/moderation/queue/", 200)
    phone.assert_clean()
