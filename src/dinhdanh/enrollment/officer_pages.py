"""The office's pages: the unit's applications, opening one from a citizen's record, the
application page (capture forms: `capture_pages.py`), submission and the decision."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import applications, approval, biometrics, capture
from dinhdanh.enrollment.application_models import (
    DEPENDANT_RELATIONS,
    DOCUMENT_KINDS,
    FINGERS,
    KINDS,
    REASONS,
)
from dinhdanh.enrollment.labels import label
from dinhdanh.enrollment.steps import (
    EnrollmentTools,
    format_reference,
    load_application,
    overdue,
    touched_by,
)
from dinhdanh.enrollment.web import Officer, Tools
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.web import Session, render_form, submit
from dinhdanh.population import service as registry
from dinhdanh.population.reference import ethnicity_names, religion_names

router = APIRouter(prefix="/officer/applications", include_in_schema=False)
DONE: Final[dict[str, str]] = {
    "opened": N_("The application is open. An SMS with its reference went to the applicant."),
    "details": N_("The contact details are saved."),
    "changes": N_("The corrections are kept on the application; the registry changes on approval."),
    "dependant": N_("The dependants are updated."),
    "document": N_("The documents are updated."),
    "biometric": N_("The image is captured and stored encrypted."),
    "submitted": N_("The application awaits another officer's approval."),
    "approved": N_("Approved: the card is produced and the registry updated."),
    "rejected": N_("The application is rejected; the applicant was told by SMS."),
    "cancelled": N_("The application is cancelled."),
}
STATES: Final = ("active", "submitted", "approved", "rejected", "cancelled", "all")


def form_values(form: Any) -> dict[str, str]:
    """The text fields of a posted form, without the CSRF token."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.get("", response_class=HTMLResponse)
async def list_page(
    request: Request, session: Session, principal: Officer, state: str = "active"
) -> Response:
    """The unit's applications, soonest due first; overdue ones flagged."""
    state = state if state in STATES else "active"
    rows = await applications.unit_applications(session=session, principal=principal, state=state)
    return render_form(
        request,
        "enrollment/list.html",
        rows=rows,
        state=state,
        states=STATES,
        label=label,
        reference=format_reference,
    )


async def _new_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    citizen_id: str,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    record = await registry.get_record(session=session, principal=principal, citizen_id=citizen_id)
    return render_form(
        request,
        "enrollment/new.html",
        problem,
        record=record,
        values=values or {},
        kinds=KINDS,
        reasons=REASONS,
        label=label,
    )


@router.get("/new", response_class=HTMLResponse)
async def new_page(
    request: Request, session: Session, principal: Officer, citizen_id: str = ""
) -> Response:
    """The form opening an application for a citizen (reached from the record)."""
    return await _new_page(request, session, principal, citizen_id)


@router.post("")
async def open_form(
    request: Request, session: Session, tools: Tools, principal: Officer
) -> Response:
    """Open the application; then to its page."""
    values = form_values(await request.form())
    data = applications.NewApplication(
        citizen_id=values.get("citizen_id", ""),
        kind=values.get("kind", ""),
        reason=values.get("reason", ""),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        wants_account=values.get("wants_account") == "on",
    )

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        return await _new_page(request, session, principal, data.citizen_id, problem, values)

    return await submit(
        applications.open_application(session=session, tools=tools, principal=principal, data=data),
        then=lambda a: f"/officer/applications/{a.id}?done=opened",
        failed=failed,
    )


async def application_page(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    application_id: str,
    *,
    problem: Problem | None = None,
    form_name: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The application with its capture forms (while open) or its decision forms."""
    application = await load_application(
        session=session, principal=principal, application_id=application_id
    )
    record = await registry.get_record(
        session=session, principal=principal, citizen_id=application.citizen_id
    )
    done = DONE.get(request.query_params.get("done", ""))
    may_decide = application.status == "submitted" and not await touched_by(
        session, application, principal.id
    )
    return render_form(
        request,
        "enrollment/application.html",
        problem,
        application=application,
        reference=format_reference(application.reference),
        overdue=overdue(application),
        record=record,
        images={i.position: i for i in await biometrics.captured(session, application)},
        missing=await applications.missing_biometrics(session, application),
        dependants=await capture.dependants(session, application),
        documents=await capture.documents(session, application),
        may_decide=may_decide,
        done=gettext(done) if done else None,
        form_name=form_name,
        values=values or {},
        label=label,
        fingers=FINGERS,
        relations=DEPENDANT_RELATIONS,
        document_kinds=DOCUMENT_KINDS,
        ethnicities=sorted(ethnicity_names().items()),
        religions=sorted(religion_names().items()),
    )


@router.get("/{application_id}", response_class=HTMLResponse)
async def detail_page(
    request: Request, application_id: str, session: Session, principal: Officer
) -> Response:
    """An application of the unit."""
    return await application_page(request, session, principal, application_id)


@dataclass
class StepForm:
    """One of the application page's forms, posted: the request, who posts it, and the
    application it is for."""

    request: Request
    session: AsyncSession
    principal: Principal
    tools: EnrollmentTools
    application_id: str

    @property
    def on(self) -> dict[str, Any]:
        """The keyword arguments every operation on the application takes."""
        return {
            "session": self.session,
            "principal": self.principal,
            "application_id": self.application_id,
        }

    def shown_again(
        self, form_name: str, values: dict[str, str] | None = None
    ) -> Callable[[Problem], Awaitable[Response]]:
        """Undo what the failed step flushed, then show the application with the form's
        errors."""

        async def failed(problem: Problem) -> Response:
            await self.session.rollback()
            return await application_page(
                self.request,
                self.session,
                self.principal,
                self.application_id,
                problem=problem,
                form_name=form_name,
                values=values,
            )

        return failed

    def back(self, done: str) -> Callable[[Any], str]:
        """Where a step that worked goes: the application page with its message."""
        return lambda _: f"/officer/applications/{self.application_id}?done={done}"

    async def run(
        self, name: str, operation: Callable[[dict[str, str]], Awaitable[Any]]
    ) -> Response:
        """Post the form's text fields to `operation`; errors come back to that form."""
        values = form_values(await self.request.form())
        return await submit(
            operation(values), then=self.back(name), failed=self.shown_again(name, values)
        )


async def _step_form(
    request: Request, application_id: str, session: Session, tools: Tools, principal: Officer
) -> StepForm:
    return StepForm(request, session, principal, tools, application_id)


Step = Annotated[StepForm, Depends(_step_form)]


@router.post("/{application_id}/submit")
async def submit_form(step: Step) -> Response:
    """Capture done: hand the application to another officer for the decision."""
    return await step.run("submitted", lambda _: applications.submit_application(**step.on))


@router.post("/{application_id}/approve")
async def approve_form(step: Step) -> Response:
    """Approve: registry, card, account, SMS in one transaction."""
    return await step.run(
        "approved", lambda _: approval.approve_application(**step.on, tools=step.tools)
    )


@router.post("/{application_id}/reject")
async def reject_form(step: Step) -> Response:
    """Reject with the reason the applicant reads."""
    return await step.run(
        "rejected",
        lambda v: approval.reject_application(
            **step.on, tools=step.tools, reason=v.get("reason", "")
        ),
    )


@router.post("/{application_id}/cancel")
async def cancel_form(step: Step) -> Response:
    """Cancel an undecided application."""
    return await step.run(
        "cancelled",
        lambda v: applications.cancel_application(**step.on, reason=v.get("reason", "")),
    )
